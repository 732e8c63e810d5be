"""What support engineers do with a case: list the queue, claim, hand over, answer, convert to a
ticket, link an existing ticket, resolve, tag a docs gap. Every action leaves a SupportEvent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import ConflictError, FieldError, UnprocessableError
from forum.jobs.queue import emit, enqueue
from forum.models import Profile, Question, Role, SupportCase, Team, Ticket
from forum.questions import service as questions
from forum.replies import service as replies
from forum.replies.schemas import ReplyIn
from forum.settings import Settings
from forum.suggestions.repository import deflection_counts
from forum.support import clock, repository
from forum.support.repository import QueueFilters
from forum.support.schemas import (
    AnswerIn,
    CaseOut,
    CellMetrics,
    Deflection,
    EventOut,
    HandOverIn,
    MetricsOut,
    PersonRef,
    QueueItem,
    QueuePage,
    Reason,
    TeamRef,
    TicketOut,
)
from forum.support.targets import team_by_slug

DELIVER_TICKET = "deliver_ticket"


def external_id(question_id: int) -> str:
    # One ticket per question, so a retried delivery finds the Zendesk ticket it already made.
    return f"forum-question-{question_id}"


async def _case(session: AsyncSession, viewer: Profile, ref: str, *, for_update: bool = True) -> tuple[Question, SupportCase]:
    question, _ = await questions.find_visible(session, ref, viewer)
    case = await repository.get_case(session, question.id, for_update=for_update)
    if case is None:
        raise NotFoundException(f"Question {ref!r} has not been assessed yet")
    return question, case


def _open(case: SupportCase) -> None:
    if case.state == "resolved":
        raise ConflictError("The case is resolved")


def _touch(case: SupportCase) -> None:
    case.updated_at = datetime.now(UTC)


# -- reading --------------------------------------------------------------------------------------


def item_out(row: Any, topics: list[str]) -> QueueItem:
    return QueueItem(
        question_id=row.question_id, permalink=row.permalink, subject=row.subject, topics=topics, asked_at=row.asked_at,
        severity=row.severity, priority=row.priority, responder=row.responder, score=row.escalation_score, flagged=row.flagged,
        reasons=[Reason(signal=r["signal"], weight=r["weight"], evidence=r["evidence"]) for r in row.reasons or []],
        state=row.state, team=TeamRef(id=row.team_id, slug=row.team_slug, name=row.team_name) if row.team_id else None,
        owner=PersonRef(id=row.owner_id, display_name=row.owner_name) if row.owner_id else None,
        due_at=row.due_at, seconds_left=row.seconds_left, breached=bool(row.breached), docs_gap=row.docs_gap,
    )


async def queue(session: AsyncSession, filters: QueueFilters, page: int, page_size: int) -> QueuePage:
    rows, total = await repository.queue(session, filters, page_size, (page - 1) * page_size)
    topics = await repository.topic_slugs(session, [r.question_id for r in rows])
    items = [item_out(r, topics.get(r.question_id, [])) for r in rows]
    return QueuePage(items=items, total=total, page=page, page_size=page_size)


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.id, external_id=ticket.external_id, status=ticket.status, zendesk_ticket_id=ticket.zendesk_ticket_id,
        message=ticket.message, created_at=ticket.created_at, sent_at=ticket.sent_at, last_error=ticket.last_error,
    )


async def case_out(session: AsyncSession, question_id: int) -> CaseOut:
    row = await repository.case_row(session, question_id)
    case = await repository.get_case(session, question_id)
    assert row is not None and case is not None
    ticket = await repository.ticket_for(session, question_id)
    history = [
        EventOut(kind=e.kind, actor=PersonRef(id=p.id, display_name=p.display_name) if p else None, detail=e.detail, created_at=e.created_at)
        for e, p in await repository.events(session, question_id)
    ]
    return CaseOut(
        item=item_out(row, (await repository.topic_slugs(session, [question_id])).get(question_id, [])),
        first_response_at=case.first_response_at, clock_stopped_at=case.clock_stopped_at, resolved_at=case.resolved_at,
        auto_replied=case.auto_replied, suggestions=case.suggestions or {}, ticket=ticket_out(ticket) if ticket else None, events=history,
    )


async def find(session: AsyncSession, viewer: Profile, ref: str) -> CaseOut:
    question, _ = await _case(session, viewer, ref, for_update=False)
    return await case_out(session, question.id)


# -- owning ---------------------------------------------------------------------------------------


async def claim(session: AsyncSession, viewer: Profile, ref: str) -> int:
    question, case = await _case(session, viewer, ref)
    _open(case)
    if case.owner_id == viewer.id:
        return question.id
    if case.owner_id is not None:
        owner = await session.get(Profile, case.owner_id)
        raise ConflictError(f"Owned by {owner.display_name if owner else case.owner_id}: ask them to hand it over")
    case.owner_id = viewer.id
    _touch(case)
    await session.flush()
    await repository.add_event(session, question.id, "claimed", viewer.id, {"team_id": case.team_id})
    return question.id


async def hand_over(session: AsyncSession, viewer: Profile, ref: str, data: HandOverIn) -> int:
    if data.to_profile_id is None and data.to_team is None:
        raise FieldError("to_profile_id", "give to_profile_id, to_team or both")
    team: Team | None = await team_by_slug(session, data.to_team, "to_team") if data.to_team is not None else None
    person = None
    if data.to_profile_id is not None:
        person = await session.get(Profile, data.to_profile_id)
        if person is None or person.role not in {Role.SUPPORT, Role.ADMIN}:
            raise UnprocessableError("to_profile_id", "must be a support engineer or an admin")
    question, case = await _case(session, viewer, ref)
    _open(case)
    detail = {"from_owner_id": case.owner_id, "from_team_id": case.team_id, "note": data.note}
    # To a team alone: nobody owns it until someone there claims it.
    case.owner_id = person.id if person else None
    if team is not None:
        case.team_id = team.id
    # A person chose this routing; keep the case in the queue even if a re-assessment scores it lower.
    case.flagged = True
    _touch(case)
    await session.flush()
    await repository.add_event(session, question.id, "handed_over", viewer.id, {**detail, "to_owner_id": case.owner_id, "to_team_id": case.team_id})
    return question.id


# -- answering and closing ------------------------------------------------------------------------


async def answer(session: AsyncSession, viewer: Profile, ref: str, data: AnswerIn) -> int:
    """A reply like any other (it stops the clock through clock.on_reply), optionally tagging a docs gap."""
    question, case = await _case(session, viewer, ref, for_update=False)
    reply = await replies.post(session, viewer, str(question.id), ReplyIn(body=data.body))
    await repository.add_event(session, question.id, "answered", viewer.id, {"reply_id": reply.id})
    if data.docs_gap:
        await _set_docs_gap(session, viewer, question.id, True, None)
    return question.id


async def ticket_context(session: AsyncSession, settings: Settings, case: SupportCase) -> dict[str, Any]:
    """Everything the ticket's agent needs, so nobody has to ask the user again."""
    facts = await repository.question_facts(session, case.question_id)
    assert facts is not None
    q, author, org = facts.question, facts.author, facts.organisation
    team = await session.get(Team, case.team_id) if case.team_id else None
    return {
        "question": {
            "id": q.id, "permalink": q.permalink, "subject": q.subject, "body": q.body,
            "url": f"{settings.site_base_url.rstrip('/')}/questions/{q.permalink}", "asked_at": q.created_at.isoformat(),
        },
        "author": {"id": author.id, "display_name": author.display_name, "email": author.email},
        "organisation": {"id": org.id, "name": org.name, "plan": org.plan} if org else None,
        "topics": [{"slug": t.slug, "label": t.label} for t in facts.topics],
        "team": {"id": team.id, "slug": team.slug, "name": team.name} if team else None,
        "severity": case.severity, "priority": case.priority, "responder": case.responder,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "escalation_score": case.escalation_score, "reasons": case.reasons, "suggestions": case.suggestions,
    }


