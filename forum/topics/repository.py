"""All SQL for teams, topic groups, topics and the moderators' report list."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum.models import Question, QuestionTopic, Reply, SpamReport, Team, Topic, TopicGroup


async def teams(session: AsyncSession) -> list[Team]:
    return list(await session.scalars(select(Team).order_by(Team.name)))


async def groups(session: AsyncSession) -> list[TopicGroup]:
    return list(await session.scalars(select(TopicGroup).order_by(TopicGroup.label)))


async def team_by_slug(session: AsyncSession, slug: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.slug == slug))


async def team_by_name(session: AsyncSession, name: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.name == name))


async def group_by_slug(session: AsyncSession, slug: str) -> TopicGroup | None:
    return await session.scalar(select(TopicGroup).where(TopicGroup.slug == slug))


async def topic_by_slug(session: AsyncSession, slug: str) -> Topic | None:
    return await session.scalar(select(Topic).where(Topic.slug == slug))


async def topics_with_counts(session: AsyncSession, slug: str | None = None) -> list[tuple[Topic, int]]:
    visible = (
        select(QuestionTopic.topic_id, func.count().label("n"))
        .join(Question, Question.id == QuestionTopic.question_id)
        .where(Question.published.is_(True), Question.archived.is_(False))
        .group_by(QuestionTopic.topic_id)
        .subquery()
    )
    stmt = select(Topic, func.coalesce(visible.c.n, 0)).outerjoin(visible, visible.c.topic_id == Topic.id).order_by(Topic.label)
    if slug is not None:
        stmt = stmt.where(Topic.slug == slug)
    return [(topic, count) for topic, count in (await session.execute(stmt)).all()]


async def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)
    await session.flush()


async def open_reports(session: AsyncSession, include_resolved: bool, limit: int, offset: int) -> list[tuple]:
    stmt = (
        select(SpamReport, Question.subject, func.coalesce(Reply.body, Question.body))
        .outerjoin(Reply, Reply.id == SpamReport.reply_id)
        .outerjoin(Question, Question.id == func.coalesce(SpamReport.question_id, Reply.question_id))
        .order_by(SpamReport.created_at.desc(), SpamReport.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if not include_resolved:
        stmt = stmt.where(SpamReport.resolved_at.is_(None))
    return list((await session.execute(stmt)).all())


async def report_by_id(session: AsyncSession, report_id: int) -> SpamReport | None:
    return await session.get(SpamReport, report_id)


async def add_report(session: AsyncSession, reporter_id: int, reason: str, *, question_id: int | None = None, reply_id: int | None = None) -> SpamReport:
    """A new open report, or the reporter's open report of the same post if there is one: reporting
    twice does not put the post in the moderators' queue twice."""
    target = "question_id" if question_id is not None else "reply_id"
    inserted = await session.scalar(
        insert(SpamReport)
        .values(reporter_id=reporter_id, question_id=question_id, reply_id=reply_id, reason=reason)
        .on_conflict_do_nothing(index_elements=["reporter_id", target], index_where=text(f"resolved_at IS NULL AND {target} IS NOT NULL"))
        .returning(SpamReport.id)
    )
    if inserted is not None:
        return await session.get_one(SpamReport, inserted)
    return await session.scalar(
        select(SpamReport).where(
            SpamReport.reporter_id == reporter_id,
            SpamReport.resolved_at.is_(None),
            SpamReport.question_id == question_id if question_id is not None else SpamReport.reply_id == reply_id,
        )
    )
