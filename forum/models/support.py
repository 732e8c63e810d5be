"""The support workflow: each question's assessment and response clock, targets, rotations, tickets."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, created_at_column


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Responder(enum.StrEnum):
    CUSTOMER_SUCCESS = "customer_success"
    SUPPORT_HERO = "support_hero"
    AUTOMATED = "automated"


class ResponseTarget(Base):
    """The promise for a first response, per severity x customer priority: data, so support can change it."""

    __tablename__ = "response_targets"
    __table_args__ = (
        CheckConstraint("severity IN ('critical', 'high', 'medium', 'low')", name="severity"),
        CheckConstraint("priority IN ('high', 'medium', 'low')", name="priority"),
        CheckConstraint("responder IN ('customer_success', 'support_hero', 'automated')", name="responder"),
    )
    severity: Mapped[str] = mapped_column(String(10), primary_key=True)
    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    # None for the automated response, which has no human clock.
    respond_within_minutes: Mapped[int | None] = mapped_column(Integer)
    responder: Mapped[str] = mapped_column(String(20))


class SupportRotation(Base):
    """Who is this week's support hero for a team (the team owning the question's topic)."""

    __tablename__ = "support_rotations"
    __table_args__ = (UniqueConstraint("team_id", "week_start", name="uq_support_rotations_team_week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    # The Monday the rotation starts; it lasts the week.
    week_start: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()


class SupportCase(Base):
    """One per assessed question: why it may need a human, how urgent, who owns it, and its response clock."""

    __tablename__ = "support_cases"
    __table_args__ = (
        CheckConstraint("severity IN ('critical', 'high', 'medium', 'low')", name="severity"),
        CheckConstraint("priority IN ('high', 'medium', 'low')", name="priority"),
        CheckConstraint("state IN ('open', 'responded', 'converted', 'resolved')", name="state"),
        # The queue: open, flagged cases whose clock still runs, by due time.
        Index("ix_support_cases_queue", "due_at", postgresql_where=text("state = 'open' AND flagged AND clock_stopped_at IS NULL")),
    )
    question_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    # How likely the question needs a ticket (0..1) and the signals behind it: [{signal, weight, evidence}].
    escalation_score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    flagged: Mapped[bool] = mapped_column(Boolean, server_default="false")
    severity: Mapped[str] = mapped_column(String(10))
    priority: Mapped[str] = mapped_column(String(10))
    responder: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), server_default="open")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first reply by staff (not the asker): what first-response time measures.
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the response clock stopped: that reply, or conversion to a ticket (Zendesk's own clock
    # takes over) or resolution, whichever came first. Breached means due_at < this (or now).
    clock_stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the suggestions offered when it was assessed, copied into a ticket so nobody asks twice.
    suggestions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # Tagged by support when answering or escalating: the docs should have answered this.
    docs_gap: Mapped[bool] = mapped_column(Boolean, server_default="false")
    auto_replied: Mapped[bool] = mapped_column(Boolean, server_default="false")
    assessed_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class SupportEvent(Base):
    """The case's history (assessed, claimed, handed over, responded, converted, resolved), for hand-overs and audits."""

    __tablename__ = "support_events"
    __table_args__ = (Index("ix_support_events_question", "question_id", "created_at"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    question_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()


class Ticket(Base):
    """A question converted into a support ticket (or linked to an existing one) and its delivery to Zendesk."""

    __tablename__ = "tickets"
    __table_args__ = (CheckConstraint("status IN ('pending', 'sent', 'linked', 'failed')", name="status"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    question_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="CASCADE"), unique=True)
    # Sent to Zendesk as external_id: a retried delivery finds the ticket it already created.
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    zendesk_ticket_id: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text)
    # Everything support needs without asking the user again (question, author, organisation, topic,
    # team, severity, priority, due time, assessment reasons, suggestions shown).
    context: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
