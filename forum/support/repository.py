"""All SQL of the support workflow: cases, their events, targets, rotations, tickets, the queue, metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from forum.models import Organisation, Profile, Question, ResponseTarget, SupportCase, SupportEvent, SupportRotation, Team, Ticket

# Kinds of event after which routing is a person's decision that a re-assessment must not undo.
HAND_ROUTED = ("claimed", "handed_over")
_RANK = "CASE {col} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"


@dataclass(frozen=True)
class TopicFact:
    id: int
    slug: str
    label: str
    team_id: int | None


@dataclass(frozen=True)
class QuestionFacts:
    question: Question
    author: Profile
    organisation: Organisation | None
    topics: list[TopicFact]


@dataclass(frozen=True)
class QueueFilters:
    flagged_only: bool = True
    team_id: int | None = None
    topic_id: int | None = None
    severity: str | None = None
    breached: bool | None = None


# -- questions and cases --------------------------------------------------------------------------


async def question_facts(session: AsyncSession, question_id: int) -> QuestionFacts | None:
    question = await session.scalar(select(Question).where(Question.id == question_id).execution_options(populate_existing=True))
    if question is None:
        return None
    author = await session.get(Profile, question.author_id)
    assert author is not None
    organisation = await session.get(Organisation, author.organisation_id) if author.organisation_id else None
    rows = await session.execute(
        text(
            "SELECT t.id, t.slug, t.label, t.team_id FROM question_topics qt JOIN topics t ON t.id = qt.topic_id "
            "WHERE qt.question_id = :id ORDER BY t.id"
        ),
        {"id": question_id},
    )
    return QuestionFacts(question, author, organisation, [TopicFact(r.id, r.slug, r.label, r.team_id) for r in rows])


async def get_case(session: AsyncSession, question_id: int, *, for_update: bool = False) -> SupportCase | None:
    statement = select(SupportCase).where(SupportCase.question_id == question_id).execution_options(populate_existing=True)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def add_event(session: AsyncSession, question_id: int, kind: str, actor_id: int | None, detail: dict[str, Any] | None = None) -> None:
    session.add(SupportEvent(question_id=question_id, kind=kind, actor_id=actor_id, detail=detail or {}))
    await session.flush()


async def events(session: AsyncSession, question_id: int) -> list[tuple[SupportEvent, Profile | None]]:
    rows = await session.execute(
        select(SupportEvent, Profile)
        .outerjoin(Profile, Profile.id == SupportEvent.actor_id)
        .where(SupportEvent.question_id == question_id)
        .order_by(SupportEvent.created_at, SupportEvent.id)
    )
    return [(event, profile) for event, profile in rows]


async def was_routed_by_hand(session: AsyncSession, question_id: int) -> bool:
    statement = text("SELECT EXISTS (SELECT 1 FROM support_events WHERE question_id = :id AND kind = ANY(:kinds))")
    return bool(await session.scalar(statement, {"id": question_id, "kinds": list(HAND_ROUTED)}))


async def first_staff_reply_at(session: AsyncSession, question_id: int):
    """When someone on staff other than the asker first replied (published), if anyone did."""
    return await session.scalar(
        text(
            "SELECT min(r.created_at) FROM replies r JOIN profiles p ON p.id = r.author_id JOIN questions q ON q.id = r.question_id "
            "WHERE r.question_id = :id AND r.published AND r.author_id <> q.author_id "
            "AND p.role IN ('moderator', 'support', 'admin')"
        ),
        {"id": question_id},
    )


async def has_reply_by_others(session: AsyncSession, question_id: int) -> bool:
    statement = text(
        "SELECT EXISTS (SELECT 1 FROM replies r JOIN questions q ON q.id = r.question_id "
        "WHERE r.question_id = :id AND r.published AND r.author_id <> q.author_id)"
    )
    return bool(await session.scalar(statement, {"id": question_id}))


async def recent_question_ids(session: AsyncSession, author_id: int, exclude_id: int, days: int) -> list[int]:
    rows = await session.scalars(
        text(
            "SELECT id FROM questions WHERE author_id = :author AND id <> :exclude "
            "AND created_at > now() - make_interval(days => :days) ORDER BY created_at DESC LIMIT 50"
        ),
        {"author": author_id, "exclude": exclude_id, "days": days},
    )
    return list(rows)


async def question_subject(session: AsyncSession, question_id: int) -> str | None:
    return await session.scalar(text("SELECT subject FROM questions WHERE id = :id"), {"id": question_id})


async def has_answers_or_docs(session: AsyncSession, exclude_id: int) -> bool:
    """Whether there is anything to match against; without it, 'no good match' says nothing."""
    statement = text(
        "SELECT EXISTS (SELECT 1 FROM questions WHERE status IN ('answered', 'resolved') AND published AND id <> :id) "
        "OR EXISTS (SELECT 1 FROM docs_chunks)"
    )
    return bool(await session.scalar(statement, {"id": exclude_id}))


async def impression_for(session: AsyncSession, question_id: int) -> dict[str, Any] | None:
    """What the ask form showed before this question was posted (linked through its draft_id)."""
    row = (
        await session.execute(
            text(
                "SELECT shown_question_ids, shown_docs_urls, best_question_similarity, best_docs_similarity, shown_count, helpful "
                "FROM suggestion_impressions WHERE question_id = :id ORDER BY updated_at DESC LIMIT 1"
            ),
            {"id": question_id},
        )
    ).first()
    return dict(row._mapping) if row else None


async def waiting_questions_of_organisation(session: AsyncSession, organisation_id: int) -> list[int]:
    rows = await session.scalars(
        text(
            "SELECT c.question_id FROM support_cases c JOIN questions q ON q.id = c.question_id "
            "JOIN profiles p ON p.id = q.author_id WHERE p.organisation_id = :org AND c.clock_stopped_at IS NULL "
            "AND c.state = 'open'"
        ),
        {"org": organisation_id},
    )
    return list(rows)


# -- targets, teams and rotations -----------------------------------------------------------------


async def targets(session: AsyncSession) -> list[ResponseTarget]:
    order = text(f"{_RANK.format(col='severity')}, {_RANK.format(col='priority')}")
    return list(await session.scalars(select(ResponseTarget).order_by(order).execution_options(populate_existing=True)))


async def target(session: AsyncSession, severity: str, priority: str) -> ResponseTarget | None:
    return await session.get(ResponseTarget, (severity, priority), populate_existing=True)


async def set_target(session: AsyncSession, severity: str, priority: str, minutes: int | None, responder: str) -> None:
    statement = insert(ResponseTarget).values(severity=severity, priority=priority, respond_within_minutes=minutes, responder=responder)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["severity", "priority"], set_={"respond_within_minutes": minutes, "responder": responder}
        )
    )


async def team_by_slug(session: AsyncSession, slug: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.slug == slug))


async def hero_for(session: AsyncSession, team_id: int, monday: date) -> int | None:
    statement = select(SupportRotation.profile_id).where(SupportRotation.team_id == team_id, SupportRotation.week_start == monday)
    return await session.scalar(statement)


async def upsert_rotation(session: AsyncSession, team_id: int, profile_id: int, monday: date) -> SupportRotation:
    statement = insert(SupportRotation).values(team_id=team_id, profile_id=profile_id, week_start=monday)
    statement = statement.on_conflict_do_update(constraint="uq_support_rotations_team_week", set_={"profile_id": profile_id})
    rotation_id = await session.scalar(statement.returning(SupportRotation.id))
    rotation = await session.get(SupportRotation, rotation_id, populate_existing=True)
    assert rotation is not None
    return rotation


async def rotations(session: AsyncSession, team_id: int | None, monday: date) -> list[tuple[SupportRotation, Team, Profile]]:
    statement = (
        select(SupportRotation, Team, Profile)
        .join(Team, Team.id == SupportRotation.team_id)
        .join(Profile, Profile.id == SupportRotation.profile_id)
        .where(SupportRotation.week_start == monday)
        .order_by(Team.slug)
    )
    if team_id is not None:
        statement = statement.where(SupportRotation.team_id == team_id)
    return [tuple(row) for row in await session.execute(statement)]


# -- tickets and the bot --------------------------------------------------------------------------


async def ticket_for(session: AsyncSession, question_id: int) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.question_id == question_id).execution_options(populate_existing=True))


async def bot_profile(session: AsyncSession, email: str, display_name: str) -> Profile:
    """The profile automated replies are posted as; it cannot sign in (no valid password hash)."""
    await session.execute(
        text(
            "INSERT INTO profiles (email, password_hash, display_name, role) VALUES (:email, '!', :name, 'member') "
            "ON CONFLICT ((lower(email))) DO NOTHING"
        ),
        {"email": email, "name": display_name[:80]},
    )
    profile = await session.scalar(select(Profile).where(text("lower(email) = lower(:email)")).params(email=email))
    assert profile is not None
    return profile


async def organisations(session: AsyncSession) -> list[Organisation]:
    return list(await session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


# -- the queue ------------------------------------------------------------------------------------

_CASE_COLUMNS = (
    "c.question_id, q.permalink, q.subject, q.created_at AS asked_at, c.severity, c.priority, c.responder, "
    "c.escalation_score, c.flagged, c.reasons, c.state, c.due_at, c.docs_gap, "
    "CAST(extract(epoch FROM c.due_at - now()) AS bigint) AS seconds_left, "
    "(c.due_at IS NOT NULL AND c.due_at < coalesce(c.clock_stopped_at, now())) AS breached, "
    "t.id AS team_id, t.slug AS team_slug, t.name AS team_name, o.id AS owner_id, o.display_name AS owner_name"
)
_CASE_JOINS = (
    "FROM support_cases c JOIN questions q ON q.id = c.question_id "
    "LEFT JOIN teams t ON t.id = c.team_id LEFT JOIN profiles o ON o.id = c.owner_id"
)


async def queue(session: AsyncSession, filters: QueueFilters, limit: int, offset: int) -> tuple[list[Any], int]:
    """Cases waiting for a first response, soonest due first; those without a due time last."""
    where = ["c.state = 'open'", "c.clock_stopped_at IS NULL", "q.published", "NOT q.archived", "q.status <> 'resolved'"]
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if filters.flagged_only:
        where.append("c.flagged")
    if filters.team_id is not None:
        where.append("c.team_id = :team")
        params["team"] = filters.team_id
    if filters.topic_id is not None:
        where.append("EXISTS (SELECT 1 FROM question_topics qt WHERE qt.question_id = c.question_id AND qt.topic_id = :topic)")
        params["topic"] = filters.topic_id
    if filters.severity is not None:
        where.append("c.severity = :severity")
        params["severity"] = filters.severity
    if filters.breached is True:
        where.append("c.due_at < now()")
    elif filters.breached is False:
        where.append("(c.due_at IS NULL OR c.due_at >= now())")
    condition = " AND ".join(where)
    rows = await session.execute(
        text(
            f"SELECT {_CASE_COLUMNS} {_CASE_JOINS} WHERE {condition} "
            "ORDER BY c.due_at ASC NULLS LAST, q.created_at, c.question_id LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    total = await session.scalar(text(f"SELECT count(*) {_CASE_JOINS} WHERE {condition}"), params)
    return list(rows), int(total or 0)


async def case_row(session: AsyncSession, question_id: int) -> Any | None:
    statement = text(f"SELECT {_CASE_COLUMNS} {_CASE_JOINS} WHERE c.question_id = :id")
    return (await session.execute(statement, {"id": question_id})).first()


async def topic_slugs(session: AsyncSession, question_ids: Sequence[int]) -> dict[int, list[str]]:
    if not question_ids:
        return {}
    statement = text(
        "SELECT qt.question_id, t.slug FROM question_topics qt JOIN topics t ON t.id = qt.topic_id "
        "WHERE qt.question_id = ANY(:ids) ORDER BY t.id"
    ).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
    found: dict[int, list[str]] = {}
    for row in await session.execute(statement, {"ids": list(question_ids)}):
        found.setdefault(row.question_id, []).append(row.slug)
    return found


# -- metrics --------------------------------------------------------------------------------------


async def cell_metrics(session: AsyncSession, days: int) -> list[Any]:
    """Per severity x priority over questions asked in the period: first-response times against target.

    Within target and breached compare with each case's due time, the promise made when it was
    assessed, so a later change of the matrix does not rewrite history."""
    statement = text(
        "WITH cases AS ("
        "  SELECT c.severity, c.priority, c.due_at, c.clock_stopped_at, c.first_response_at, "
        "    extract(epoch FROM c.first_response_at - q.created_at) / 60.0 AS minutes "
        "  FROM support_cases c JOIN questions q ON q.id = c.question_id "
        "  WHERE q.created_at > now() - make_interval(days => :days)) "
        "SELECT rt.severity, rt.priority, rt.responder, rt.respond_within_minutes AS target_minutes, "
        "  count(cases.severity) AS questions, count(cases.minutes) AS responded, "
        "  percentile_cont(0.5) WITHIN GROUP (ORDER BY cases.minutes) AS median, "
        "  percentile_cont(0.9) WITHIN GROUP (ORDER BY cases.minutes) AS p90, "
        "  count(*) FILTER (WHERE cases.first_response_at <= cases.due_at) AS within_target, "
        "  count(*) FILTER (WHERE cases.due_at < coalesce(cases.clock_stopped_at, now())) AS breached "
        "FROM response_targets rt LEFT JOIN cases ON cases.severity = rt.severity AND cases.priority = rt.priority "
        f"GROUP BY rt.severity, rt.priority, rt.responder, rt.respond_within_minutes "
        f"ORDER BY {_RANK.format(col='rt.severity')}, {_RANK.format(col='rt.priority')}"
    )
    return list(await session.execute(statement, {"days": days}))


async def case_counts(session: AsyncSession, days: int) -> Any:
    statement = text(
        "SELECT count(*) AS questions, count(*) FILTER (WHERE c.flagged) AS flagged, "
        "  count(*) FILTER (WHERE c.due_at < coalesce(c.clock_stopped_at, now())) AS breaches, "
        "  count(*) FILTER (WHERE c.clock_stopped_at IS NULL AND c.due_at < now()) AS open_breaches, "
        "  count(*) FILTER (WHERE c.auto_replied) AS auto_replied, "
        "  count(tk.id) FILTER (WHERE tk.status <> 'linked') AS converted, count(tk.id) FILTER (WHERE tk.status = 'linked') AS linked "
        "FROM support_cases c JOIN questions q ON q.id = c.question_id LEFT JOIN tickets tk ON tk.question_id = c.question_id "
        "WHERE q.created_at > now() - make_interval(days => :days)"
    )
    return (await session.execute(statement, {"days": days})).one()
