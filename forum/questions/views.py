"""View counts are buffered in memory and flushed in one statement every few seconds.

A page view is not a user's write: losing a few seconds of counts in a crash is acceptable,
while an UPDATE on every GET would make the most-read endpoint contend on hot rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)


class ViewCounter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], interval: float = 2.0) -> None:
        self._sessionmaker = sessionmaker
        self._interval = interval
        self._pending: Counter[int] = Counter()
        self._task: asyncio.Task | None = None

    def record(self, question_id: int) -> None:
        self._pending[question_id] += 1

    async def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, Counter()
        ids, counts = zip(*pending.items(), strict=True)
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                text(
                    "UPDATE questions q SET view_count = q.view_count + v.n "
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:counts AS int[])) AS v(id, n) WHERE q.id = v.id"
                ),
                {"ids": list(ids), "counts": list(counts)},
            )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception("could not flush view counts")