async def _new_ticket(session: AsyncSession, settings: Settings, actor: Profile | None, case: SupportCase, message: str, **fields) -> Ticket:
    if await repository.ticket_for(session, case.question_id) is not None:
        raise ConflictError("The question already has a ticket")
    ticket = Ticket(
        question_id=case.question_id, external_id=external_id(case.question_id), message=message,
        context=await ticket_context(session, settings, case), created_by_id=actor.id if actor else None, **fields,
    )
    session.add(ticket)
    await session.flush()
    now = datetime.now(UTC)
    case.state = "converted"
    clock.stop(case, now)
    case.updated_at = now
    await session.flush()
    return ticket


async def create_ticket(session: AsyncSession, settings: Settings, actor: Profile | None, case: SupportCase, message: str) -> Ticket:
    """Converts the case (the caller holds its row lock) and queues the delivery to Zendesk."""
    ticket = await _new_ticket(session, settings, actor, case, message, status="pending")
    await repository.add_event(session, case.question_id, "converted", actor.id if actor else None, {"ticket_id": ticket.id})
    # Zendesk may be down for hours: retry as long as other deliveries do before dead-lettering.
    await enqueue(
        session, DELIVER_TICKET, {"ticket_id": ticket.id}, dedupe_key=f"ticket:{ticket.id}", max_attempts=settings.delivery_max_attempts
    )
    await emit(session, "ticket.created", {"ticket_id": ticket.id, "question_id": case.question_id})
    return ticket


