"""The job worker: claiming, retries, dead letters, rollback of failed work, graceful stop, wake-up."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from forum.jobs import repository
from forum.jobs.queue import enqueue
from forum.jobs.worker import Worker, job_handler
from forum.models import Team

RECORD = "test.worker.record"
FLAKY = "test.worker.flaky"
WRITE = "test.worker.write"
WRITE_MANY = "test.worker.write_many"
SLOW = "test.worker.slow"
FATAL = "test.worker.fatal"

_who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="?")
runs: list[tuple[str, int]] = []
in_flight = {"now": 0, "max": 0}
batches: list[int] = []
flaky_failing = True
slow_started = asyncio.Event()
handled = asyncio.Event()


@job_handler(RECORD)
async def _record(session, payload):
    runs.append((_who.get(), payload["n"]))
    handled.set()
    in_flight["now"] += 1
    in_flight["max"] = max(in_flight["max"], in_flight["now"])
    await asyncio.sleep(0.005)  # a handler that awaits, so the other worker gets to claim meanwhile
    in_flight["now"] -= 1


@job_handler(FLAKY)
async def _flaky(session, payload):
    if flaky_failing:
        raise RuntimeError("boom: the webhook answered 503")


class WorkerDied(BaseException):
    """What the worker sees of a process killed mid-job: nothing after this point runs or commits."""


fatal_runs: list[int] = []


@job_handler(FATAL)
async def _fatal(session, payload):
    fatal_runs.append(payload["n"])
    raise WorkerDied()


@job_handler(WRITE)
async def _write(session, payload):
    session.add(Team(name=payload["name"], slug=payload["name"]))
    await session.flush()
    if payload.get("fail"):
        raise ValueError("failed after writing")


@job_handler(WRITE_MANY, batch=True)
async def _write_many(session, payloads):
    batches.append(len(payloads))
    for payload in payloads:
        session.add(Team(name=payload["name"], slug=payload["name"]))
    await session.flush()
    if any(payload.get("fail") for payload in payloads):
        raise ValueError("one payload is bad")


@job_handler(SLOW)
async def _slow(session, payload):
    slow_started.set()
    await asyncio.sleep(0.5)
    session.add(Team(name=payload["name"], slug=payload["name"]))


async def _job(session, kind):
    row = await session.execute(
        text("SELECT id, status, attempts, last_error, extract(epoch FROM run_at - now()) AS delay, finished_at FROM jobs WHERE kind = :k"),
        {"k": kind},
    )
    return row.one()


async def _team_names(session) -> set[str]:
    return set((await session.scalars(select(Team.name))).all())


@pytest.fixture
async def committed_cleanup(committed_sessionmaker):
    yield
    async with committed_sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM jobs WHERE kind LIKE 'test.worker.%'"))
        await session.execute(text("DELETE FROM teams WHERE name LIKE 'slow-%'"))


async def test_two_workers_never_run_the_same_job(committed_sessionmaker, test_settings, committed_cleanup):
    runs.clear()
    in_flight.update(now=0, max=0)
    async with committed_sessionmaker() as session, session.begin():
        for n in range(40):
            await enqueue(session, RECORD, {"n": n})
    workers = [Worker(committed_sessionmaker, test_settings, kinds=[RECORD]) for _ in range(2)]

    async def run(name: str, worker: Worker) -> int:
        _who.set(name)
        return await worker.run_until_idle()

    counts = await asyncio.gather(run("a", workers[0]), run("b", workers[1]))

    assert sorted(n for _, n in runs) == list(range(40))  # every job once, none twice
    assert sum(counts) == 40
    # SKIP LOCKED: a job held by one worker is passed over, not waited for, so both work at once.
    assert {who for who, _ in runs} == {"a", "b"}
    assert in_flight["max"] == 2
    async with committed_sessionmaker() as session:
        statuses = await session.execute(text("SELECT status, count(*) FROM jobs WHERE kind = :k GROUP BY status"), {"k": RECORD})
        assert dict(statuses.tuples().all()) == {"done": 40}


async def test_failures_back_off_exponentially_then_go_to_the_dead_letter_list(db_session, sessionmaker, test_settings):
    global flaky_failing
    flaky_failing = True
    settings = test_settings.replace(job_backoff_base_seconds=10, job_backoff_max_seconds=3600, job_backoff_jitter=0.5)
    worker = Worker(sessionmaker, settings, kinds=[FLAKY])
    await enqueue(db_session, FLAKY, {"url": "https://example.com/hook"}, max_attempts=3)

    assert await worker.run_until_idle() == 1
    job = await _job(db_session, FLAKY)
    assert (job.status, job.attempts) == ("queued", 1)
    assert "503" in job.last_error
    assert 10 <= job.delay <= 15
    assert await worker.run_until_idle() == 0  # not due yet

    await db_session.execute(text("UPDATE jobs SET run_at = now() - interval '1 second' WHERE id = :id"), {"id": job.id})
    await worker.run_until_idle()
    job = await _job(db_session, FLAKY)
    assert (job.status, job.attempts) == ("queued", 2)
    assert 20 <= job.delay <= 30

    await db_session.execute(text("UPDATE jobs SET run_at = now() - interval '1 second' WHERE id = :id"), {"id": job.id})
    await worker.run_until_idle()
    job = await _job(db_session, FLAKY)
    assert (job.status, job.attempts) == ("dead", 3)
    assert job.finished_at is not None
    dead = await repository.list_dead(db_session, kind=FLAKY)
    assert [(d.id, d.payload["url"]) for d in dead] == [(job.id, "https://example.com/hook")]
    assert "boom" in dead[0].last_error

    # An admin fixes the cause and retries it: it runs again with a fresh set of attempts.
    flaky_failing = False
    assert await repository.retry_dead(db_session, job.id)
    assert not await repository.retry_dead(db_session, job.id)  # no longer dead
    assert await worker.run_until_idle() == 1
    job = await _job(db_session, FLAKY)
    assert (job.status, job.attempts) == ("done", 0)
    assert await repository.list_dead(db_session, kind=FLAKY) == []


async def test_scheduled_job_waits_for_its_time(db_session, sessionmaker, test_settings):
    worker = Worker(sessionmaker, test_settings, kinds=[RECORD])
    run_at = (await db_session.execute(text("SELECT now() + interval '1 hour'"))).scalar_one()
    await enqueue(db_session, RECORD, {"n": -1}, run_at=run_at)
    assert await worker.run_until_idle() == 0
    await db_session.execute(text("UPDATE jobs SET run_at = now() WHERE kind = :k"), {"k": RECORD})
    assert await worker.run_until_idle() == 1


async def test_failing_handler_leaves_no_partial_writes(db_session, sessionmaker, test_settings):
    worker = Worker(sessionmaker, test_settings, kinds=[WRITE])
    await enqueue(db_session, WRITE, {"name": "kept"})
    await enqueue(db_session, WRITE, {"name": "discarded", "fail": True})

    assert await worker.run_until_idle() == 2

    assert {"kept", "discarded"} & await _team_names(db_session) == {"kept"}
    statuses = await db_session.execute(text("SELECT payload->>'name', status, attempts FROM jobs WHERE kind = :k"), {"k": WRITE})
    assert sorted(statuses.tuples().all()) == [("discarded", "queued", 1), ("kept", "done", 0)]


async def test_a_bad_job_in_a_batch_does_not_hold_back_the_others(db_session, sessionmaker, test_settings):
    batches.clear()
    worker = Worker(sessionmaker, test_settings, kinds=[WRITE_MANY])
    for name, fail in [("batch-a", False), ("batch-bad", True), ("batch-c", False)]:
        await enqueue(db_session, WRITE_MANY, {"name": name, "fail": fail})

    assert await worker.run_until_idle() == 3

    assert batches == [3, 1, 1, 1]  # one call for the batch, then one per job to find the bad one
    assert {"batch-a", "batch-bad", "batch-c"} & await _team_names(db_session) == {"batch-a", "batch-c"}
    statuses = await db_session.execute(text("SELECT payload->>'name', status FROM jobs WHERE kind = :k"), {"k": WRITE_MANY})
    assert dict(statuses.tuples().all()) == {"batch-a": "done", "batch-bad": "queued", "batch-c": "done"}


async def test_stop_finishes_the_job_in_hand(committed_sessionmaker, test_settings, committed_cleanup):
    slow_started.clear()
    async with committed_sessionmaker() as session, session.begin():
        await enqueue(session, SLOW, {"name": "slow-finished"})
    worker = Worker(committed_sessionmaker, test_settings.replace(worker_poll_seconds=0.05), kinds=[SLOW])
    await worker.start()
    await asyncio.wait_for(slow_started.wait(), timeout=10)

    await worker.stop()

    async with committed_sessionmaker() as session:
        assert (await _job(session, SLOW)).status == "done"
        assert "slow-finished" in await _team_names(session)


async def test_new_job_wakes_an_idle_worker_without_waiting_for_its_poll(committed_sessionmaker, test_settings, committed_cleanup):
    runs.clear()
    handled.clear()
    worker = Worker(committed_sessionmaker, test_settings.replace(worker_poll_seconds=120), kinds=[RECORD])
    await worker.start()
    try:
        await asyncio.sleep(0.1)  # the worker found nothing and sleeps for its (long) poll interval
        async with committed_sessionmaker() as session, session.begin():
            await enqueue(session, RECORD, {"n": 7})
        await asyncio.wait_for(handled.wait(), timeout=timedelta(seconds=10).total_seconds())
    finally:
        await worker.stop()
    assert [n for _, n in runs] == [7]


async def test_a_job_that_keeps_killing_its_worker_ends_in_the_dead_letters(committed_sessionmaker, test_settings, committed_cleanup):
    fatal_runs.clear()
    async with committed_sessionmaker() as session, session.begin():
        await enqueue(session, FATAL, {"n": 1}, max_attempts=2)

    # Each run dies with its transaction, so the job's own attempt count never moves...
    for _ in range(2):
        with pytest.raises(WorkerDied):
            await Worker(committed_sessionmaker, test_settings, kinds=[FATAL]).run_once()
    # ...but the runs were recorded apart from it: the next worker counts them and gives up.
    assert await Worker(committed_sessionmaker, test_settings, kinds=[FATAL]).run_until_idle() == 1
    assert fatal_runs == [1, 1]
    async with committed_sessionmaker() as session:
        dead = await repository.list_dead(session, kind=FATAL)
        assert [(d.payload["n"], d.attempts) for d in dead] == [(1, 2)]
        assert "worker stopped" in dead[0].last_error
        left = await session.execute(text("SELECT count(*) FROM job_starts s JOIN jobs j ON j.id = s.job_id WHERE j.kind = :k"), {"k": FATAL})
        assert left.scalar_one() == 0


async def test_a_run_that_died_once_still_gets_its_remaining_attempts(committed_sessionmaker, test_settings, committed_cleanup):
    fatal_runs.clear()
    async with committed_sessionmaker() as session, session.begin():
        await enqueue(session, FATAL, {"n": 2}, max_attempts=3)
    with pytest.raises(WorkerDied):
        await Worker(committed_sessionmaker, test_settings, kinds=[FATAL]).run_once()
    async with committed_sessionmaker() as session, session.begin():
        # The cause is fixed (here: the job now writes a team instead of dying).
        await session.execute(text("UPDATE jobs SET kind = :w, payload = '{\"name\": \"revived\"}' WHERE kind = :k"), {"w": WRITE, "k": FATAL})
    assert await Worker(committed_sessionmaker, test_settings, kinds=[WRITE]).run_until_idle() == 1
    async with committed_sessionmaker() as session, session.begin():
        job = (await session.execute(text("SELECT status, attempts FROM jobs WHERE kind = :w"), {"w": WRITE})).one()
        assert tuple(job) == ("done", 1)  # the dead run counted once
        await session.execute(text("DELETE FROM teams WHERE name = 'revived'"))


async def test_finished_jobs_are_pruned_after_the_retention_period(db_session, sessionmaker, test_settings):
    await enqueue(db_session, RECORD, {"n": 100})
    await enqueue(db_session, FLAKY, {"n": 101}, max_attempts=1)
    await db_session.execute(
        text("UPDATE jobs SET status = CASE WHEN kind = :r THEN 'done' ELSE 'dead' END, finished_at = now() - interval '20 days' "
             "WHERE kind IN (:r, :f)"),
        {"r": RECORD, "f": FLAKY},
    )
    await enqueue(db_session, RECORD, {"n": 102})
    await Worker(sessionmaker, test_settings.replace(job_retention_days=14), kinds=[RECORD])._prune_when_due()
    left = await db_session.execute(text("SELECT kind, status FROM jobs WHERE kind IN (:r, :f) ORDER BY id"), {"r": RECORD, "f": FLAKY})
    # The old finished job is gone; the dead one waits for an admin, the queued one for a worker.
    assert left.tuples().all() == [(FLAKY, "dead"), (RECORD, "queued")]
