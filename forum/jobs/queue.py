"""Enqueue work in the caller's transaction, so a job exists exactly when the write that caused it commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Subscribers per domain event. Each subscriber is a job kind with its own retries, so a failing
# webhook never holds back an embedding. Features add their job kinds here.
EVENT_SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    "question.created": ("embed_question", "slack_announce", "webhook_fanout", "assess_question"),
    "question.edited": ("embed_question", "assess_question"),
    # A question's answer vector encodes its solution, else its best reply: both can change here.
    "reply.created": ("webhook_fanout", "embed_question"),
    "question.solved": ("webhook_fanout", "embed_question"),
    "question.unsolved": ("embed_question",),
    "ticket.created": ("webhook_fanout",),
}


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 8,
) -> None:
    """A job with a dedupe_key that is already waiting is not queued twice."""
    await session.execute(
        text(
            "INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts) "
            "VALUES (:kind, CAST(:payload AS jsonb), :dedupe_key, coalesce(:run_at, now()), :max_attempts) "
            "ON CONFLICT (dedupe_key) WHERE status = 'queued' DO NOTHING"
        ),
        {
            "kind": kind,
            "payload": _json(payload or {}),
            "dedupe_key": dedupe_key,
            "run_at": run_at,
            "max_attempts": max_attempts,
        },
    )


async def emit(session: AsyncSession, event: str, payload: dict[str, Any]) -> None:
    for kind in EVENT_SUBSCRIBERS.get(event, ()):
        await enqueue(session, kind, {"event": event, **payload})


def _json(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value, default=str)
