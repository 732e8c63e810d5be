"""The docs index: pages of a docs tree, their heading-sized chunks, and the chunks' vectors.

Vectors live beside the chunks, rows per (chunk, model, kind), for the same reason as question
vectors (forum/models/embeddings.py): a model switch fills the new model's vectors while
searches keep using the active one. Each model's HNSW index is a partial expression index
created when the model is first used (docs_index/store.py), so it is not declared here.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, created_at_column


class DocsPage(Base):
    __tablename__ = "docs_pages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # POSIX path relative to the docs root: the page's identity across re-indexes.
    path: Mapped[str] = mapped_column(String(500), unique=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    # sha256 of everything the page's chunks are derived from (file bytes, chunking options and
    # code, snippets it may import): equal means the file need not even be parsed again.
    content_hash: Mapped[str] = mapped_column(String(64))
    # Kept so that a re-index which skips an unchanged page still reports its missing snippets.
    warnings: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    indexed_at: Mapped[datetime] = created_at_column()
    # Last time the page's content changed, as opposed to when it was last checked.
    updated_at: Mapped[datetime] = created_at_column()


class DocsChunk(Base):
    __tablename__ = "docs_chunks"
    __table_args__ = (
        # Deferred: a re-index renumbers the chunks of an edited page in place, passing through duplicates.
        UniqueConstraint("page_id", "ordinal", name="uq_docs_chunks_page_ordinal", deferrable=True, initially="DEFERRED"),
        Index("ix_docs_chunks_search", "search_vector", postgresql_using="gin"),
        # "Docs changed since X" (a docs gap possibly addressed by a re-index).
        Index("ix_docs_chunks_updated_at", "updated_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("docs_pages.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    url: Mapped[str] = mapped_column(Text)
    anchor: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    has_code: Mapped[bool] = mapped_column(Boolean)
    # sha256 of the embedded text (docs_index.Chunk.content_hash): what decides whether a vector still fits.
    content_hash: Mapped[str] = mapped_column(String(64))
    # sha256 of the breadcrumb alone ("Page title > H2 > H3"), which gets a vector of its own.
    heading_hash: Mapped[str] = mapped_column(String(64))
    # Written with the chunk (page title and headings weight A, text weight B): the title lives on
    # the page row, so a generated column could not see it.
    search_vector: Mapped[str] = mapped_column(TSVECTOR)
    indexed_at: Mapped[datetime] = created_at_column()
    # Last change of the chunk's text (an edited section keeps its row, id and indexed_at);
    # a chunk that only moved to another position on the page keeps it too.
    updated_at: Mapped[datetime] = created_at_column()


class DocsChunkEmbedding(Base):
    """Two vectors per chunk and model: its text under its breadcrumb ('body'), and the breadcrumb
    alone ('heading'). A search takes the nearer of the two: FAQ headings are phrased the way
    people ask, and a long answer under one drifts away from the question in a single vector."""

    __tablename__ = "docs_chunk_embeddings"
    __table_args__ = (
        CheckConstraint("vector_dims(embedding) = dim", name="dim_matches"),
        CheckConstraint("kind IN ('body', 'heading')", name="kind"),
    )
    chunk_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("docs_chunks.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(300), ForeignKey("embedding_models.name", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    # sha256 of the text this vector encodes (the chunk's content_hash or heading_hash): a chunk edited
    # in place is known to need a new vector, and a moved one can borrow another row's, by hash alone.
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[list[float]] = mapped_column(Vector())
    created_at: Mapped[datetime] = created_at_column()


class DocsIndexState(Base):
    """One row whose token changes, by trigger (migration 0010), with every statement that writes
    docs_pages, docs_chunks or docs_chunk_embeddings: processes keep the docs index in memory for
    suggestions (docs_index/snapshot.py) and compare tokens to know when to read it again."""

    __tablename__ = "docs_index_state"
    __table_args__ = (CheckConstraint("id", name="single_row"),)
    id: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    token: Mapped[uuid.UUID] = mapped_column(Uuid, server_default=text("gen_random_uuid()"))
    changed_at: Mapped[datetime] = created_at_column()
