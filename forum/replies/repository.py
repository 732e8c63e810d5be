"""All SQL for replies and their votes. Counters move in the same statement as the vote, so they never drift."""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum.models import Profile, Reply

# Reputation a reply's author gains per vote; a solution is worth more than a vote.
REPUTATION = {1: 10, -1: -2, "solution": 15}


async def get_reply(session: AsyncSession, reply_id: int, *, for_update: bool = False) -> Reply | None:
    stmt = select(Reply).where(Reply.id == reply_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def author_of(session: AsyncSession, reply: Reply) -> Profile:
    profile = await session.get(Profile, reply.author_id)
    assert profile is not None
    return profile


async def cast_vote(session: AsyncSession, reply_id: int, profile_id: int, value: int) -> int | None:
    """Insert or flip a vote. Returns the previous value (0 for none), or None when the same vote already exists."""
    params = {"reply": reply_id, "profile": profile_id, "value": value}
    # Locking the reply row serialises voters on one reply, so the counters below never race.
    await session.execute(text("SELECT 1 FROM replies WHERE id = :reply FOR UPDATE"), params)
    previous = await session.scalar(
        text("SELECT value FROM reply_votes WHERE reply_id = :reply AND profile_id = :profile"), params
    )
    if previous == value:
        return None
    await session.execute(
        text(
            "INSERT INTO reply_votes (reply_id, profile_id, value) VALUES (:reply, :profile, :value) "
            "ON CONFLICT (reply_id, profile_id) DO UPDATE SET value = EXCLUDED.value"
        ),
        params,
    )
    await _move_counters(session, reply_id, previous or 0, value)
    return previous or 0


async def retract_vote(session: AsyncSession, reply_id: int, profile_id: int) -> int | None:
    previous = await session.scalar(
        text("DELETE FROM reply_votes WHERE reply_id = :reply AND profile_id = :profile RETURNING value"),
        {"reply": reply_id, "profile": profile_id},
    )
    if previous is None:
        return None
    await _move_counters(session, reply_id, previous, 0)
    return previous


async def _move_counters(session: AsyncSession, reply_id: int, old: int, new: int) -> None:
    up = int(new == 1) - int(old == 1)
    down = int(new == -1) - int(old == -1)
    reputation = REPUTATION.get(new, 0) - REPUTATION.get(old, 0)
    author_id = await session.scalar(
        update(Reply)
        .where(Reply.id == reply_id)
        .values(upvotes=Reply.upvotes + up, downvotes=Reply.downvotes + down)
        .returning(Reply.author_id)
    )
    await session.execute(update(Profile).where(Profile.id == author_id).values(reputation=Profile.reputation + reputation))


async def vote_counts(session: AsyncSession, reply_id: int) -> tuple[int, int]:
    row = (await session.execute(select(Reply.upvotes, Reply.downvotes).where(Reply.id == reply_id))).one()
    return row.upvotes, row.downvotes


async def change_reputation(session: AsyncSession, profile_id: int, delta: int) -> None:
    await session.execute(update(Profile).where(Profile.id == profile_id).values(reputation=Profile.reputation + delta))
