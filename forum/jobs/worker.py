"""The job worker: the one place that owns transactions for queued work.

Each job (or batch of jobs of one kind) is claimed with FOR UPDATE SKIP LOCKED, handled, and
marked done in ONE transaction. A worker killed half-way therefore leaves nothing behind: its
connection closes, PostgreSQL rolls the transaction back and drops the row locks, and the job is
simply queued again for the next worker. A handler that raises is rolled back to a savepoint and
its job rescheduled with exponential backoff, or moved to status 'dead' after max_attempts.

Handlers register by kind with @job_handler and must only flush, never commit:

    @job_handler("send_webhook")
    async def handle(session: AsyncSession, payload: dict) -> None: ...

    @job_handler("embed_question", batch=True)   # several jobs, one call: payloads is a list
    async def handle_many(session: AsyncSession, payloads: list[dict]) -> None: ...

A failing batch is retried job by job, so one bad job never holds back its neighbours.
Handlers that need configuration call current_settings(). A handler told when to come back (an
HTTP 429 with Retry-After) raises RetryLater(seconds) instead of taking the exponential backoff;
one that keeps its own record of a delivery passes on_failure=, called after each failed attempt.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
import random
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from forum.jobs import repository
from forum.jobs.repository import ClaimedJob
from forum.settings import Settings

log = logging.getLogger(__name__)

# Modules whose import registers job handlers; features add theirs here.
HANDLER_MODULES: tuple[str, ...] = (
    "forum.embeddings.jobs", "forum.integrations.jobs", "forum.support.jobs", "forum.gaps.jobs", "forum.suggestions.jobs",
)

NOTIFY_CHANNEL = "jobs"
_MAX_ERROR_CHARS = 4000
_PRUNE_EVERY_SECONDS = 3600.0


class RetryLater(Exception):
    """The attempt failed but the other side said when to try again (Retry-After): the attempt
    counts towards max_attempts, and the next one waits `seconds` rather than the backoff."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        self.seconds = max(0.0, float(seconds))
        super().__init__(reason or f"asked to retry in {self.seconds:.0f}s")


# Called with (session, payload, exc, dead) in the worker's transaction once a failed attempt is
# recorded; the handler's own writes were rolled back, so this is where it notes the failure.
FailureHook = Callable[[AsyncSession, dict[str, Any], BaseException, bool], Awaitable[None]]


@dataclass(frozen=True)
class JobHandler:
    kind: str
    fn: Callable[[AsyncSession, Any], Awaitable[None]]
    batch: bool
    on_failure: FailureHook | None = None


HANDLERS: dict[str, JobHandler] = {}
_settings: contextvars.ContextVar[Settings] = contextvars.ContextVar("job_settings")


def job_handler(kind: str, *, batch: bool = False, on_failure: FailureHook | None = None) -> Callable:
    def register(fn: Callable) -> Callable:
        HANDLERS[kind] = JobHandler(kind, fn, batch, on_failure)
        return fn

    return register


def current_settings() -> Settings:
    """The running worker's settings (outside a worker, the environment's)."""
    settings = _settings.get(None)
    return settings if settings is not None else Settings.from_env()


def load_handlers() -> dict[str, JobHandler]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return HANDLERS


def backoff_seconds(attempt: int, settings: Settings, rand: Callable[[], float] = random.random) -> float:
    """Delay before retry number `attempt` (1 = after the first failure); jitter keeps retries apart."""
    base = min(settings.job_backoff_base_seconds * 2 ** (attempt - 1), settings.job_backoff_max_seconds)
    return base * (1 + settings.job_backoff_jitter * rand())


