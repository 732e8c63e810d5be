"""Docs gaps: clusters of questions the docs do not answer, kept across detection runs.

A gap keeps its id while its members change from run to run (matched by member overlap and
centroid distance, forum/gaps/identity.py), so "seen last week, grown this week" is one row, and
a gap support dismissed or filed stays dismissed or filed when the same questions cluster again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, created_at_column

GAP_STATUSES = ("open", "filed", "dismissed", "vanished")


class DocsGapRun(Base):
    """One detection run: what it saw and how it clustered, so a ranking can be explained later."""

    __tablename__ = "docs_gap_runs"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    model: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    evidence: Mapped[int] = mapped_column(Integer, server_default="0")
    clustered: Mapped[int] = mapped_column(Integer, server_default="0")
    gaps: Mapped[int] = mapped_column(Integer, server_default="0")
    new_gaps: Mapped[int] = mapped_column(Integer, server_default="0")
    seconds: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocsGap(Base):
    __tablename__ = "docs_gaps"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'filed', 'dismissed', 'vanished')", name="status"),
        CheckConstraint("vector_dims(centroid) = dim", name="dim_matches"),
        # The ranked list support reads.
        Index("ix_docs_gaps_status_score", "status", text("score DESC")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # open: proposed; filed: an issue exists (filed_url); dismissed: not a docs problem (reason);
    # vanished: open but not found by the latest run (its questions were answered or removed).
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    # The embedding model of the centroid: a centroid of another model is never compared with it.
    model: Mapped[str] = mapped_column(String(300))
    dim: Mapped[int] = mapped_column(Integer)
    centroid: Mapped[list[float]] = mapped_column(Vector())
    size: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    # What the score is made of: {size, recency, views, escalation_share, ...} (forum/gaps/scoring.py).
    score_parts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # The most distinctive terms (c-TF-IDF) and the question nearest the centroid.
    terms: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    central_question_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text)
    area: Mapped[str | None] = mapped_column(Text)
    # The nearest docs sections when detected: [{url, page_title, heading_path, snippet, similarity}].
    placement: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    # Best similarity of any docs chunk to the centroid when the gap was first found: a re-index
    # that beats it clearly is someone documenting the gap.
    docs_baseline_similarity: Mapped[float | None] = mapped_column(Float)
    possibly_addressed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The docs section that came close: {chunk_id, url, page_title, heading_path, snippet, similarity, updated_at}.
    addressed_by: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    addressed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = created_at_column()
    last_run_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("docs_gap_runs.id", ondelete="SET NULL"))
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filed_url: Mapped[str | None] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class DocsGapMember(Base):
    """A question of a gap as of the gap's latest run, with the signals that made it evidence."""

    __tablename__ = "docs_gap_members"
    __table_args__ = (Index("ix_docs_gap_members_question", "question_id"),)
    gap_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("docs_gaps.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    # unanswered, no_solution, weak_docs_match, support_tagged, suggestions_rejected
    signals: Mapped[list[str]] = mapped_column(ARRAY(String(30)), server_default="{}")
    escalated: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Cosine similarity to the gap's centroid: the outline and evidence list start with the most typical.
    similarity: Mapped[float] = mapped_column(Float)
    # When the question first joined this gap, so "grown this week" can be told.
    added_at: Mapped[datetime] = created_at_column()


class DocsGapIssue(Base):
    """A gap posted as a GitHub issue: one per (gap, repository), so posting again finds it."""

    __tablename__ = "docs_gap_issues"
    __table_args__ = (CheckConstraint("status IN ('pending', 'posted', 'failed')", name="status"),)
    gap_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("docs_gaps.id", ondelete="CASCADE"), primary_key=True)
    repo: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    number: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
