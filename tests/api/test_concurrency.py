"""Counters stay right when many people write at once (real commits, real concurrent transactions)."""

import asyncio

from sqlalchemy import text, delete, select

from forum.models import Profile, Question
from tests.conftest import app_client
from tests.factories import auth, make_profile, make_question


async def test_concurrent_replies_votes_and_solution(test_settings, committed_sessionmaker):
    async with committed_sessionmaker() as session, session.begin():
        asker = await make_profile(session)
        people = [await make_profile(session) for _ in range(12)]
        question = await make_question(session, asker)
    try:
        async with app_client(test_settings, committed_sessionmaker) as client:
            replies = await asyncio.gather(
                *(client.post(f"/api/v1/questions/{question.id}/replies", json={"body": f"idea {n}"}, headers=auth(p)) for n, p in enumerate(people))
            )
            assert all(r.status_code == 201 for r in replies)
            upvotes = await asyncio.gather(*(client.post(f"/api/v1/questions/{question.id}/upvote", headers=auth(p)) for p in people))
            assert all(r.status_code == 200 for r in upvotes)
            # The same person double-clicking: exactly one of the two counts.
            twice = await asyncio.gather(*(client.post(f"/api/v1/questions/{question.id}/upvote", headers=auth(asker)) for _ in range(2)))
            assert sorted(r.status_code for r in twice) == [200, 409]
            target = replies[0].json()["id"]
            votes = await asyncio.gather(
                *(client.post(f"/api/v1/replies/{target}/vote", json={"value": 1 if n % 3 else -1}, headers=auth(p)) for n, p in enumerate(people[1:]))
            )
            assert all(r.status_code == 200 for r in votes)
            shown = (await client.get(f"/api/v1/questions/{question.id}")).json()

        assert shown["reply_count"] == 12 and len(shown["replies"]) == 12
        assert shown["upvotes"] == 13 and shown["status"] == "answered"
        voted = next(r for r in shown["replies"] if r["id"] == target)
        expected_down = sum(1 for n in range(len(people) - 1) if n % 3 == 0)
        assert (voted["upvotes"], voted["downvotes"]) == (11 - expected_down, expected_down)
        async with committed_sessionmaker() as session:
            reputation = await session.scalar(select(Profile.reputation).where(Profile.id == people[0].id))
        assert reputation == 10 * (11 - expected_down) - 2 * expected_down
    finally:
        async with committed_sessionmaker() as session, session.begin():
            # The replies queued their jobs (webhooks, re-embedding) for real.
            await session.execute(text("DELETE FROM jobs WHERE (payload->>'question_id')::bigint = :id"), {"id": question.id})
            await session.execute(delete(Question).where(Question.id == question.id))
            await session.execute(delete(Profile).where(Profile.id.in_([asker.id, *(p.id for p in people)])))
