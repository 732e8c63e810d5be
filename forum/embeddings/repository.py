"""All SQL of embeddings: the model registry, question vectors, their HNSW indexes and nearest-neighbour search.

Each model's vectors have their own partial HNSW index on (embedding::vector(dim)) WHERE model = name.
PostgreSQL only uses a partial, expression index when the query repeats the predicate and the
expression literally, so the search below writes the model name and dimension into the SQL
text rather than binding them: a generic prepared plan with a bound name would fall back to a
sequential scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.types import REAL, BigInteger, String

from forum import db
from forum.db import HNSW_EF_SEARCH

EMBED_QUESTION = "embed_question"
_FILLED = ("active", "pending")


@dataclass(frozen=True)
class ModelRow:
    name: str
    dim: int
    status: str


@dataclass(frozen=True)
class QuestionSource:
    id: int
    subject: str
    body: str
    version: int
    answer: str | None  # see ANSWER_SQL


@dataclass(frozen=True)
class StoredEmbedding:
    content_hash: str
    source_version: int
    has_field_vectors: bool  # rows from before the subject/answer vectors lack them


@dataclass(frozen=True)
class EmbeddingRow:
    question_id: int
    content_hash: str
    source_version: int
    embedding: np.ndarray
    subject_embedding: np.ndarray
    answer_embedding: np.ndarray | None


#: The answer a question stands for (alias q): its solution, else the best-voted published reply by
#: someone other than the asker. Suggestions excerpt it and the answer vector encodes it.
ANSWER_SQL = (
    "coalesce((SELECT s.body FROM replies s WHERE s.id = q.resolved_by_id AND s.published), "
    "(SELECT r.body FROM replies r WHERE r.question_id = q.id AND r.published AND r.author_id <> q.author_id "
    "ORDER BY r.upvotes - r.downvotes DESC, r.created_at LIMIT 1))"
)
#: A stored row that answers every query of its model (alias e).
_UP_TO_DATE = "e.source_version >= q.version AND e.subject_embedding IS NOT NULL"


@dataclass(frozen=True)
class Neighbour:
    question_id: int
    # Cosine distance: 0 for the same direction, 1 for unrelated, up to 2 for opposite.
    distance: float

    @property
    def similarity(self) -> float:
        return 1.0 - self.distance


def _ids(name: str = "ids") -> object:
    return bindparam(name, type_=ARRAY(BigInteger))


def sql_literal(value: str) -> str:
    """A quoted SQL string literal (standard_conforming_strings is on in every supported PostgreSQL)."""
    if "\x00" in value:
        raise ValueError("model names cannot contain NUL")
    return "'" + value.replace("'", "''") + "'"


def vector_type(dim: int) -> str:
    """The column cast of every vector query and HNSW index: a query matches a model's partial
    expression index only when both write this same cast."""
    return f"vector({int(dim)})"


def query_vector_sql(name: str, dim: int) -> str:
    """A query vector in SQL: bound as a float4 array (query_vector_bind, query_vector_value), which
    asyncpg sends in binary, and cast to a vector by the server. pgvector's text form cost 0.3 ms of
    Python per vector, on the suggestions' keystroke path."""
    return f"CAST(:{name} AS real[])::{vector_type(dim)}"


def query_vector_bind(name: str) -> object:
    return bindparam(name, type_=ARRAY(REAL))


def query_vector_value(vector: np.ndarray | Sequence[float]) -> list[float]:
    return np.asarray(vector, dtype=np.float32).tolist()


def hnsw_index_name(model: str) -> str:
    return f"ix_question_embeddings_hnsw_{hashlib.sha1(model.encode()).hexdigest()[:10]}"


# -- model registry ---------------------------------------------------------------------------------
_ACTIVE_MODEL = text("SELECT name, dim, status FROM embedding_models WHERE status = 'active'")


async def active_model(session: AsyncSession) -> ModelRow | None:
    # On every suggestions request, hence straight through asyncpg (forum.db.fetch).
    rows = await db.fetch(session, _ACTIVE_MODEL, {})
    return ModelRow(*rows[0]) if rows else None


