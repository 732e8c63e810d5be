from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.profiles.schemas import AuthorOut

Subject = Annotated[str, Meta(min_length=1, max_length=140)]
Body = Annotated[str, Meta(min_length=1, max_length=20_000)]
TopicSlug = Annotated[str, Meta(min_length=1, max_length=100)]
PageSlug = Annotated[str, Meta(min_length=1, max_length=300)]
Sort = Literal["newest", "activity", "popular", "relevance"]
Status = Literal["open", "answered", "resolved"]


class QuestionIn(msgspec.Struct, forbid_unknown_fields=True):
    subject: Subject
    body: Body
    topics: Annotated[list[TopicSlug], Meta(max_length=5)] = []
    page_slugs: Annotated[list[PageSlug], Meta(max_length=10)] = []
    # Honeypot: hidden on the website, so only bots fill it in.
    website: str | None = None


class QuestionPatch(msgspec.Struct, forbid_unknown_fields=True):
    subject: Subject | UnsetType = UNSET
    body: Body | UnsetType = UNSET
    topics: Annotated[list[TopicSlug], Meta(max_length=5)] | UnsetType = UNSET
    # The version the editor started from; a stale one means someone else edited meanwhile (409).
    version: int | UnsetType = UNSET


class ModerationIn(msgspec.Struct, forbid_unknown_fields=True):
    archived: bool | UnsetType = UNSET
    locked: bool | UnsetType = UNSET
    published: bool | UnsetType = UNSET


class SolutionIn(msgspec.Struct, forbid_unknown_fields=True):
    reply_id: int


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500)] = "spam"


class TopicRef(msgspec.Struct):
    slug: str
    label: str
    pinned: bool = False


class QuestionSummary(msgspec.Struct):
    id: int
    permalink: str
    subject: str
    excerpt: str
    status: str
    topics: list[TopicRef]
    author: AuthorOut
    reply_count: int
    upvotes: int
    view_count: int
    pinned: bool
    locked: bool
    archived: bool
    published: bool
    created_at: datetime
    active_at: datetime


class ReplyOut(msgspec.Struct):
    id: int
    question_id: int
    author: AuthorOut
    body: str
    body_html: str
    published: bool
    is_solution: bool
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    version: int


class QuestionDetail(msgspec.Struct):
    id: int
    permalink: str
    subject: str
    body: str
    body_html: str
    status: str
    topics: list[TopicRef]
    page_slugs: list[str]
    author: AuthorOut
    resolved_by: int | None
    reply_count: int
    upvotes: int
    view_count: int
    locked: bool
    archived: bool
    published: bool
    created_at: datetime
    updated_at: datetime
    active_at: datetime
    version: int
    replies: list[ReplyOut]


class QuestionPage(msgspec.Struct):
    items: list[QuestionSummary]
    total: int
    page: int
    page_size: int


class VoteState(msgspec.Struct):
    upvotes: int
    upvoted: bool


class FollowState(msgspec.Struct):
    following: bool
