"""Job handlers of suggestions, run by forum.jobs.worker (which owns the transaction, retries and dead letters).

suggestions_vocabulary counts the questions' lexemes again and queues its next run (migration 0011
queued the first), so the schedule keeps itself going; a run that dies still queues the next one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.jobs.worker import current_settings, job_handler
from forum.suggestions import repository
from forum.suggestions.repository import VOCABULARY_JOB


async def schedule_next_refresh(session: AsyncSession) -> bool:
    minutes = current_settings().suggestions_vocabulary_refresh_minutes
    if minutes <= 0:
        return False
    return await repository.schedule_vocabulary_refresh(session, datetime.now(UTC) + timedelta(minutes=minutes))


async def _refresh_failed(session: AsyncSession, payload: dict[str, Any], exc: BaseException, dead: bool) -> None:
    if dead and payload.get("scheduled"):
        await schedule_next_refresh(session)


@job_handler(VOCABULARY_JOB, on_failure=_refresh_failed)
async def refresh_vocabulary(session: AsyncSession, payload: dict[str, Any]) -> None:
    """payload: {"scheduled": true} from the schedule."""
    await repository.refresh_vocabulary(session)
    if payload.get("scheduled"):
        await schedule_next_refresh(session)
