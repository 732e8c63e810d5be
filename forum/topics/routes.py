"""Teams, topic groups and topics (read by anyone, managed by moderators), topic follows, and the report list."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_admin, require_staff
from forum.errors import ConflictError, UnprocessableError
from forum.fields import Id32
from forum.models import Profile, Team, Topic, TopicGroup
from forum.questions import repository as questions
from forum.questions.schemas import FollowState, excerpt
from forum.topics import repository, service
from forum.topics.schemas import (
    SpamReportOut,
    TeamIn,
    TeamOut,
    TopicGroupIn,
    TopicGroupOut,
    TopicIn,
    TopicOut,
    TopicPatch,
)


def team_out(team: Team) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, slug=team.slug)


def group_out(group: TopicGroup) -> TopicGroupOut:
    return TopicGroupOut(id=group.id, label=group.label, slug=group.slug)


async def _topic_out(session: AsyncSession, topic: Topic, count: int) -> TopicOut:
    team = await session.get(Team, topic.team_id) if topic.team_id else None
    group = await session.get(TopicGroup, topic.group_id) if topic.group_id else None
    return TopicOut(
        id=topic.id,
        label=topic.label,
        slug=topic.slug,
        description=topic.description,
        team=team_out(team) if team else None,
        group=group_out(group) if group else None,
        question_count=count,
    )


async def _one(session: AsyncSession, slug: str) -> TopicOut:
    found = await repository.topics_with_counts(session, slug)
    if not found:
        raise NotFoundException(f"No topic {slug!r}")
    return await _topic_out(session, *found[0])


class TopicController(Controller):
    path = "/api/v1"
    tags = ["topics"]

    @get("/teams")
    async def list_teams(self, db_session: AsyncSession) -> list[TeamOut]:
        return [team_out(t) for t in await repository.teams(db_session)]

    @post("/teams", raises=[ConflictError])
    async def create_team(self, data: TeamIn, user: Profile, db_session: AsyncSession) -> TeamOut:
        require_admin(user)
        return team_out(await service.create_team(db_session, data))

    @get("/topic-groups")
    async def list_groups(self, db_session: AsyncSession) -> list[TopicGroupOut]:
        return [group_out(g) for g in await repository.groups(db_session)]

    @post("/topic-groups", raises=[ConflictError])
    async def create_group(self, data: TopicGroupIn, user: Profile, db_session: AsyncSession) -> TopicGroupOut:
        require_staff(user)
        return group_out(await service.create_group(db_session, data))

    @get("/topics")
    async def list_topics(self, db_session: AsyncSession) -> list[TopicOut]:
        return [await _topic_out(db_session, t, n) for t, n in await repository.topics_with_counts(db_session)]

    @get("/topics/{slug:str}")
    async def get_topic(self, slug: str, db_session: AsyncSession) -> TopicOut:
        return await _one(db_session, slug)

    @post("/topics", raises=[ConflictError, UnprocessableError])
    async def create_topic(self, data: TopicIn, user: Profile, db_session: AsyncSession) -> TopicOut:
        require_staff(user)
        topic = await service.create_topic(db_session, data)
        return await _one(db_session, topic.slug)

    @patch("/topics/{slug:str}", raises=[UnprocessableError])
    async def update_topic(self, slug: str, data: TopicPatch, user: Profile, db_session: AsyncSession) -> TopicOut:
        require_staff(user)
        topic = await service.update_topic(db_session, slug, data)
        return await _one(db_session, topic.slug)

    @post("/topics/{slug:str}/follow", status_code=200)
    async def follow(self, slug: str, user: Profile, db_session: AsyncSession) -> FollowState:
        topic = await repository.topic_by_slug(db_session, slug)
        if topic is None:
            raise NotFoundException(f"No topic {slug!r}")
        await questions.follow(db_session, user.id, topic_id=topic.id)
        return FollowState(following=True)

    @delete("/topics/{slug:str}/follow", status_code=200)
    async def unfollow(self, slug: str, user: Profile, db_session: AsyncSession) -> FollowState:
        topic = await repository.topic_by_slug(db_session, slug)
        if topic is None:
            raise NotFoundException(f"No topic {slug!r}")
        await questions.unfollow(db_session, user.id, topic_id=topic.id)
        return FollowState(following=False)


class ModerationController(Controller):
    path = "/api/v1/moderation"
    tags = ["moderation"]

    @get("/reports")
    async def list_reports(
        self,
        user: Profile,
        db_session: AsyncSession,
        include_resolved: bool = False,
        page: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=100)] = 50,
    ) -> list[SpamReportOut]:
        require_staff(user)
        rows = await repository.open_reports(db_session, include_resolved, page_size, (page - 1) * page_size)
        return [
            SpamReportOut(
                id=r.id,
                reason=r.reason,
                reporter_id=r.reporter_id,
                question_id=r.question_id,
                reply_id=r.reply_id,
                subject=subject,
                excerpt=excerpt(body or ""),
                created_at=r.created_at,
                resolved_at=r.resolved_at,
            )
            for r, subject, body in rows
        ]

    @post("/reports/{report_id:int}/resolve", status_code=200)
    async def resolve(self, report_id: Id32, user: Profile, db_session: AsyncSession) -> dict[str, int]:
        require_staff(user)
        spam_report = await service.resolve_report(db_session, report_id)
        return {"id": spam_report.id}