async def get_model(session: AsyncSession, name: str) -> ModelRow | None:
    row = (await session.execute(text("SELECT name, dim, status FROM embedding_models WHERE name = :name"), {"name": name})).first()
    return None if row is None else ModelRow(row.name, row.dim, row.status)


async def filled_models(session: AsyncSession) -> list[ModelRow]:
    """Models whose vectors are kept up to date: the active one and any being filled for a switch."""
    rows = await session.execute(
        text("SELECT name, dim, status FROM embedding_models WHERE status IN ('active', 'pending') ORDER BY name")
    )
    return [ModelRow(r.name, r.dim, r.status) for r in rows]


async def add_pending_model(session: AsyncSession, name: str, dim: int) -> ModelRow:
    """Register a model to fill; a retired model becomes pending again, an active one is left alone."""
    row = (
        await session.execute(
            text(
                "INSERT INTO embedding_models (name, dim, status) VALUES (:name, :dim, 'pending') "
                "ON CONFLICT (name) DO UPDATE SET status = CASE WHEN embedding_models.status = 'active' "
                "THEN 'active' ELSE 'pending' END RETURNING name, dim, status"
            ),
            {"name": name, "dim": dim},
        )
    ).one()
    return ModelRow(row.name, row.dim, row.status)


async def set_active(session: AsyncSession, name: str) -> None:
    """Swap the active model in one statement order that the one-active unique index accepts."""
    await session.execute(text("UPDATE embedding_models SET status = 'retired' WHERE status = 'active' AND name <> :name"), {"name": name})
    await session.execute(
        text("UPDATE embedding_models SET status = 'active', activated_at = now() WHERE name = :name"), {"name": name}
    )


async def delete_model(session: AsyncSession, name: str) -> None:
    # Its vectors go with it (ON DELETE CASCADE).
    await session.execute(text("DELETE FROM embedding_models WHERE name = :name"), {"name": name})


async def model_coverage(session: AsyncSession) -> list[tuple[ModelRow, int, int]]:
    """(model, questions embedded and up to date, questions in all) for every registered model."""
    rows = await session.execute(
        text(
            "SELECT m.name, m.dim, m.status, "
            "(SELECT count(*) FROM question_embeddings e JOIN questions q ON q.id = e.question_id "
            f" WHERE e.model = m.name AND {_UP_TO_DATE}) AS embedded, "
            "(SELECT count(*) FROM questions) AS total "
            "FROM embedding_models m ORDER BY m.status, m.name"
        )
    )
    return [(ModelRow(r.name, r.dim, r.status), r.embedded, r.total) for r in rows]


async def count_missing(session: AsyncSession, model: str) -> int:
    row = await session.execute(
        text(
            "SELECT count(*) FROM questions q WHERE NOT EXISTS (SELECT 1 FROM question_embeddings e "
            f"WHERE e.question_id = q.id AND e.model = :model AND {_UP_TO_DATE})"
        ),
        {"model": model},
    )
    return int(row.scalar_one())


# -- HNSW indexes -----------------------------------------------------------------------------------
def _index_ddl(model: str, dim: int, concurrently: bool) -> str:
    return (
        f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {hnsw_index_name(model)} "
        f"ON question_embeddings USING hnsw ((embedding::{vector_type(dim)}) vector_cosine_ops) "
        f"WHERE model = {sql_literal(model)}"
    )


