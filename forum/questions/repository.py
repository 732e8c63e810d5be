"""All SQL for questions: listing, loading with replies, counters and per-profile state."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum.models import Profile, Question, QuestionTopic, QuestionVote, Reply, ReplyVote, Subscription, Topic


@dataclass(frozen=True)
class ListFilters:
    topic_id: int | None = None
    status: str | None = None
    unanswered: bool = False
    author_id: int | None = None
    page_slug: str | None = None
    archived: bool = False
    query: str | None = None
    # Staff see unpublished posts; everyone else sees published ones and their own.
    include_unpublished: bool = False
    viewer_id: int | None = None


SUMMARY_COLUMNS = (
    Question.id,
    Question.permalink,
    Question.subject,
    func.left(Question.body, 400).label("body_start"),
    Question.status,
    Question.reply_count,
    Question.upvote_count,
    Question.view_count,
    Question.locked,
    Question.archived,
    Question.published,
    Question.created_at,
    Question.active_at,
    Profile.id.label("author_id"),
    Profile.display_name,
    Profile.avatar_url,
    Profile.role,
)


def _conditions(filters: ListFilters) -> list:
    # Plain boolean columns (not "IS true"), so the planner matches the partial indexes
    # "WHERE published AND NOT archived" that the listings are built on.
    conditions = [Question.archived if filters.archived else ~Question.archived]
    if not filters.include_unpublished:
        if filters.viewer_id is None:
            conditions.append(Question.published)
        else:
            conditions.append(or_(Question.published, Question.author_id == filters.viewer_id))
    if filters.status:
        conditions.append(Question.status == filters.status)
    if filters.unanswered:
        conditions.append(Question.reply_count == 0)
    if filters.author_id is not None:
        conditions.append(Question.author_id == filters.author_id)
    if filters.page_slug:
        conditions.append(Question.page_slugs.contains([filters.page_slug]))
    if filters.query:
        conditions.append(Question.search_vector.op("@@")(func.websearch_to_tsquery("english", filters.query)))
    return conditions


def _with_topic(stmt: Select, filters: ListFilters) -> Select:
    if filters.topic_id is None:
        return stmt
    return stmt.join(QuestionTopic, QuestionTopic.question_id == Question.id).where(QuestionTopic.topic_id == filters.topic_id)


def _order(filters: ListFilters, sort: str) -> list:
    order = []
    if sort == "relevance" and filters.query:
        order.append(func.ts_rank_cd(Question.search_vector, func.websearch_to_tsquery("english", filters.query)).desc())
    elif sort == "activity":
        order.append(Question.active_at.desc())
    elif sort == "popular":
        order.extend([Question.upvote_count.desc(), Question.reply_count.desc()])
    order.extend([Question.created_at.desc(), Question.id.desc()])
    return order


async def list_questions(session: AsyncSession, filters: ListFilters, sort: str, limit: int, offset: int) -> tuple[list, int]:
    conditions = _conditions(filters)
    stmt = _with_topic(select(*SUMMARY_COLUMNS).join(Profile, Profile.id == Question.author_id), filters).where(*conditions)
    order = _order(filters, sort)
    if filters.topic_id is None:
        page = stmt.add_columns(literal(False).label("pinned")).order_by(*order).limit(limit).offset(offset)
        rows = list((await session.execute(page)).all())
    else:
        # The few pinned questions are read on their own and put first. One ORDER BY pinned, created_at
        # would sort every question of the topic; this way the rest walks the created_at index.
        pinned = list((await session.execute(stmt.where(QuestionTopic.pinned).add_columns(literal(True).label("pinned")).order_by(*order))).all())
        rows = pinned[offset : offset + limit]
        if len(rows) < limit:
            rest = (
                stmt.where(~QuestionTopic.pinned)
                .add_columns(literal(False).label("pinned"))
                .order_by(*order)
                .limit(limit - len(rows))
                .offset(max(offset - len(pinned), 0))
            )
            rows.extend((await session.execute(rest)).all())
    return rows, await _total(session, filters, conditions)


# Counting tens of thousands of rows on every page view costs more than the page itself, and
# nobody reads "12,345 questions" to the unit: large totals are reused for a few seconds.
_LARGE_TOTAL = 1000
_TOTAL_TTL_SECONDS = 10.0
_totals: dict[tuple, tuple[float, int]] = {}


async def _total(session: AsyncSession, filters: ListFilters, conditions: list) -> int:
    key = (str(session.bind.engine.url if hasattr(session.bind, "engine") else session.bind), filters)
    cached = _totals.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _TOTAL_TTL_SECONDS:
        return cached[1]
    total = await session.scalar(_with_topic(select(func.count()).select_from(Question), filters).where(*conditions)) or 0
    if total >= _LARGE_TOTAL:
        _totals[key] = (now, total)
    return total


async def topics_for(session: AsyncSession, question_ids: list[int]) -> dict[int, list[tuple[str, str, bool]]]:
    if not question_ids:
        return {}
    rows = await session.execute(
        select(QuestionTopic.question_id, Topic.slug, Topic.label, QuestionTopic.pinned)
        .join(Topic, Topic.id == QuestionTopic.topic_id)
        .where(QuestionTopic.question_id.in_(question_ids))
        .order_by(Topic.label)
    )
    by_question: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for question_id, slug, label, pinned in rows:
        by_question[question_id].append((slug, label, pinned))
    return by_question


async def get_question(session: AsyncSession, question_id: int, *, for_update: bool = False) -> Question | None:
    stmt = select(Question).where(Question.id == question_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def get_question_by_ref(session: AsyncSession, ref: int | str) -> tuple[Question, Profile] | None:
    """By id (an int) or permalink (a str)."""
    condition = Question.id == ref if isinstance(ref, int) else Question.permalink == ref
    row = (await session.execute(select(Question, Profile).join(Profile, Profile.id == Question.author_id).where(condition))).first()
    return (row[0], row[1]) if row else None


async def replies_of(session: AsyncSession, question_id: int, include_unpublished: bool, viewer_id: int | None):
    stmt = (
        select(Reply, Profile)
        .join(Profile, Profile.id == Reply.author_id)
        .where(Reply.question_id == question_id)
        .order_by(Reply.created_at, Reply.id)
    )
    if not include_unpublished:
        stmt = stmt.where(or_(Reply.published.is_(True), Reply.author_id == (viewer_id or 0)))
    return (await session.execute(stmt)).all()


async def topics_by_slugs(session: AsyncSession, slugs: list[str]) -> list[Topic]:
    if not slugs:
        return []
    return list(await session.scalars(select(Topic).where(Topic.slug.in_(slugs))))


async def topic_id_by_slug(session: AsyncSession, slug: str) -> int | None:
    return await session.scalar(select(Topic.id).where(Topic.slug == slug))


async def taken_permalinks(session: AsyncSession, base: str) -> set[str]:
    rows = await session.scalars(
        select(Question.permalink).where(or_(Question.permalink == base, Question.permalink.like(f"{base}-%")))
    )
    return set(rows)


async def set_topics(session: AsyncSession, question_id: int, topic_ids: list[int]) -> None:
    """Replace the question's topics, keeping the pin of topics it keeps."""
    await session.execute(
        delete(QuestionTopic).where(QuestionTopic.question_id == question_id, QuestionTopic.topic_id.not_in(topic_ids))
    )
    if topic_ids:
        await session.execute(
            insert(QuestionTopic)
            .values([{"question_id": question_id, "topic_id": t} for t in topic_ids])
            .on_conflict_do_nothing()
        )


