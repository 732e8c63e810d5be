"""The demo community that `make run` shows a first-time visitor: realistic, and consistent everywhere."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.auth import tokens
from forum.demo.loader import demo_data, load_demo
from forum.embeddings.repository import EMBED_QUESTION
from forum.jobs.worker import Worker
from forum.models import Job, Organisation, Profile, Question, QuestionTopic, QuestionVote, Reply, ReplyVote, SpamReport, SupportCase, Ticket, Topic
from forum.support.targets import ASSESS_QUESTION
from tests.factories import auth


async def _questions(session: AsyncSession) -> list[Question]:
    return list(await session.scalars(select(Question).order_by(Question.id)))


async def test_demo_has_a_mix_of_resolved_answered_and_unanswered_questions(db_session: AsyncSession) -> None:
    summary = await load_demo(db_session)
    specs = demo_data()["questions"]
    assert summary is not None and summary.questions == len(specs)

    questions = await _questions(db_session)
    visible = [q for q in questions if q.published and not q.archived]
    assert 25 <= len(visible) <= 40
    statuses = Counter(q.status for q in visible)
    assert statuses["resolved"] >= 5 and statuses["answered"] >= 5 and statuses["open"] >= 3
    assert sum(1 for q in visible if q.reply_count == 0) >= 3, "some questions should still wait for an answer"
    assert any(q.page_slugs == ["/docs/feature-flags/bootstrapping"] for q in visible)
    assert any("<pre><code" in q.body_html for q in visible), "some bodies should show code blocks"


async def test_every_counter_and_status_matches_the_rows_behind_it(db_session: AsyncSession) -> None:
    await load_demo(db_session)
    now = datetime.now(UTC)
    for question in await _questions(db_session):
        replies = list(await db_session.scalars(select(Reply).where(Reply.question_id == question.id)))
        published = [r for r in replies if r.published]
        assert question.reply_count == len(published), question.subject
        votes = await db_session.scalar(select(func.count()).where(QuestionVote.question_id == question.id))
        assert question.upvote_count == votes, question.subject

        answered_by_others = any(r.author_id != question.author_id for r in published)
        if question.resolved_by_id is not None:
            assert question.status == "resolved"
            solution = await db_session.get(Reply, question.resolved_by_id)
            assert solution.question_id == question.id and solution.published, question.subject
        else:
            assert question.status == ("answered" if answered_by_others else "open"), question.subject

        assert question.created_at <= question.active_at <= now
        assert all(question.created_at <= r.created_at <= question.active_at for r in replies), question.subject
        for reply in replies:
            values = Counter(await db_session.scalars(select(ReplyVote.value).where(ReplyVote.reply_id == reply.id)))
            assert (reply.upvotes, reply.downvotes) == (values[1], values[-1])
        assert await db_session.scalar(select(func.count()).where(QuestionTopic.question_id == question.id)) >= 1


async def test_demo_accounts_cover_every_role_and_plan(db_session: AsyncSession) -> None:
    await load_demo(db_session)
    profiles = list(await db_session.scalars(select(Profile)))
    roles = Counter(p.role for p in profiles)
    assert roles["admin"] == 1 and roles["moderator"] == 1 and roles["support"] == 2 and roles["member"] >= 4
    plans = set(
        await db_session.scalars(select(Organisation.plan).join(Profile, Profile.organisation_id == Organisation.id))
    )
    assert plans == {"free", "paid", "enterprise"}
    admin = next(p for p in profiles if p.email == "admin@example.com")
    assert admin.role == "admin"
    assert tokens.verify_password(admin.password_hash, demo_data()["password"])
    # Support engineers answer for their team, and every topic is routed to a team.
    assert all(p.team_id is not None for p in profiles if p.role == "support")
    assert all(t.team_id is not None for t in await db_session.scalars(select(Topic)))


async def test_spam_is_hidden_from_visitors_and_waiting_for_moderators(client, db_session: AsyncSession) -> None:
    await load_demo(db_session)
    listing = (await client.get("/api/v1/questions", params={"page_size": 100})).json()
    visible = await db_session.scalar(select(func.count()).where(Question.published, Question.archived.is_(False)))
    assert listing["total"] == visible
    subjects = {item["subject"] for item in listing["items"]}
    assert not any("cheap followers" in s.lower() for s in subjects)
    assert await db_session.scalar(select(func.count()).where(SpamReport.resolved_at.is_(None))) >= 1

    resolved = next(item for item in listing["items"] if item["status"] == "resolved")
    page = (await client.get(f"/api/v1/questions/{resolved['permalink']}")).json()
    assert len(page["replies"]) == resolved["reply_count"]


async def test_loading_again_adds_nothing(db_session: AsyncSession) -> None:
    await load_demo(db_session)
    before = await db_session.scalar(select(func.count()).select_from(Question))

    assert await load_demo(db_session, if_empty=True) is None
    again = await load_demo(db_session)
    assert (again.questions, again.profiles, again.topics) == (0, 0, 0)
    assert await db_session.scalar(select(func.count()).select_from(Question)) == before


async def test_demo_questions_get_embedded_and_triaged_but_are_not_announced(db_session: AsyncSession) -> None:
    summary = await load_demo(db_session)
    demo_ids = set(summary.question_ids)
    # Other tests may leave committed jobs behind; only the demo questions' jobs are ours to judge.
    jobs = [job for job in await db_session.scalars(select(Job)) if job.payload.get("question_id") in demo_ids]
    # A demo history must not post 30 "new question" announcements to Slack or to webhooks.
    assert {job.kind for job in jobs} == {EMBED_QUESTION, ASSESS_QUESTION}
    for kind in (EMBED_QUESTION, ASSESS_QUESTION):
        assert sorted(job.payload["question_id"] for job in jobs if job.kind == kind) == sorted(demo_ids)


async def test_the_demo_support_queue_has_cases_but_no_automated_replies_or_tickets(db_session, sessionmaker, test_settings, client):
    """`make run` shows support engineers a queue to work, without writing into the demo's history."""
    summary = await load_demo(db_session)
    settings = dataclasses.replace(test_settings, support_auto_convert=True, support_auto_reply_delay_minutes=0)
    await Worker(sessionmaker, settings).run_until_idle()
    support = await db_session.scalar(select(Profile).where(Profile.email == "support@example.com"))
    r = await client.get("/api/v1/support/queue", params={"page_size": 100}, headers=auth(support))
    assert r.status_code == 200, r.text
    queued = {item["question_id"] for item in r.json()["items"]}
    assert queued and queued <= set(summary.question_ids), "flagged demo questions that wait for a first response"
    every_case = select(SupportCase).where(SupportCase.question_id.in_(summary.question_ids))
    cases = list(await db_session.scalars(every_case))
    assert len(cases) == len(summary.question_ids)
    assert not [case for case in cases if case.auto_replied]
    assert await db_session.scalar(select(func.count()).select_from(Ticket)) == 0