class Worker:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, kinds: list[str] | None = None) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        handlers = load_handlers()
        self._kinds = list(kinds) if kinds is not None else sorted(handlers)
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._listener: Any = None
        self._listener_conn: Any = None
        self._next_prune = 0.0  # loop time of the next pruning of finished jobs

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        await self._listen()
        self._task = asyncio.create_task(self._run(), name="job-worker")

    async def stop(self) -> None:
        """Graceful: the job in hand is finished and committed, then the loop ends."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self._unlisten()

    async def run_until_idle(self) -> int:
        """Handle due jobs until none is left; returns how many were handled (done or failed)."""
        total = 0
        while not self._stopping:
            handled = await self.run_once()
            if handled == 0:
                return total
            total += handled
        return total

    async def _run(self) -> None:
        errors = 0
        while not self._stopping:
            self._wake.clear()
            try:
                await self._prune_when_due()
                handled = await self.run_once()
                errors = 0
            except Exception:
                # The database is gone or the connection broke: wait, longer each time, and retry.
                errors += 1
                log.exception("job worker loop failed (%d in a row)", errors)
                await self._sleep(min(self._settings.worker_poll_seconds * 2**errors, 30.0))
                continue
            if handled == 0:
                await self._sleep(self._settings.worker_poll_seconds)

    async def _prune_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if now < self._next_prune:
            return
        self._next_prune = now + _PRUNE_EVERY_SECONDS
        async with self._sessionmaker() as session, session.begin():
            pruned = await repository.prune_done(session, self._settings.job_retention_days)
        if pruned:
            log.info("pruned %d finished job(s) older than %g days", pruned, self._settings.job_retention_days)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            if self._listener is not None and self._listener.is_closed():
                await self._unlisten()
                await self._listen()

    # -- one transaction -------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim one due job (a batch for batch handlers), handle it, commit. Returns jobs handled."""
        token = _settings.set(self._settings)
        claimed: list[ClaimedJob] = []
        recorded = False
        try:
            async with self._sessionmaker() as session, session.begin():
                claimed = await repository.claim_due(session, self._kinds, limit=1)
                if not claimed:
                    return 0
                handler = HANDLERS[claimed[0].kind]
                if handler.batch and self._settings.worker_batch_size > 1:
                    claimed += await repository.claim_due(
                        session, [handler.kind], limit=self._settings.worker_batch_size - 1, exclude=[claimed[0].id]
                    )
                runnable = await self._count_crashed_runs(session, claimed)
                if runnable:
                    await self._record_starts(runnable)
                    await self._handle(session, handler, runnable)
                recorded = True
            return len(claimed)
        except Exception as exc:
            if not claimed or recorded:
                raise
            # The transaction itself broke (a lost connection, a handler that wrecked it): record
            # the attempt in a fresh one, or a job that always breaks it would be retried forever.
            await self._record_failures_after_abort(claimed, exc)
            return len(claimed)
        finally:
            _settings.reset(token)

    async def _count_crashed_runs(self, session: AsyncSession, jobs: list[ClaimedJob]) -> list[ClaimedJob]:
        """Runs that died with their worker count as attempts; returns the jobs that have attempts left."""
        runnable = []
        for job in jobs:
            if not job.unfinished_runs:
                runnable.append(job)
                continue
            error = f"the worker stopped (killed or crashed) while running this job, {job.unfinished_runs} time(s)"
            status, attempts = await repository.count_unfinished_runs(session, job, error)
            if status == "dead":
                log.error("job %d (%s) is dead: %s", job.id, job.kind, error)
            else:
                log.warning("job %d (%s): %s; running it again", job.id, job.kind, error)
                runnable.append(replace(job, attempts=attempts, unfinished_runs=0))
        return runnable

    async def _record_starts(self, jobs: list[ClaimedJob]) -> None:
        # Committed at once, apart from the jobs' own transaction, so it outlives a killed worker.
        async with self._sessionmaker() as session, session.begin():
            await repository.record_starts(session, [job.id for job in jobs])

    async def _handle(self, session: AsyncSession, handler: JobHandler, jobs: list[ClaimedJob]) -> None:
        if handler.batch:
            if await self._attempt(session, handler.fn, [job.payload for job in jobs], jobs) or len(jobs) == 1:
                return
            log.info("batch of %d %s jobs failed; retrying them one by one", len(jobs), handler.kind)
            for job in jobs:
                await self._attempt(session, handler.fn, [job.payload], [job])
        else:
            for job in jobs:
                await self._attempt(session, handler.fn, job.payload, [job])

    async def _attempt(self, session: AsyncSession, fn: Callable, argument: Any, jobs: list[ClaimedJob]) -> bool:
        """Run a handler in a savepoint: its writes survive only if it succeeds."""
        try:
            async with session.begin_nested(), asyncio.timeout(self._settings.job_timeout_seconds):
                await fn(session, argument)
        except Exception as exc:
            if len(jobs) > 1:
                return False
            await self._record_failure(session, jobs[0], exc)
            return False
        await repository.mark_done(session, [job.id for job in jobs])
        return True

    async def _record_failure(self, session: AsyncSession, job: ClaimedJob, exc: BaseException) -> None:
        if isinstance(exc, RetryLater):
            # Capped like the backoff, so a bogus Retry-After cannot park a job for a year.
            delay = min(exc.seconds, self._settings.job_backoff_max_seconds)
        else:
            delay = backoff_seconds(job.attempts + 1, self._settings)
        status = await repository.mark_failed(session, job.id, _describe(exc), delay)
        if status == "dead":
            log.error("job %d (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempts + 1, exc)
        else:
            log.warning("job %d (%s) failed (attempt %d), retrying in %.1fs: %s", job.id, job.kind, job.attempts + 1, delay, exc)
        handler = HANDLERS.get(job.kind)
        if status and handler is not None and handler.on_failure is not None:
            try:
                async with session.begin_nested():
                    await handler.on_failure(session, job.payload, exc, status == "dead")
            except Exception:
                # The attempt is recorded either way; a broken hook must not undo that.
                log.exception("on_failure of job %d (%s) failed", job.id, job.kind)

    async def _record_failures_after_abort(self, jobs: list[ClaimedJob], exc: BaseException) -> None:
        log.warning("transaction of %d %s job(s) aborted: %s", len(jobs), jobs[0].kind, exc)
        async with self._sessionmaker() as session, session.begin():
            for job in jobs:
                await self._record_failure(session, job, exc)

    # -- LISTEN/NOTIFY wake-up -------------------------------------------------------------------
    async def _listen(self) -> None:
        """Wake as soon as a job is inserted (trigger jobs_notify); polling remains the fallback."""
        bind = self._sessionmaker.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            return  # bound to one connection (tests): nothing to listen with
        try:
            self._listener_conn = await bind.connect()
            raw = await self._listener_conn.get_raw_connection()
            self._listener = raw.driver_connection
            await self._listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except Exception:
            log.warning("LISTEN %s failed; polling every %.1fs", NOTIFY_CHANNEL, self._settings.worker_poll_seconds, exc_info=True)
            await self._unlisten()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _unlisten(self) -> None:
        conn, self._listener_conn, listener, self._listener = self._listener_conn, None, self._listener, None
        if conn is None:
            return
        try:
            if listener is not None and not listener.is_closed():
                await listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await conn.close()
        except Exception:
            log.debug("closing the LISTEN connection failed", exc_info=True)


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text[-_MAX_ERROR_CHARS:]