async def set_pin(session: AsyncSession, question_id: int, topic_id: int, pinned: bool) -> bool:
    result = await session.execute(
        update(QuestionTopic)
        .where(QuestionTopic.question_id == question_id, QuestionTopic.topic_id == topic_id)
        .values(pinned=pinned)
    )
    return result.rowcount == 1


async def refresh_status(session: AsyncSession, question_id: int) -> None:
    """Derive the status in SQL so concurrent replies and solutions cannot leave it stale."""
    await session.execute(
        text(
            "UPDATE questions q SET status = CASE "
            "WHEN q.resolved_by_id IS NOT NULL THEN 'resolved' "
            "WHEN EXISTS (SELECT 1 FROM replies r WHERE r.question_id = q.id AND r.published "
            "AND r.author_id <> q.author_id) THEN 'answered' ELSE 'open' END "
            "WHERE q.id = :id"
        ),
        {"id": question_id},
    )


async def bump_reply_count(session: AsyncSession, question_id: int, delta: int, touch: bool) -> None:
    values: dict = {"reply_count": Question.reply_count + delta}
    if touch:
        values["active_at"] = func.clock_timestamp()
    await session.execute(update(Question).where(Question.id == question_id).values(**values))


async def add_upvote(session: AsyncSession, question_id: int, profile_id: int) -> bool:
    inserted = await session.scalar(
        insert(QuestionVote)
        .values(question_id=question_id, profile_id=profile_id)
        .on_conflict_do_nothing()
        .returning(QuestionVote.question_id)
    )
    if inserted is None:
        return False
    await session.execute(update(Question).where(Question.id == question_id).values(upvote_count=Question.upvote_count + 1))
    return True


