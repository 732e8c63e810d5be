"""The detection runs on a schedule in the worker, and on demand."""

from __future__ import annotations

from sqlalchemy import text

from forum.gaps.issues_repository import DETECT_JOB
from forum.jobs.worker import Worker
from tests.factories import auth
from tests.gaps.conftest import EXPORTS


async def _detect_jobs(session):
    rows = await session.execute(
        text("SELECT status, payload, CAST(extract(epoch FROM run_at - now()) / 3600 AS float) AS hours FROM jobs WHERE kind = :k ORDER BY id"),
        {"k": DETECT_JOB},
    )
    return rows.all()


async def _run(sessionmaker, settings) -> int:
    return await Worker(sessionmaker, settings, kinds=[DETECT_JOB]).run_until_idle()


async def test_the_scheduled_detection_runs_and_queues_the_next_one(forum, api, db_session, sessionmaker, settings):
    await forum.ask_all(EXPORTS)
    [first] = await _detect_jobs(db_session)
    assert first.status == "queued" and first.payload == {"scheduled": True} and 0 < first.hours <= 1  # queued by the migration

    await db_session.execute(text("UPDATE jobs SET run_at = now() WHERE kind = :k"), {"k": DETECT_JOB})
    assert await _run(sessionmaker, settings) == 1
    done, following = await _detect_jobs(db_session)
    assert done.status == "done"
    assert following.status == "queued" and following.payload == {"scheduled": True}
    assert abs(following.hours - settings.gaps_detect_interval_hours) < 0.1
    assert (await api.get("/api/v1/gaps", headers=auth(forum.support))).json()["total"] == 1


async def test_a_scheduled_run_that_dies_still_queues_the_next_one(forum, db_session, sessionmaker, settings):
    broken = settings.replace(gaps_method="no-such-method")
    await db_session.execute(text("UPDATE jobs SET run_at = now(), max_attempts = 1 WHERE kind = :k"), {"k": DETECT_JOB})
    await forum.ask_all(EXPORTS)
    await _run(sessionmaker, broken)
    dead, following = await _detect_jobs(db_session)
    assert dead.status == "dead"
    assert following.status == "queued" and following.hours > 23


async def test_support_can_ask_for_a_run_now(forum, api, db_session, sessionmaker, settings):
    await forum.ask_all(EXPORTS)
    assert (await api.post("/api/v1/gaps/detect", headers=auth(forum.asker))).status_code == 403
    assert (await api.post("/api/v1/gaps/detect", headers=auth(forum.support))).status_code == 202
    assert (await api.post("/api/v1/gaps/detect", headers=auth(forum.support))).status_code == 202
    assert await _run(sessionmaker, settings) == 1  # asked twice, one run: the first is still waiting
    [gap] = (await api.get("/api/v1/gaps", headers=auth(forum.support))).json()["items"]
    assert gap["size"] == 3
