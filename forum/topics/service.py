"""Rules for the taxonomy: topics belong to a team (for routing) and optionally to a group (for navigation)."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar.exceptions import NotFoundException
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import ConflictError, FieldError, UnprocessableError
from forum.models import SpamReport, Team, Topic, TopicGroup
from forum.slugs import slugify
from forum.topics import repository
from forum.topics.schemas import TeamIn, TopicGroupIn, TopicIn, TopicPatch


def _slug(explicit: str | None, label: str, field: str) -> str:
    slug = explicit or slugify(label)
    if not slug:
        raise FieldError(field, "cannot derive a slug from it; give one explicitly")
    return slug


async def create_team(session: AsyncSession, data: TeamIn) -> Team:
    slug = _slug(data.slug, data.name, "name")
    name = data.name.strip()
    if await repository.team_by_slug(session, slug):
        raise ConflictError(f"Team {slug!r} already exists")
    # Names are unique too: two teams of one name could not be told apart where topics show their team.
    if await repository.team_by_name(session, name):
        raise ConflictError(f"A team named {name!r} already exists")
    team = Team(name=name, slug=slug)
    await repository.add(session, team)
    return team


async def create_group(session: AsyncSession, data: TopicGroupIn) -> TopicGroup:
    slug = _slug(data.slug, data.label, "label")
    if await repository.group_by_slug(session, slug):
        raise ConflictError(f"Topic group {slug!r} already exists")
    group = TopicGroup(label=data.label.strip(), slug=slug)
    await repository.add(session, group)
    return group


async def _team_id(session: AsyncSession, slug: str | None) -> int | None:
    if slug is None:
        return None
    team = await repository.team_by_slug(session, slug)
    if team is None:
        raise UnprocessableError("team", f"no team {slug!r}")
    return team.id


async def _group_id(session: AsyncSession, slug: str | None) -> int | None:
    if slug is None:
        return None
    group = await repository.group_by_slug(session, slug)
    if group is None:
        raise UnprocessableError("group", f"no topic group {slug!r}")
    return group.id


async def create_topic(session: AsyncSession, data: TopicIn) -> Topic:
    slug = _slug(data.slug, data.label, "label")
    if await repository.topic_by_slug(session, slug):
        raise ConflictError(f"Topic {slug!r} already exists")
    topic = Topic(
        label=data.label.strip(),
        slug=slug,
        description=data.description,
        team_id=await _team_id(session, data.team),
        group_id=await _group_id(session, data.group),
    )
    await repository.add(session, topic)
    return topic


async def update_topic(session: AsyncSession, slug: str, data: TopicPatch) -> Topic:
    topic = await repository.topic_by_slug(session, slug)
    if topic is None:
        raise NotFoundException(f"No topic {slug!r}")
    if data.label is not UNSET:
        topic.label = data.label.strip()
    if data.description is not UNSET:
        topic.description = data.description
    if data.team is not UNSET:
        topic.team_id = await _team_id(session, data.team)
    if data.group is not UNSET:
        topic.group_id = await _group_id(session, data.group)
    await session.flush()
    return topic


async def resolve_report(session: AsyncSession, report_id: int) -> SpamReport:
    spam_report = await repository.report_by_id(session, report_id)
    if spam_report is None:
        raise NotFoundException(f"No report {report_id}")
    if spam_report.resolved_at is None:
        spam_report.resolved_at = datetime.now(UTC)
        await session.flush()
    return spam_report
