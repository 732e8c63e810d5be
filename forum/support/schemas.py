from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.fields import Id32, Id64, Input
from forum.questions.schemas import Body, TopicSlug

SeverityName = Literal["critical", "high", "medium", "low"]
PriorityName = Literal["high", "medium", "low"]
ResponderName = Literal["customer_success", "support_hero", "automated"]
Note = Annotated[str, Meta(max_length=2000)]
# Up to 30 days: a promise longer than that is not a response target.
Minutes = Annotated[int, Meta(ge=1, le=30 * 24 * 60)]


# -- in ---------------------------------------------------------------------------------------------


class HandOverIn(Input):
    """To a person (who becomes the owner), to a team (whose people pick it up), or both."""

    to_profile_id: Id32 | None = None
    to_team: TopicSlug | None = None
    note: Note | None = None


class AnswerIn(Input):
    body: Body
    docs_gap: bool = False


class ConvertIn(Input):
    message: Annotated[str, Meta(min_length=1, max_length=5000, description="What support adds for the ticket's agent")]


class LinkIn(Input):
    # Zendesk's own id, kept in a bigint column.
    zendesk_ticket_id: Id64
    note: Note | None = None


class ResolveIn(Input):
    note: Note | None = None


class DocsGapIn(Input):
    docs_gap: bool
    note: Note | None = None


class TargetCell(Input):
    severity: SeverityName
    priority: PriorityName
    responder: ResponderName
    # None only for the automated responder, which has no human clock.
    respond_within_minutes: Minutes | None


class TargetsIn(Input):
    cells: Annotated[list[TargetCell], Meta(min_length=1, max_length=12)]


class RotationIn(Input):
    team: TopicSlug
    profile_id: Id32
    # A Monday; this week's when left out.
    week_start: date | None = None


class OrganisationIn(Input):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    plan: Annotated[str, Meta(min_length=1, max_length=40)] = "free"


class OrganisationPatch(Input):
    # Left out: unchanged. Not null, which a blank name would have become and been read as left out.
    name: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    plan: Annotated[str, Meta(min_length=1, max_length=40)] | UnsetType = UNSET


# -- out --------------------------------------------------------------------------------------------


class Reason(msgspec.Struct):
    signal: str
    weight: float
    evidence: str


class TeamRef(msgspec.Struct):
    id: int
    slug: str
    name: str


class PersonRef(msgspec.Struct):
    id: int
    display_name: str


class QueueItem(msgspec.Struct):
    question_id: int
    permalink: str
    subject: str
    topics: list[str]
    asked_at: datetime
    severity: str
    priority: str
    responder: str
    score: float
    flagged: bool
    reasons: list[Reason]
    state: str
    team: TeamRef | None
    owner: PersonRef | None
    due_at: datetime | None
    # Negative once breached; None when no person has to respond (the automated reply).
    seconds_left: int | None
    breached: bool
    docs_gap: bool


class QueuePage(msgspec.Struct):
    items: list[QueueItem]
    total: int
    page: int
    page_size: int


class EventOut(msgspec.Struct):
    kind: str
    actor: PersonRef | None
    detail: dict[str, Any]
    created_at: datetime


class TicketOut(msgspec.Struct):
    id: int
    external_id: str
    status: str
    zendesk_ticket_id: int | None
    message: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class CaseOut(msgspec.Struct):
    item: QueueItem
    first_response_at: datetime | None
    clock_stopped_at: datetime | None
    resolved_at: datetime | None
    auto_replied: bool
    suggestions: dict[str, Any]
    ticket: TicketOut | None
    events: list[EventOut]


class TargetOut(msgspec.Struct):
    severity: str
    priority: str
    responder: str
    respond_within_minutes: int | None


class RotationOut(msgspec.Struct):
    team: TeamRef
    hero: PersonRef
    week_start: date


class OrganisationOut(msgspec.Struct):
    id: int
    name: str
    plan: str
    priority: str
    created_at: datetime


class CellMetrics(msgspec.Struct):
    severity: str
    priority: str
    responder: str | None
    target_minutes: int | None
    questions: int
    responded: int
    median_first_response_minutes: float | None
    p90_first_response_minutes: float | None
    within_target: int
    breached: int


class Deflection(msgspec.Struct):
    drafts_shown_suggestions: int
    drafts_posted: int
    drafts_marked_helpful: int
    # Drafts shown suggestions minus drafts posted: asked while suggestions showed, did not post.
    deflected: int
    rate: float | None


class MetricsOut(msgspec.Struct):
    days: int
    questions: int
    flagged: int
    breaches: int
    open_breaches: int
    converted: int
    linked: int
    auto_replied: int
    deflection: Deflection
    cells: list[CellMetrics]
