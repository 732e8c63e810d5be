"""The one durable work queue: embeddings, tickets, webhooks and gap detection all go through it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, created_at_column


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'done', 'dead')", name="status"),
        Index("ix_jobs_ready", "run_at", postgresql_where=text("status = 'queued'")),
        # A job with a dedupe key is enqueued at most once while it is still pending.
        Index("uq_jobs_pending_dedupe", "dedupe_key", unique=True, postgresql_where=text("status = 'queued'")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer, server_default="8")
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobStart(Base):
    """One row per run of a job that has not finished yet, written and committed before the run.

    A job's own transaction rolls back with a killed worker, taking its attempt count with it; a row
    here outlives that, so a job that keeps killing its worker is counted and ends in the dead
    letters instead of being retried forever. No foreign key: the insert must not wait on the
    claim's row lock.
    """

    __tablename__ = "job_starts"
    __table_args__ = (Index("ix_job_starts_job", "job_id"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job_id: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = created_at_column()