async def convert(session: AsyncSession, settings: Settings, viewer: Profile, ref: str, message: str) -> int:
    if not message.strip():
        raise FieldError("message", "must not be blank")
    question, case = await _case(session, viewer, ref)
    _open(case)
    await create_ticket(session, settings, viewer, case, message.strip())
    return question.id


async def link(session: AsyncSession, settings: Settings, viewer: Profile, ref: str, zendesk_ticket_id: int, note: str | None) -> int:
    """An existing Zendesk ticket already covers the question: recorded, nothing is sent."""
    question, case = await _case(session, viewer, ref)
    _open(case)
    message = note.strip() if note and note.strip() else f"Linked to existing Zendesk ticket {zendesk_ticket_id}"
    ticket = await _new_ticket(session, settings, viewer, case, message, status="linked", zendesk_ticket_id=zendesk_ticket_id)
    await repository.add_event(session, question.id, "linked", viewer.id, {"ticket_id": ticket.id, "zendesk_ticket_id": zendesk_ticket_id})
    return question.id


async def resolve(session: AsyncSession, viewer: Profile, ref: str, note: str | None) -> int:
    question, case = await _case(session, viewer, ref)
    _open(case)
    now = datetime.now(UTC)
    case.state = "resolved"
    case.resolved_at = now
    clock.stop(case, now)
    case.updated_at = now
    await session.flush()
    await repository.add_event(session, question.id, "resolved", viewer.id, {"note": note})
    return question.id


async def _set_docs_gap(session: AsyncSession, viewer: Profile, question_id: int, value: bool, note: str | None) -> None:
    case = await repository.get_case(session, question_id, for_update=True)
    assert case is not None
    case.docs_gap = value
    _touch(case)
    await session.flush()
    await repository.add_event(session, question_id, "docs_gap", viewer.id, {"docs_gap": value, "note": note})


async def docs_gap(session: AsyncSession, viewer: Profile, ref: str, value: bool, note: str | None) -> int:
    question, _ = await _case(session, viewer, ref, for_update=False)
    await _set_docs_gap(session, viewer, question.id, value, note)
    return question.id


# -- metrics --------------------------------------------------------------------------------------


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


async def metrics(session: AsyncSession, days: int) -> MetricsOut:
    counts = await repository.case_counts(session, days)
    shown, posted, helpful = await deflection_counts(session, days)
    # deflection_counts counts every posted draft, shown suggestions or not, so this is a floor.
    deflected = max(shown - posted, 0)
    cells = [
        CellMetrics(
            severity=r.severity, priority=r.priority, responder=r.responder, target_minutes=r.target_minutes, questions=r.questions,
            responded=r.responded, median_first_response_minutes=_minutes(r.median), p90_first_response_minutes=_minutes(r.p90),
            within_target=r.within_target, breached=r.breached,
        )
        for r in await repository.cell_metrics(session, days)
    ]
    return MetricsOut(
        days=days, questions=counts.questions, flagged=counts.flagged, breaches=counts.breaches, open_breaches=counts.open_breaches,
        converted=counts.converted, linked=counts.linked, auto_replied=counts.auto_replied,
        deflection=Deflection(
            drafts_shown_suggestions=shown, drafts_posted=posted, drafts_marked_helpful=helpful, deflected=deflected,
            rate=round(deflected / shown, 4) if shown else None,
        ),
        cells=cells,
    )
