"""Embedding models known to the app and the question vectors computed with each of them.

Vectors of several models live side by side in one table so that a model switch needs no
downtime: the new model is filled through the job queue while queries keep using the active one.
The column has no fixed dimension; each model gets its own HNSW index, an expression index that
casts to that model's dimension with a partial WHERE on its name (see forum/embeddings/repository.py).
Those indexes are created at run time when a model is registered, so they are not declared here.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, created_at_column

# The packaged all-MiniLM-L6-v2, registered as the active model by migration 0002.
DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_EMBEDDING_DIM = 384


class EmbeddingModelStatus(enum.StrEnum):
    # Being filled through the queue; queries do not use it yet.
    PENDING = "pending"
    ACTIVE = "active"
    # Replaced by another model; its vectors are kept until dropped so a switch can be undone.
    RETIRED = "retired"


class EmbeddingModel(Base):
    __tablename__ = "embedding_models"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'retired')", name="status"),
        CheckConstraint("dim > 0", name="dim_positive"),
        # Queries must never see two models at once.
        Index("uq_embedding_models_one_active", "status", unique=True, postgresql_where=text("status = 'active'")),
    )
    # A sentence-transformers name or path: the same string loads the model again.
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), server_default=EmbeddingModelStatus.PENDING.value)
    created_at: Mapped[datetime] = created_at_column()
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuestionEmbedding(Base):
    __tablename__ = "question_embeddings"
    __table_args__ = (
        CheckConstraint("vector_dims(embedding) = dim", name="dim_matches"),
        CheckConstraint("subject_embedding IS NULL OR vector_dims(subject_embedding) = dim", name="subject_dim_matches"),
        CheckConstraint("answer_embedding IS NULL OR vector_dims(answer_embedding) = dim", name="answer_dim_matches"),
    )
    question_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(300), ForeignKey("embedding_models.name", ondelete="CASCADE"), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    # sha256 of the embedded text: an edit that leaves subject and body alone is not re-embedded.
    content_hash: Mapped[str] = mapped_column(String(64))
    # questions.version the text was read at, so a slow job never overwrites a newer vector.
    source_version: Mapped[int] = mapped_column(Integer)
    # Subject and body together: what nearest-neighbour search (HNSW) runs on.
    embedding: Mapped[list[float]] = mapped_column(Vector())
    # Compared only with the candidates that search and full text found (no index): a duplicate
    # usually words its subject like the original, and a new question often reads like an old answer.
    subject_embedding: Mapped[list[float] | None] = mapped_column(Vector())
    # The solution, else the best-voted reply by someone other than the asker; NULL while unanswered.
    answer_embedding: Mapped[list[float] | None] = mapped_column(Vector())
    updated_at: Mapped[datetime] = created_at_column()
