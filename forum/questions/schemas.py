from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.fields import Id64, Input
from forum.markdown import markdown_to_text
from forum.profiles.schemas import AuthorOut

Subject = Annotated[str, Meta(min_length=1, max_length=140)]
Body = Annotated[str, Meta(min_length=1, max_length=20_000)]
TopicSlug = Annotated[str, Meta(min_length=1, max_length=100)]
PageSlug = Annotated[str, Meta(min_length=1, max_length=300)]
Sort = Literal["newest", "activity", "popular", "relevance"]
Status = Literal["open", "answered", "resolved"]


class QuestionIn(Input):
    subject: Subject
    body: Body
    topics: Annotated[list[TopicSlug], Meta(max_length=5)] = []
    page_slugs: Annotated[list[PageSlug], Meta(max_length=10)] = []
    # The draft_id the ask form sent to /suggestions: links what was shown to what was posted.
    draft_id: Annotated[str, Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    # Honeypot: hidden on the website, so only bots fill it in.
    website: str | None = None


class QuestionPatch(Input):
    subject: Subject | UnsetType = UNSET
    body: Body | UnsetType = UNSET
    topics: Annotated[list[TopicSlug], Meta(max_length=5)] | UnsetType = UNSET
    # The version the editor started from; a stale one means someone else edited meanwhile (409).
    version: int | UnsetType = UNSET


class ModerationIn(Input):
    archived: bool | UnsetType = UNSET
    locked: bool | UnsetType = UNSET
    published: bool | UnsetType = UNSET


class SolutionIn(Input):
    reply_id: Id64


class ReportIn(Input):
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


class ViewerState(msgspec.Struct):
    """What the signed-in reader has done here, so the website can draw its buttons."""

    upvoted: bool
    following: bool
    reply_votes: dict[int, int]


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
    viewer: ViewerState | None = None


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


class ReportOut(msgspec.Struct):
    id: int
    reason: str
    created_at: datetime


def topic_refs(topics: list[tuple[str, str, bool]]) -> list[TopicRef]:
    return [TopicRef(slug=slug, label=label, pinned=pinned) for slug, label, pinned in topics]


def _author(profile_id: int, display_name: str, avatar_url: str | None, role: str) -> AuthorOut:
    return AuthorOut(id=profile_id, display_name=display_name, avatar_url=avatar_url, role=role)


def summary_out(row, topics: list[tuple[str, str, bool]]) -> QuestionSummary:
    return QuestionSummary(
        id=row.id,
        permalink=row.permalink,
        subject=row.subject,
        excerpt=excerpt(row.body_start),
        status=row.status,
        topics=topic_refs(topics),
        author=_author(row.author_id, row.display_name, row.avatar_url, row.role),
        reply_count=row.reply_count,
        upvotes=row.upvote_count,
        view_count=row.view_count,
        pinned=bool(row.pinned),
        locked=row.locked,
        archived=row.archived,
        published=row.published,
        created_at=row.created_at,
        active_at=row.active_at,
    )


def reply_out(reply, author, solution_id: int | None) -> ReplyOut:
    return ReplyOut(
        id=reply.id,
        question_id=reply.question_id,
        author=_author(author.id, author.display_name, author.avatar_url, author.role),
        body=reply.body,
        body_html=reply.body_html,
        published=reply.published,
        is_solution=reply.id == solution_id,
        created_at=reply.created_at,
        edited_at=reply.edited_at,
        upvotes=reply.upvotes,
        downvotes=reply.downvotes,
        version=reply.version,
    )


def detail_out(question, author, topics, replies, viewer_state: ViewerState | None = None) -> QuestionDetail:
    return QuestionDetail(
        id=question.id,
        permalink=question.permalink,
        subject=question.subject,
        body=question.body,
        body_html=question.body_html,
        status=question.status,
        topics=topic_refs(topics),
        page_slugs=list(question.page_slugs or []),
        author=_author(author.id, author.display_name, author.avatar_url, author.role),
        resolved_by=question.resolved_by_id,
        reply_count=question.reply_count,
        upvotes=question.upvote_count,
        view_count=question.view_count,
        locked=question.locked,
        archived=question.archived,
        published=question.published,
        created_at=question.created_at,
        updated_at=question.updated_at,
        active_at=question.active_at,
        version=question.version,
        replies=[reply_out(reply, reply_author, question.resolved_by_id) for reply, reply_author in replies],
        viewer=viewer_state,
    )


def excerpt(body: str, length: int = 200) -> str:
    """The first words of the body as plain text, cut at a word boundary."""
    part = _leading_part(body, 5 * length)
    return cut_at_word(markdown_to_text(part), length, more=len(part) < len(body))


def cut_at_word(text: str, length: int, *, more: bool = False) -> str:
    """`text` with its whitespace collapsed, cut at a word boundary within `length` characters; an
    ellipsis marks the cut, or `more` text the caller left out after it."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text + "…" if more else text
    return text[:length].rsplit(" ", 1)[0] + "…"


def _leading_part(body: str, limit: int) -> str:
    """The paragraphs of a long body that an excerpt can need: parsing a whole docs section or long
    answer to show its first 240 characters cost suggestions a millisecond per item."""
    if len(body) <= limit:
        return body
    paragraph_end = body.rfind("\n\n", 0, limit)
    return body[: paragraph_end if paragraph_end > limit // 2 else limit]
