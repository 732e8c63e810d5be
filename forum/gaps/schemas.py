from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from forum.fields import Input

GapStatus = Literal["open", "filed", "dismissed", "vanished"]


class DismissIn(Input):
    reason: Annotated[str, Meta(min_length=1, max_length=2000, description="Why this is not a docs problem")]


class FiledIn(Input):
    url: Annotated[str, Meta(min_length=8, max_length=2000, pattern=r"^https?://\S+$", description="The issue it was filed as")]


class DocsPlace(msgspec.Struct):
    url: str
    page_title: str
    heading_path: list[str]
    snippet: str
    similarity: float


class AddressedBy(msgspec.Struct):
    url: str
    page_title: str
    heading_path: list[str]
    snippet: str
    similarity: float
    updated_at: str


class GapSummary(msgspec.Struct):
    id: int
    status: GapStatus
    title: str
    area: str | None
    terms: list[str]
    size: int
    score: float
    # size, recency, median_views, escalation_share, newest, oldest, signals
    score_parts: dict[str, Any]
    central_question_id: int | None
    possibly_addressed: bool
    addressed_by: AddressedBy | None
    first_seen_at: datetime
    last_seen_at: datetime
    dismissed_reason: str | None
    filed_url: str | None


class GapPage(msgspec.Struct):
    items: list[GapSummary]
    total: int
    page: int
    page_size: int


class EvidenceQuestion(msgspec.Struct):
    id: int
    subject: str
    url: str
    status: str
    asked_at: datetime
    views: int
    replies: int
    signals: list[str]
    escalated: bool
    similarity: float
    in_gap_since: datetime


class GivenAnswer(msgspec.Struct):
    reply_id: int
    question_id: int
    author: str
    by_support: bool
    accepted: bool
    votes: int
    created_at: datetime
    excerpt: str


class IssueOut(msgspec.Struct):
    title: str
    body: str


class GapDetailOut(msgspec.Struct):
    gap: GapSummary
    summary: str
    evidence: list[EvidenceQuestion]
    placement: list[DocsPlace]
    outline: list[str]
    answers: list[GivenAnswer]
    issue: IssueOut


class DetectQueued(msgspec.Struct):
    queued: bool
