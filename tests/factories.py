"""Small factories: each makes one row with sensible defaults and returns it flushed."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from forum.auth import tokens
from forum.markdown import render_markdown
from forum.models import Profile, Question, QuestionTopic, Reply, Team, Topic
from forum.slugs import slugify

_seq = itertools.count(1)
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256"
# Hashing with argon2 on every factory call would dominate the suite; tests that log in set their own.
_PASSWORD_HASH = tokens.hash_password("correct horse battery")
PASSWORD = "correct horse battery"


async def make_profile(session: AsyncSession, role: str = "member", **fields) -> Profile:
    n = next(_seq)
    profile = Profile(
        email=fields.pop("email", f"user{n}@example.com"),
        password_hash=_PASSWORD_HASH,
        display_name=fields.pop("display_name", f"User {n}"),
        role=role,
        **fields,
    )
    session.add(profile)
    await session.flush()
    await session.refresh(profile)
    return profile


def auth(profile: Profile) -> dict[str, str]:
    """Headers of a signed-in request as the website sends them."""
    return {"Authorization": f"Bearer {tokens.issue_jwt(profile.id, TEST_SECRET, timedelta(hours=1))}"}


async def make_team(session: AsyncSession, name: str | None = None) -> Team:
    name = name or f"Team {next(_seq)}"
    team = Team(name=name, slug=slugify(name))
    session.add(team)
    await session.flush()
    return team


async def make_topic(session: AsyncSession, label: str | None = None, **fields) -> Topic:
    label = label or f"Topic {next(_seq)}"
    topic = Topic(label=label, slug=fields.pop("slug", slugify(label)), **fields)
    session.add(topic)
    await session.flush()
    return topic


async def make_question(
    session: AsyncSession, author: Profile, subject: str | None = None, body: str = "How do I do this?", topics=(), **fields
) -> Question:
    subject = subject or f"Question number {next(_seq)}"
    question = Question(
        permalink=fields.pop("permalink", f"{slugify(subject)}-{next(_seq)}"),
        subject=subject,
        body=body,
        body_html=render_markdown(body),
        author_id=author.id,
        **fields,
    )
    session.add(question)
    await session.flush()
    for topic in topics:
        session.add(QuestionTopic(question_id=question.id, topic_id=topic.id))
    await session.flush()
    await session.refresh(question)
    return question


async def make_reply(session: AsyncSession, question: Question, author: Profile, body: str = "Try this.", **fields) -> Reply:
    reply = Reply(question_id=question.id, author_id=author.id, body=body, body_html=render_markdown(body), **fields)
    session.add(reply)
    await session.flush()
    await session.refresh(reply)
    return reply