async def remove_upvote(session: AsyncSession, question_id: int, profile_id: int) -> bool:
    deleted = await session.scalar(
        delete(QuestionVote)
        .where(QuestionVote.question_id == question_id, QuestionVote.profile_id == profile_id)
        .returning(QuestionVote.question_id)
    )
    if deleted is None:
        return False
    await session.execute(update(Question).where(Question.id == question_id).values(upvote_count=Question.upvote_count - 1))
    return True


async def upvote_count(session: AsyncSession, question_id: int) -> int:
    return await session.scalar(select(Question.upvote_count).where(Question.id == question_id)) or 0


async def follow(session: AsyncSession, profile_id: int, *, question_id: int | None = None, topic_id: int | None = None) -> None:
    constraint = "uq_subscriptions_profile_question" if question_id is not None else "uq_subscriptions_profile_topic"
    await session.execute(
        insert(Subscription)
        .values(profile_id=profile_id, question_id=question_id, topic_id=topic_id)
        .on_conflict_do_nothing(constraint=constraint)
    )


async def unfollow(session: AsyncSession, profile_id: int, *, question_id: int | None = None, topic_id: int | None = None) -> None:
    condition = Subscription.question_id == question_id if question_id is not None else Subscription.topic_id == topic_id
    await session.execute(delete(Subscription).where(Subscription.profile_id == profile_id, condition))


async def viewer_state(session: AsyncSession, question_id: int, profile_id: int) -> tuple[bool, bool, dict[int, int]]:
    upvoted = await session.scalar(
        select(func.count()).select_from(QuestionVote).where(QuestionVote.question_id == question_id, QuestionVote.profile_id == profile_id)
    )
    following = await session.scalar(
        select(func.count()).select_from(Subscription).where(Subscription.question_id == question_id, Subscription.profile_id == profile_id)
    )
    votes = await session.execute(
        select(ReplyVote.reply_id, ReplyVote.value)
        .join(Reply, Reply.id == ReplyVote.reply_id)
        .where(Reply.question_id == question_id, ReplyVote.profile_id == profile_id)
    )
    return bool(upvoted), bool(following), {reply_id: value for reply_id, value in votes}


async def delete_question(session: AsyncSession, question_id: int) -> None:
    # Replies, votes, topics and subscriptions go with it through ON DELETE CASCADE.
    await session.execute(delete(Question).where(Question.id == question_id))
