"""What every database-backed evaluation shares: a scratch database, loading questions, embedding them.

    async with scratch_database(settings) as ctx:        # forum_eval_<random>, migrated, dropped at the end
        async with ctx.session() as session, session.begin():
            await load_questions(session, [EvalQuestion(...), ...])
            await embed_all(session, ctx.settings, ids)
        async with ctx.session() as session:
            query = await encode_query(session, ctx.settings, subject, body)
            ranked = await rank_questions(session, ctx.settings, query, limit=...)

The data goes through the product's own tables (questions, replies, the docs index) and is
embedded and ranked by the product's own code, so an evaluation measures what users get.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from forum import db, migrate
from forum.embeddings.service import embed_questions
from forum.markdown import render_markdown
from forum.models import Profile, Question, Reply
from forum.settings import Settings
from forum.slugs import slugify

SUBJECT_MAX = 140  # questions.subject is varchar(140), as the API enforces
EMBED_BATCH = 256


@dataclass(frozen=True)
class EvalAnswer:
    id: int
    body: str  # Markdown (or plain text, which is Markdown too)
    body_html: str | None = None
    accepted: bool = False


@dataclass(frozen=True)
class EvalQuestion:
    id: int
    subject: str
    body: str
    body_html: str | None = None  # rendered from body when not given
    answers: tuple[EvalAnswer, ...] = ()


@dataclass
class EvalContext:
    url: str
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    def session(self) -> AsyncSession:
        return self.sessionmaker()


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def scratch_database(settings: Settings) -> AsyncIterator[EvalContext]:
    """A fresh database on DATABASE_URL's server (else the embedded one), migrated, dropped afterwards."""
    server = make_url(await asyncio.to_thread(db.resolve_database_url, settings))
    name = f"forum_eval_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_asyncpg_dsn(server.render_as_string(hide_password=False)))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
        engine = None
        try:
            # Alembic's env.py runs its own event loop, so it gets a thread of its own.
            await asyncio.to_thread(migrate.upgrade, url)
            engine = db.create_engine(url, pool_size=2)
            yield EvalContext(url, settings.replace(database_url=url), engine, db.create_sessionmaker(engine))
        finally:
            if engine is not None:
                await engine.dispose()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def truncate_subject(subject: str) -> str:
    """Subjects longer than the column allows are cut at a word, as a person would shorten them."""
    subject = " ".join(subject.split())
    if len(subject) <= SUBJECT_MAX:
        return subject
    cut = subject.rfind(" ", 0, SUBJECT_MAX)
    return subject[: cut if cut > SUBJECT_MAX // 2 else SUBJECT_MAX]


#: "While typed" rows (forum eval docs, duplicates): a title whose last word has at least this many
#: letters, cut inside it with CUT_FRACTION of its letters kept, is a draft paused mid-word.
CUT_MIN_LETTERS = 5
CUT_FRACTION = 0.6


def cut_inside_last_word(title: str) -> str | None:
    """"How to rename events" -> "How to rename eve"; None when the last word is too short to cut."""
    head, _, last = title.strip().rpartition(" ")
    letters = re.sub(r"\W", "", last)
    if len(letters) < CUT_MIN_LETTERS:
        return None
    return f"{head} {letters[: max(3, int(len(letters) * CUT_FRACTION))]}".strip()


async def _profile(session: AsyncSession, handle: str) -> int:
    profile = Profile(email=f"{handle}@eval.invalid", password_hash="!", display_name=handle)
    session.add(profile)
    await session.flush()
    return profile.id


async def load_questions(session: AsyncSession, questions: Sequence[EvalQuestion]) -> None:
    """Insert questions (with their ids), their answers as replies and accepted answers as solutions.

    The status follows the product's rule (questions.repository.refresh_status): resolved when a
    solution is marked, answered when someone else replied, else open.
    """
    asker = await _profile(session, "eval-asker")
    helper = await _profile(session, "eval-helper")
    rows = []
    for q in questions:
        accepted = next((a.id for a in q.answers if a.accepted), None)
        rows.append(
            {
                "id": q.id,
                "permalink": f"{slugify(q.subject) or 'question'}-{q.id}",
                "subject": truncate_subject(q.subject) or "(no subject)",
                "body": q.body,
                "body_html": q.body_html if q.body_html is not None else render_markdown(q.body),
                "author_id": asker,
                "status": "resolved" if accepted else "answered" if q.answers else "open",
                "reply_count": len(q.answers),
            }
        )
    for start in range(0, len(rows), 500):
        await session.execute(insert(Question), rows[start : start + 500])
    replies = [
        {
            "id": a.id,
            "question_id": q.id,
            "author_id": helper,
            "body": a.body,
            "body_html": a.body_html if a.body_html is not None else render_markdown(a.body),
        }
        for q in questions
        for a in q.answers
    ]
    for start in range(0, len(replies), 500):
        await session.execute(insert(Reply), replies[start : start + 500])
    solved = [{"q": q.id, "r": a.id} for q in questions for a in q.answers if a.accepted]
    if solved:
        await session.execute(text("UPDATE questions SET resolved_by_id = :r WHERE id = :q"), solved)


async def embed_all(session: AsyncSession, settings: Settings, ids: Iterable[int], batch: int = EMBED_BATCH) -> int:
    """Embed questions through the product's embedding service, a batch at a time."""
    ids = list(ids)
    done = 0
    for start in range(0, len(ids), batch):
        done += await embed_questions(session, settings, ids[start : start + batch])
    return done


async def analyze(session: AsyncSession, *tables: str) -> None:
    """Refresh the planner statistics after a bulk load, as autovacuum soon would in production:
    full-text ranking reads its document frequencies from them."""
    for table in tables:
        await session.execute(text(f'ANALYZE "{table}"'))


class Stopwatch:
    """Named wall-clock phases: ``with watch("load"): ...``; ``watch.total`` for the whole run."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.phases: dict[str, float] = {}

    @asynccontextmanager
    async def phase(self, name: str) -> AsyncIterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - began

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started

    def summary(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.phases.items())
        return f"wall time {self.total:.1f}s ({parts})"


def eval_settings() -> Settings:
    """Settings from the environment; evaluations never need the API's secrets or rate limits."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return Settings.from_env()