async def create_model_index(conn: AsyncConnection | AsyncSession, model: str, dim: int, *, concurrently: bool = False) -> None:
    """CONCURRENTLY keeps writes flowing while it builds, but needs an AUTOCOMMIT connection.

    A concurrent build that failed half-way leaves an INVALID index behind; it is rebuilt.
    """
    name = hnsw_index_name(model)
    invalid = await conn.execute(
        text("SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :name AND NOT i.indisvalid"),
        {"name": name},
    )
    if invalid.first() is not None:
        await conn.execute(text(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {name}"))
    await conn.execute(text(_index_ddl(model, dim, concurrently)))


async def drop_model_index(conn: AsyncConnection | AsyncSession, model: str, *, concurrently: bool = False) -> None:
    await conn.execute(text(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {hnsw_index_name(model)}"))


# -- question vectors -------------------------------------------------------------------------------
async def question_sources(session: AsyncSession, question_ids: Sequence[int]) -> list[QuestionSource]:
    rows = await session.execute(
        text(f"SELECT q.id, q.subject, q.body, q.version, {ANSWER_SQL} AS answer FROM questions q WHERE q.id = ANY(:ids) ORDER BY q.id")
        .bindparams(_ids()),
        {"ids": list(question_ids)},
    )
    return [QuestionSource(r.id, r.subject, r.body, r.version, r.answer) for r in rows]


async def stored_embeddings(session: AsyncSession, model: str, question_ids: Sequence[int]) -> dict[int, StoredEmbedding]:
    rows = await session.execute(
        text(
            "SELECT question_id, content_hash, source_version, subject_embedding IS NOT NULL AS complete FROM question_embeddings "
            "WHERE model = :model AND question_id = ANY(:ids)"
        ).bindparams(_ids()),
        {"model": model, "ids": list(question_ids)},
    )
    return {r.question_id: StoredEmbedding(r.content_hash, r.source_version, r.complete) for r in rows}


async def upsert_embeddings(session: AsyncSession, model: str, dim: int, rows: Sequence[EmbeddingRow]) -> None:
    """A row read from an older version of the question than the stored one is ignored: two jobs
    racing can only end on the newer text."""
    if not rows:
        return
    statement = text(
        "INSERT INTO question_embeddings (question_id, model, dim, content_hash, source_version, embedding, subject_embedding, answer_embedding) "
        "VALUES (:question_id, :model, :dim, :content_hash, :source_version, :embedding, :subject_embedding, :answer_embedding) "
        "ON CONFLICT (question_id, model) DO UPDATE SET content_hash = excluded.content_hash, "
        "source_version = excluded.source_version, embedding = excluded.embedding, subject_embedding = excluded.subject_embedding, "
        "answer_embedding = excluded.answer_embedding, dim = excluded.dim, updated_at = now() "
        "WHERE question_embeddings.source_version <= excluded.source_version"
    ).bindparams(*(bindparam(name, type_=Vector(dim)) for name in ("embedding", "subject_embedding", "answer_embedding")))
    await session.execute(
        statement,
        [
            {
                "question_id": row.question_id, "model": model, "dim": dim, "content_hash": row.content_hash,
                "source_version": row.source_version, "embedding": row.embedding,
                "subject_embedding": row.subject_embedding, "answer_embedding": row.answer_embedding,
            }
            for row in rows
        ],
    )


async def bump_source_versions(session: AsyncSession, model: str, versions: Sequence[tuple[int, int]]) -> None:
    """The text is unchanged at a newer version (a topic or status edit): no need to encode again."""
    if not versions:
        return
    await session.execute(
        text(
            "UPDATE question_embeddings SET source_version = :version "
            "WHERE question_id = :question_id AND model = :model AND source_version < :version"
        ),
        [{"question_id": qid, "model": model, "version": version} for qid, version in versions],
    )


async def enqueue_backfill(session: AsyncSession, model: str | None = None) -> int:
    """One embed job per question lacking an up-to-date vector of a filled model, in one statement.

    The dedupe key makes a second backfill (or one racing the worker) queue nothing twice.
    """
    result = await session.execute(
        text(
            "INSERT INTO jobs (kind, payload, dedupe_key) "
            "SELECT :kind, jsonb_build_object('question_id', q.id, 'model', m.name), "
            "       'embed:' || left(md5(m.name), 12) || ':' || q.id "
            "FROM embedding_models m CROSS JOIN questions q "
            "WHERE m.status = ANY(:statuses) AND (CAST(:model AS text) IS NULL OR m.name = :model) "
            "AND NOT EXISTS (SELECT 1 FROM question_embeddings e "
            f"  WHERE e.question_id = q.id AND e.model = m.name AND {_UP_TO_DATE}) "
            "ON CONFLICT (dedupe_key) WHERE status = 'queued' DO NOTHING"
        ).bindparams(bindparam("statuses", type_=ARRAY(String))),
        {"kind": EMBED_QUESTION, "model": model, "statuses": list(_FILLED)},
    )
    return result.rowcount or 0


# -- search -----------------------------------------------------------------------------------------
def nearest_questions_sql(
    model: ModelRow, *, visible_only: bool, filter_statuses: bool = False, filter_ids: bool = False, limit: int | None = None
) -> str:
    """The HNSW search as SQL text, also used as a CTE by suggestions (forum/suggestions/repository.py).

    Parameters: query (the vector), exclude (ids), limit (unless given here, to be written into the
    text), statuses when filter_statuses, only (ids) when filter_ids.
    """
    distance = f"(e.embedding::{vector_type(model.dim)}) <=> {query_vector_sql('query', model.dim)}"
    filters = [f"e.model = {sql_literal(model.name)}", "NOT (e.question_id = ANY(:exclude))"]
    if visible_only:
        filters.append("q.published AND NOT q.archived")
    if filter_statuses:
        filters.append("q.status = ANY(:statuses)")
    if filter_ids:
        # A handful of known candidates (the SemEval rerank): exact distances, the planner skips the index.
        filters.append("e.question_id = ANY(:only)")
    return (
        f"SELECT e.question_id, {distance} AS distance FROM question_embeddings e "
        f"JOIN questions q ON q.id = e.question_id WHERE {' AND '.join(filters)} "
        f"ORDER BY {distance} LIMIT {':limit' if limit is None else int(limit)}"
    )


def nearest_questions_statement(model: ModelRow, *, visible_only: bool, filter_statuses: bool, filter_ids: bool = False) -> TextClause:
    """Parameters: query (the vector), exclude (ids), limit, statuses when filter_statuses, only (ids) when filter_ids."""
    statement = text(nearest_questions_sql(model, visible_only=visible_only, filter_statuses=filter_statuses, filter_ids=filter_ids))
    statement = statement.bindparams(query_vector_bind("query"), _ids("exclude"))
    if filter_statuses:
        statement = statement.bindparams(bindparam("statuses", type_=ARRAY(String)))
    if filter_ids:
        statement = statement.bindparams(_ids("only"))
    return statement


async def configure_hnsw_search(session: AsyncSession, ef_search: int, limit: int) -> None:
    """For this transaction: the HNSW candidate list size, and an iterative scan, so filters (hidden
    questions, excluded ids, statuses) never leave a result short of `limit` when enough rows match.

    Nothing to send when the connection was opened with that size (forum.db.create_engine) and this
    session has not set another."""
    wanted = max(int(ef_search), limit)
    if "hnsw_set" not in session.info and (await session.connection()).info.get(HNSW_EF_SEARCH) == wanted:
        return
    session.info["hnsw_set"] = True
    await session.execute(
        text("SELECT set_config('hnsw.ef_search', :ef, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)"),
        {"ef": str(wanted)},
    )


async def nearest_questions(
    session: AsyncSession,
    model: ModelRow,
    query: np.ndarray | Sequence[float],
    *,
    limit: int = 10,
    exclude_ids: Sequence[int] = (),
    visible_only: bool = True,
    statuses: Sequence[str] | None = None,
    max_distance: float | None = None,
    ef_search: int = 100,
    only_ids: Sequence[int] | None = None,
) -> list[Neighbour]:
    """The questions nearest to `query` (a vector of `model`) by cosine distance, nearest first.

    Uses the model's HNSW index with an iterative scan, so filters (hidden questions, excluded
    ids, statuses) never leave the result short of `limit` when enough questions match.
    """
    params: dict[str, object] = {"query": query_vector_value(query), "exclude": list(exclude_ids), "limit": limit}
    if statuses is not None:
        params["statuses"] = list(statuses)
    if only_ids is not None:
        params["only"] = list(only_ids)
    statement = nearest_questions_statement(
        model, visible_only=visible_only, filter_statuses=statuses is not None, filter_ids=only_ids is not None
    )
    await configure_hnsw_search(session, ef_search, limit)
    rows = (await session.execute(statement, params)).all()
    # relaxed_order may return a slightly unsorted list; the caller gets it sorted. Weak matches are
    # cut after the LIMIT: as a WHERE clause they would make the index scan walk far past them.
    found = sorted((Neighbour(r.question_id, float(r.distance)) for r in rows), key=lambda n: n.distance)
    return [n for n in found if max_distance is None or n.distance <= max_distance]
