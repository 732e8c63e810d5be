"""All SQL of the job worker: claiming, finishing and failing jobs, and the dead-letter list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, String


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    # Runs started and never finished: the worker died (killed, out of memory) while running them.
    unfinished_runs: int = 0


@dataclass(frozen=True)
class DeadJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


_CLAIM = text(
    # SKIP LOCKED: a job another worker holds is simply not seen, so two workers never run the same
    # job, and the lock dies with a killed worker's connection, which leaves the job queued.
    "SELECT id, kind, payload, attempts, max_attempts, "
    "(SELECT count(*) FROM job_starts s WHERE s.job_id = jobs.id) AS unfinished_runs FROM jobs "
    "WHERE status = 'queued' AND run_at <= now() AND kind = ANY(:kinds) AND NOT (id = ANY(:exclude)) "
    "ORDER BY run_at, id LIMIT :limit FOR UPDATE SKIP LOCKED"
).bindparams(bindparam("kinds", type_=ARRAY(String)), bindparam("exclude", type_=ARRAY(BigInteger)))


async def claim_due(
    session: AsyncSession, kinds: Sequence[str], limit: int = 1, exclude: Sequence[int] = ()
) -> list[ClaimedJob]:
    """Lock up to `limit` due jobs of the given kinds until the caller's transaction ends."""
    rows = await session.execute(_CLAIM, {"kinds": list(kinds), "exclude": list(exclude), "limit": limit})
    return [ClaimedJob(r.id, r.kind, r.payload, r.attempts, r.max_attempts, r.unfinished_runs) for r in rows]


def _id_array(name: str = "ids") -> Any:
    return bindparam(name, type_=ARRAY(BigInteger))


async def record_starts(session: AsyncSession, job_ids: Sequence[int]) -> None:
    """Run in its own, committed transaction before the jobs run (see JobStart)."""
    await session.execute(text("INSERT INTO job_starts (job_id) SELECT unnest(:ids)").bindparams(_id_array()), {"ids": list(job_ids)})


async def clear_starts(session: AsyncSession, job_ids: Sequence[int]) -> None:
    await session.execute(text("DELETE FROM job_starts WHERE job_id = ANY(:ids)").bindparams(_id_array()), {"ids": list(job_ids)})


async def count_unfinished_runs(session: AsyncSession, job: ClaimedJob, error: str) -> tuple[str, int]:
    """Count a claimed job's unfinished runs as failed attempts; returns its (status, attempts) after."""
    row = await session.execute(
        text(
            "UPDATE jobs SET attempts = attempts + :runs, last_error = :error, "
            "status = CASE WHEN attempts + :runs >= max_attempts THEN 'dead' ELSE status END, "
            "finished_at = CASE WHEN attempts + :runs >= max_attempts THEN now() END "
            "WHERE id = :id RETURNING status, attempts"
        ),
        {"id": job.id, "runs": job.unfinished_runs, "error": error},
    )
    status, attempts = row.one()
    await clear_starts(session, [job.id])
    return status, attempts


async def mark_done(session: AsyncSession, job_ids: Sequence[int]) -> None:
    await session.execute(
        text("UPDATE jobs SET status = 'done', finished_at = now() WHERE id = ANY(:ids)").bindparams(_id_array()),
        {"ids": list(job_ids)},
    )
    await clear_starts(session, job_ids)


async def prune_done(session: AsyncSession, older_than_days: float) -> int:
    """Finished jobs are history once old enough; dead ones stay until an admin retries or discards them."""
    result = await session.execute(
        text("DELETE FROM jobs WHERE status = 'done' AND finished_at < now() - make_interval(secs => :seconds)"),
        {"seconds": older_than_days * 86400},
    )
    return result.rowcount or 0


async def mark_failed(session: AsyncSession, job_id: int, error: str, retry_in_seconds: float) -> str:
    """Count the attempt; reschedule the job, or move it to the dead-letter list when it has none left.

    Only a queued job is touched: when the failure is recorded after the worker's own transaction
    broke, another worker may have finished the job meanwhile. Returns the new status, or '' if untouched.
    """
    row = await session.execute(
        text(
            "UPDATE jobs SET attempts = attempts + 1, last_error = :error, "
            "status = CASE WHEN attempts + 1 >= max_attempts THEN 'dead' ELSE 'queued' END, "
            "run_at = CASE WHEN attempts + 1 >= max_attempts THEN run_at "
            "ELSE now() + make_interval(secs => :delay) END, "
            "finished_at = CASE WHEN attempts + 1 >= max_attempts THEN now() END "
            "WHERE id = :id AND status = 'queued' RETURNING status"
        ),
        {"id": job_id, "error": error, "delay": retry_in_seconds},
    )
    await clear_starts(session, [job_id])
    return row.scalar_one_or_none() or ""


