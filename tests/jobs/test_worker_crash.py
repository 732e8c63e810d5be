"""A worker killed with SIGKILL half-way through a backfill loses nothing: a restarted one finishes it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import text

from forum.models.embeddings import DEFAULT_EMBEDDING_MODEL
from forum.settings import PROJECT_ROOT
from tests.factories import make_profile, make_question

QUESTIONS = 160


def _start(args: list[str], database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HF_HUB_OFFLINE": "1",
        # Small batches: many short transactions, so the kill lands between and inside them.
        "FORUM_WORKER_BATCH_SIZE": "4",
        "FORUM_WORKER_POLL_SECONDS": "0.2",
        "FORUM_EMBEDDING_THREADS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "forum", *args], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


async def _embedded(sessionmaker, ids: list[int]) -> int:
    async with sessionmaker() as session:
        row = await session.execute(
            text("SELECT count(*) FROM question_embeddings WHERE model = :m AND question_id = ANY(:ids)"),
            {"m": DEFAULT_EMBEDDING_MODEL, "ids": ids},
        )
        return int(row.scalar_one())


async def _wait_for(sessionmaker, ids: list[int], at_least: int, process: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = await _embedded(sessionmaker, ids)
        if count >= at_least:
            return count
        assert process.poll() is None, process.stdout.read().decode()
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {await _embedded(sessionmaker, ids)} of {at_least} questions embedded in {timeout}s")


async def test_killed_worker_loses_no_job(committed_sessionmaker, database_url):
    async with committed_sessionmaker() as session, session.begin():
        author = await make_profile(session, display_name="Crash test")
        ids = [(await make_question(session, author, f"Crash test question {n} about retention insights")).id for n in range(QUESTIONS)]
    workers: list[subprocess.Popen] = []
    try:
        backfill = subprocess.run(
            [sys.executable, "-m", "forum", "embed", "--backfill"],
            cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, timeout=60,
        )
        assert backfill.returncode == 0, backfill.stderr
        assert f"Queued {QUESTIONS} embed job(s)" in backfill.stdout

        first = _start(["worker"], database_url)
        workers.append(first)
        await _wait_for(committed_sessionmaker, ids, 16, first, timeout=120)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = await _embedded(committed_sessionmaker, ids)
        assert at_kill < QUESTIONS, "the worker finished before it could be killed; make the backlog larger"

        second = _start(["worker"], database_url)
        workers.append(second)
        assert await _wait_for(committed_sessionmaker, ids, QUESTIONS, second, timeout=120) == QUESTIONS
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0  # a graceful stop

        async with committed_sessionmaker() as session:
            statuses = await session.execute(
                text(
                    "SELECT status, count(*) FROM jobs WHERE kind = 'embed_question' "
                    "AND (payload->>'question_id')::bigint = ANY(:ids) GROUP BY status"
                ),
                {"ids": ids},
            )
            assert dict(statuses.tuples().all()) == {"done": QUESTIONS}  # none lost, none dead, none run twice
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
        async with committed_sessionmaker() as session, session.begin():
            await session.execute(text("DELETE FROM jobs WHERE (payload->>'question_id')::bigint = ANY(:ids)"), {"ids": ids})
            await session.execute(text("DELETE FROM questions WHERE id = ANY(:ids)"), {"ids": ids})
            await session.execute(text("DELETE FROM profiles WHERE id = :id"), {"id": author.id})
