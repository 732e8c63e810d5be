"""What the suggestions showed, for deflection reports and docs-gap evidence, and the related-questions cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, created_at_column


class SuggestionImpression(Base):
    """One row per ask draft: the website sends the same draft_id on every keystroke pause and when it posts."""

    __tablename__ = "suggestion_impressions"
    __table_args__ = (
        Index("uq_suggestion_impressions_draft", "draft_id", unique=True, postgresql_where=text("draft_id IS NOT NULL")),
        Index("ix_suggestion_impressions_created", "created_at"),
        Index("ix_suggestion_impressions_question", "question_id", postgresql_where=text("question_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    draft_id: Mapped[str | None] = mapped_column(String(64))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    shown_question_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    shown_docs_urls: Mapped[list[str]] = mapped_column(ARRAY(String(500)), server_default="{}")
    # Cosine similarity of the best match, so "the docs had nothing close" can be told later.
    best_question_similarity: Mapped[float | None] = mapped_column(Float)
    best_docs_similarity: Mapped[float | None] = mapped_column(Float)
    shown_count: Mapped[int] = mapped_column(Integer, server_default="1")
    # Set when the person posted anyway: a shown-and-not-posted draft is a deflection.
    question_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="SET NULL"))
    # The asker told us a suggestion answered them (or that none did).
    helpful: Mapped[bool | None] = mapped_column()
    clicked: Mapped[list[str]] = mapped_column(ARRAY(String(500)), server_default="{}")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class RelatedCache(Base):
    """Related questions and docs of a question, valid while its version and the active model are unchanged."""

    __tablename__ = "related_cache"
    question_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    question_version: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
