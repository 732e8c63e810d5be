"""The data support manages: the response-target matrix, the weekly support-hero rotation, and
organisations with the plan that sets their customers' priority."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from litestar.exceptions import NotFoundException
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import FieldError, UnprocessableError
from forum.jobs.queue import enqueue
from forum.models import Organisation, Profile, ResponseTarget, Role, SupportRotation, Team
from forum.settings import Settings
from forum.support import repository
from forum.support.schemas import OrganisationIn, OrganisationPatch, RotationIn, TargetCell

PRIORITIES = ("high", "medium", "low")
ASSESS_QUESTION = "assess_question"
#: How far ahead a rotation can be planned.
ROTATION_HORIZON = timedelta(weeks=52)


def plan_priorities(settings: Settings) -> dict[str, str]:
    """support_plan_priorities ("enterprise:high,paid:medium,free:low") as a mapping, checked."""
    mapping: dict[str, str] = {}
    for part in settings.support_plan_priorities.split(","):
        if not part.strip():
            continue
        plan, _, priority = part.partition(":")
        if priority.strip() not in PRIORITIES or not plan.strip():
            raise ValueError(f"support_plan_priorities: {part.strip()!r} is not 'plan:high|medium|low'")
        mapping[plan.strip()] = priority.strip()
    if settings.support_default_priority not in PRIORITIES:
        raise ValueError(f"support_default_priority: {settings.support_default_priority!r} is not high, medium or low")
    return mapping


def priority_for(plan: str | None, settings: Settings) -> str:
    return plan_priorities(settings).get(plan or "", settings.support_default_priority)


def week_start(moment: datetime | date | None = None) -> date:
    """The Monday (UTC) of the week holding `moment`: rotations last Monday to Sunday."""
    moment = moment or datetime.now(UTC)
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


# -- the matrix -----------------------------------------------------------------------------------


async def matrix(session: AsyncSession) -> list[ResponseTarget]:
    return await repository.targets(session)


async def update_matrix(session: AsyncSession, cells: list[TargetCell]) -> list[ResponseTarget]:
    """Changes apply to questions assessed from now on; a due time already promised is kept."""
    seen: set[tuple[str, str]] = set()
    for cell in cells:
        key = (cell.severity, cell.priority)
        if key in seen:
            raise FieldError("cells", f"{cell.severity}/{cell.priority} is given twice")
        seen.add(key)
        if (cell.responder == "automated") != (cell.respond_within_minutes is None):
            raise FieldError(
                "respond_within_minutes",
                f"{cell.severity}/{cell.priority}: the automated responder has no time limit and people always have one",
            )
    for cell in cells:
        await repository.set_target(session, cell.severity, cell.priority, cell.respond_within_minutes, cell.responder)
    return await repository.targets(session)


# -- the rotation ---------------------------------------------------------------------------------


async def team_by_slug(session: AsyncSession, slug: str, field: str = "team") -> Team:
    team = await repository.team_by_slug(session, slug)
    if team is None:
        raise UnprocessableError(field, f"no team {slug!r}")
    return team


async def set_rotation(session: AsyncSession, data: RotationIn) -> tuple[SupportRotation, Team, Profile]:
    team = await team_by_slug(session, data.team)
    this_week = week_start()
    monday = data.week_start or this_week
    if monday.weekday() != 0:
        raise FieldError("week_start", "must be a Monday: rotations run Monday to Sunday")
    # Routing reads this week's hero only: a past week would change nothing but the record, and a
    # date years away is a typo.
    last = this_week + ROTATION_HORIZON
    if not this_week <= monday <= last:
        raise FieldError("week_start", f"must be this week's Monday ({this_week}) or a later one, up to {last}")
    hero = await session.get(Profile, data.profile_id)
    if hero is None or hero.role not in {Role.SUPPORT, Role.ADMIN}:
        raise UnprocessableError("profile_id", "must be a support engineer or an admin")
    rotation = await repository.upsert_rotation(session, team.id, hero.id, monday)
    return rotation, team, hero


async def rotations(session: AsyncSession, team_slug: str | None, week: date | None):
    team = await team_by_slug(session, team_slug) if team_slug else None
    return await repository.rotations(session, team.id if team else None, week_start(week) if week else week_start())


# -- organisations --------------------------------------------------------------------------------


def _check_plan(plan: str, settings: Settings) -> str:
    plans = plan_priorities(settings)
    if plan not in plans:
        raise UnprocessableError("plan", f"unknown plan {plan!r}; one of: {', '.join(sorted(plans))}")
    return plan


async def organisation(session: AsyncSession, organisation_id: int) -> Organisation:
    found = await session.get(Organisation, organisation_id)
    if found is None:
        raise NotFoundException(f"No organisation {organisation_id}")
    return found


async def create_organisation(session: AsyncSession, settings: Settings, data: OrganisationIn) -> Organisation:
    org = Organisation(name=data.name.strip(), plan=_check_plan(data.plan, settings))
    session.add(org)
    await session.flush()
    return org


async def update_organisation(session: AsyncSession, settings: Settings, organisation_id: int, data: OrganisationPatch) -> Organisation:
    org = await organisation(session, organisation_id)
    plan = _check_plan(data.plan, settings) if data.plan is not UNSET else None
    if data.name is not UNSET:
        org.name = data.name.strip()
    if plan is not None and plan != org.plan:
        org.plan = plan
        # Its members' questions still waiting for a first response get the new priority (and
        # its due time and responder) from a fresh assessment.
        for question_id in await repository.waiting_questions_of_organisation(session, org.id):
            await enqueue(session, ASSESS_QUESTION, {"question_id": question_id, "reason": "plan changed"},
                          dedupe_key=f"{ASSESS_QUESTION}:{question_id}")
    await session.flush()
    return org


async def delete_organisation(session: AsyncSession, organisation_id: int) -> None:
    # Members stay, without an organisation (the foreign key sets it null): default priority.
    await session.delete(await organisation(session, organisation_id))
    await session.flush()