async def seconds_until_next_due(session: AsyncSession, kinds: Sequence[str]) -> float | None:
    row = await session.execute(
        text(
            "SELECT extract(epoch FROM min(run_at) - now()) FROM jobs WHERE status = 'queued' AND kind = ANY(:kinds)"
        ).bindparams(bindparam("kinds", type_=ARRAY(String))),
        {"kinds": list(kinds)},
    )
    value = row.scalar_one_or_none()
    return None if value is None else float(value)


async def list_dead(session: AsyncSession, *, limit: int = 50, before_id: int | None = None, kind: str | None = None) -> list[DeadJob]:
    """The dead-letter list, newest first; page with before_id (the last id of the previous page)."""
    rows = await session.execute(
        text(
            "SELECT id, kind, payload, attempts, last_error, created_at, finished_at FROM jobs "
            "WHERE status = 'dead' AND (CAST(:before_id AS bigint) IS NULL OR id < :before_id) "
            "AND (CAST(:kind AS text) IS NULL OR kind = :kind) ORDER BY id DESC LIMIT :limit"
        ),
        {"before_id": before_id, "kind": kind, "limit": limit},
    )
    return [DeadJob(r.id, r.kind, r.payload, r.attempts, r.last_error, r.created_at, r.finished_at) for r in rows]


async def get_dead(session: AsyncSession, job_id: int) -> DeadJob | None:
    row = (
        await session.execute(
            text(
                "SELECT id, kind, payload, attempts, last_error, created_at, finished_at FROM jobs "
                "WHERE id = :id AND status = 'dead'"
            ),
            {"id": job_id},
        )
    ).one_or_none()
    return None if row is None else DeadJob(row.id, row.kind, row.payload, row.attempts, row.last_error, row.created_at, row.finished_at)


async def discard_dead(session: AsyncSession, job_id: int) -> bool:
    """Delete a dead job for good (an admin decided it is not worth retrying). False if there is none."""
    row = await session.execute(text("DELETE FROM jobs WHERE id = :id AND status = 'dead' RETURNING id"), {"id": job_id})
    return row.scalar_one_or_none() is not None


async def retry_dead(session: AsyncSession, job_id: int) -> bool:
    """Queue a dead job again with a fresh set of attempts (its last error is kept for reference).

    False when there is no such dead job, or when an identical job (same dedupe key) is already
    waiting, so retrying it would only duplicate work.
    """
    row = await session.execute(
        text(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), finished_at = NULL "
            "WHERE id = :id AND status = 'dead' AND NOT EXISTS ("
            "  SELECT 1 FROM jobs pending WHERE pending.status = 'queued' AND pending.dedupe_key = jobs.dedupe_key"
            ") RETURNING id"
        ),
        {"id": job_id},
    )
    return row.scalar_one_or_none() is not None


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(text("SELECT status, count(*) FROM jobs GROUP BY status"))
    return {status: count for status, count in rows.tuples()}


async def schedule_next_run(session: AsyncSession, kind: str, run_at: datetime) -> bool:
    """Queue the next run of a self-scheduling job (payload {"scheduled": true}) unless one is already
    waiting for a later time.

    The running job is still 'queued' until it commits, so a dedupe key would collide with it;
    a waiting job due after now() is the one this would duplicate.
    """
    result = await session.execute(
        text(
            "INSERT INTO jobs (kind, payload, run_at, max_attempts) "
            "SELECT v.kind, '{\"scheduled\": true}'::jsonb, :run_at, 3 FROM (SELECT CAST(:kind AS varchar) AS kind) v WHERE NOT EXISTS ("
            "  SELECT 1 FROM jobs j WHERE j.kind = v.kind AND j.status = 'queued' AND j.run_at > now() "
            "  AND coalesce((j.payload->>'scheduled')::boolean, false))"
        ),
        {"kind": kind, "run_at": run_at},
    )
    return bool(result.rowcount)
