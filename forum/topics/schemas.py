from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.fields import Input

Label = Annotated[str, Meta(min_length=1, max_length=100)]
Slug = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class TeamIn(Input):
    name: Label
    slug: Slug | None = None


class TeamOut(msgspec.Struct):
    id: int
    name: str
    slug: str


class TopicGroupIn(Input):
    label: Label
    slug: Slug | None = None


class TopicGroupOut(msgspec.Struct):
    id: int
    label: str
    slug: str


class TopicIn(Input):
    label: Label
    slug: Slug | None = None
    description: Annotated[str, Meta(max_length=1000)] | None = None
    team: Slug | None = None
    group: Slug | None = None


class TopicPatch(Input):
    label: Label | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=1000)] | None | UnsetType = UNSET
    team: Slug | None | UnsetType = UNSET
    group: Slug | None | UnsetType = UNSET


class TopicOut(msgspec.Struct):
    id: int
    label: str
    slug: str
    description: str | None
    team: TeamOut | None
    group: TopicGroupOut | None
    question_count: int


class SpamReportOut(msgspec.Struct):
    id: int
    reason: str
    reporter_id: int | None
    question_id: int | None
    reply_id: int | None
    # Enough of the reported post that a moderator can judge without opening it.
    subject: str | None
    excerpt: str
    created_at: datetime
    resolved_at: datetime | None
