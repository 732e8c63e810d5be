"""All SQL of the docs index: pages, chunks and their vectors, the reads behind the in-memory copy
suggestions search (docs_index/snapshot.py), and the SQL searches docs gaps run.

Nothing here begins or commits: the caller (the CLI command, a job) owns the transaction, so a
re-index is all or nothing and readers see the old index until it commits.

Vector searches write the model name and dimension into the SQL text, as question search does
(forum/embeddings/repository.py): PostgreSQL only uses a model's partial expression HNSW index
when the query repeats its predicate and expression literally.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, Integer, Text

from forum import db
from forum.embeddings.repository import ModelRow, configure_hnsw_search, query_vector_bind, query_vector_sql, query_vector_value, sql_literal, vector_type

from .chunk import Chunk

# Any constant will do; it only has to differ from other advisory locks of the app.
_INDEX_LOCK_KEY = int.from_bytes(hashlib.sha1(b"docs_index").digest()[:8], "big", signed=True)
# Title and headings weigh more than body text, as a match in a heading usually names the topic.
_SEARCH_VECTOR = "setweight(to_tsvector('english', :headline), 'A') || setweight(to_tsvector('english', :text), 'B')"
_CHUNK_PARAMS = (bindparam("heading_path", type_=ARRAY(Text)),)
_FENCE_LINE = re.compile(r"^\s*(?:`{3,}|~{3,}).*$", re.M)
SNIPPET_CHARS = 300


@dataclass(frozen=True)
class StoredPage:
    id: int
    path: str
    title: str
    content_hash: str
    warnings: list[str]


@dataclass(frozen=True)
class StoredChunk:
    id: int
    page_id: int
    ordinal: int
    heading_path: list[str]
    url: str
    anchor: str | None
    content_hash: str


@dataclass(frozen=True)
class ChunkToEmbed:
    id: int
    kind: str  # 'body' or 'heading' (forum/models/docs.py)
    content_hash: str
    text: str


@dataclass(frozen=True)
class DocsHit:
    chunk_id: int
    url: str  # with the section's anchor
    page_url: str
    page_title: str
    heading_path: list[str]
    snippet: str
    score: float  # cosine similarity (1 - distance)


def _ids(name: str) -> object:
    return bindparam(name, type_=ARRAY(BigInteger))


def heading_text(chunk: Chunk) -> str:
    """What a chunk's 'heading' vector encodes: the breadcrumb that also opens Chunk.embed_text."""
    return " > ".join(chunk.breadcrumb)


def text_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _chunk_row(chunk: Chunk) -> dict[str, object]:
    return {
        "ordinal": chunk.ordinal,
        "heading_path": list(chunk.heading_path),
        "url": chunk.url,
        "anchor": chunk.anchor,
        "text": chunk.text,
        "has_code": chunk.has_code,
        "content_hash": chunk.content_hash,
        "heading_hash": text_hash(heading_text(chunk)),
        "headline": " ".join(chunk.breadcrumb),
    }


# -- writing the index ------------------------------------------------------------------------------
async def lock_index(session: AsyncSession) -> None:
    """One writer of the docs index at a time (a re-index, filling a model's vectors): two re-indexes
    would both insert the same new pages; the second waits for the first."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INDEX_LOCK_KEY})


async def stored_pages(session: AsyncSession) -> dict[str, StoredPage]:
    rows = await session.execute(text("SELECT id, path, title, content_hash, warnings FROM docs_pages"))
    return {r.path: StoredPage(r.id, r.path, r.title, r.content_hash, list(r.warnings)) for r in rows}


async def stored_chunks(session: AsyncSession, page_ids: Sequence[int]) -> dict[int, list[StoredChunk]]:
    rows = await session.execute(
        text(
            "SELECT id, page_id, ordinal, heading_path, url, anchor, content_hash FROM docs_chunks "
            "WHERE page_id = ANY(:page_ids) ORDER BY page_id, ordinal"
        ).bindparams(bindparam("page_ids", type_=ARRAY(Integer))),
        {"page_ids": list(page_ids)},
    )
    by_page: dict[int, list[StoredChunk]] = {}
    for r in rows:
        by_page.setdefault(r.page_id, []).append(
            StoredChunk(r.id, r.page_id, r.ordinal, list(r.heading_path), r.url, r.anchor, r.content_hash)
        )
    return by_page


async def save_page(
    session: AsyncSession, *, path: str, title: str, url: str, content_hash: str, warnings: list[str], changed: bool
) -> int:
    """Insert or update a page; `changed` (its chunks or title changed) moves updated_at."""
    row = await session.execute(
        text(
            "INSERT INTO docs_pages (path, title, url, content_hash, warnings) "
            "VALUES (:path, :title, :url, :content_hash, :warnings) "
            "ON CONFLICT (path) DO UPDATE SET title = excluded.title, url = excluded.url, "
            "content_hash = excluded.content_hash, warnings = excluded.warnings, "
            "updated_at = CASE WHEN :changed THEN now() ELSE docs_pages.updated_at END "
            "RETURNING id"
        ).bindparams(bindparam("warnings", type_=ARRAY(Text))),
        {"path": path, "title": title, "url": url, "content_hash": content_hash, "warnings": warnings, "changed": changed},
    )
    return int(row.scalar_one())


async def insert_chunks(session: AsyncSession, page_id: int, chunks: Sequence[Chunk]) -> None:
    if not chunks:
        return
    await session.execute(
        text(
            "INSERT INTO docs_chunks (page_id, ordinal, heading_path, url, anchor, text, has_code, content_hash, "
            "heading_hash, search_vector) VALUES (:page_id, :ordinal, :heading_path, :url, :anchor, :text, :has_code, "
            f":content_hash, :heading_hash, {_SEARCH_VECTOR})"
        ).bindparams(*_CHUNK_PARAMS),
        [{"page_id": page_id, **_chunk_row(chunk)} for chunk in chunks],
    )


async def rewrite_chunks(session: AsyncSession, rewrites: Sequence[tuple[int, Chunk]]) -> None:
    """New text for existing rows (an edited section keeps its id and indexed_at); (chunk id, chunk)."""
    if not rewrites:
        return
    await session.execute(
        text(
            "UPDATE docs_chunks SET ordinal = :ordinal, heading_path = :heading_path, url = :url, anchor = :anchor, "
            "text = :text, has_code = :has_code, content_hash = :content_hash, heading_hash = :heading_hash, "
            f"search_vector = {_SEARCH_VECTOR}, updated_at = now() WHERE id = :id"
        ).bindparams(*_CHUNK_PARAMS),
        [{"id": chunk_id, **_chunk_row(chunk)} for chunk_id, chunk in rewrites],
    )


async def move_chunks(session: AsyncSession, moves: Sequence[tuple[int, Chunk]]) -> None:
    """Same text at another position or anchor (a section added above it, a renamed duplicate heading)."""
    if not moves:
        return
    await session.execute(
        text(
            "UPDATE docs_chunks SET ordinal = :ordinal, heading_path = :heading_path, url = :url, anchor = :anchor WHERE id = :id"
        ).bindparams(*_CHUNK_PARAMS),
        [
            {"id": chunk_id, "ordinal": c.ordinal, "heading_path": list(c.heading_path), "url": c.url, "anchor": c.anchor}
            for chunk_id, c in moves
        ],
    )


async def delete_chunks(session: AsyncSession, chunk_ids: Sequence[int]) -> int:
    if not chunk_ids:
        return 0
    result = await session.execute(text("DELETE FROM docs_chunks WHERE id = ANY(:ids)").bindparams(_ids("ids")), {"ids": list(chunk_ids)})
    return result.rowcount or 0


async def delete_pages(session: AsyncSession, page_ids: Sequence[int]) -> int:
    """Delete pages with their chunks and vectors; returns how many chunks went with them."""
    if not page_ids:
        return 0
    params = {"page_ids": list(page_ids)}
    page_ids_param = bindparam("page_ids", type_=ARRAY(Integer))
    result = await session.execute(text("DELETE FROM docs_chunks WHERE page_id = ANY(:page_ids)").bindparams(page_ids_param), params)
    await session.execute(text("DELETE FROM docs_pages WHERE id = ANY(:page_ids)").bindparams(page_ids_param), params)
    return result.rowcount or 0


async def count_chunks(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT count(*) FROM docs_chunks"))).scalar_one())


# -- vectors ----------------------------------------------------------------------------------------
def vector_index_name(model: str) -> str:
    return f"ix_docs_chunk_embeddings_hnsw_{hashlib.sha1(model.encode()).hexdigest()[:10]}"


async def ensure_vector_index(session: AsyncSession, model: ModelRow) -> None:
    """The model's HNSW index, created on its first docs vectors (migration 0003 made the packaged model's)."""
    name = vector_index_name(model.name)
    if (await session.execute(text("SELECT to_regclass(:name)"), {"name": name})).scalar_one() is not None:
        return
    await session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {name} ON docs_chunk_embeddings "
            f"USING hnsw ((embedding::{vector_type(model.dim)}) vector_cosine_ops) WHERE model = {sql_literal(model.name)}"
        )
    )


# The vectors each chunk should have, as (kind, hash of the text it encodes).
_WANTED = "CROSS JOIN LATERAL (VALUES ('body', c.content_hash), ('heading', c.heading_hash)) AS want(kind, hash)"


async def copy_vectors_by_hash(session: AsyncSession, model: str) -> int:
    """Give chunks lacking a vector one that another row already has for the same text (a page
    moved or renamed, a section moved between pages, a long section's later parts sharing its
    heading): no need to encode it again."""
    result = await session.execute(
        text(
            "INSERT INTO docs_chunk_embeddings (chunk_id, model, kind, dim, content_hash, embedding) "
            "SELECT DISTINCT ON (c.id, want.kind) c.id, e.model, e.kind, e.dim, e.content_hash, e.embedding "
            f"FROM docs_chunks c {_WANTED} JOIN docs_chunk_embeddings e "
            "  ON e.model = :model AND e.kind = want.kind AND e.content_hash = want.hash AND e.chunk_id <> c.id "
            "WHERE NOT EXISTS (SELECT 1 FROM docs_chunk_embeddings x "
            "  WHERE x.chunk_id = c.id AND x.model = :model AND x.kind = want.kind AND x.content_hash = want.hash) "
            "ORDER BY c.id, want.kind "
            "ON CONFLICT (chunk_id, model, kind) DO UPDATE SET content_hash = excluded.content_hash, "
            "embedding = excluded.embedding, dim = excluded.dim, created_at = now()"
        ),
        {"model": model},
    )
    return result.rowcount or 0


async def chunks_missing_vectors(session: AsyncSession, model: str) -> list[ChunkToEmbed]:
    """The vectors of `model` that chunks lack for their current text, with the text to encode."""
    rows = await session.execute(
        text(
            "SELECT c.id, want.kind, want.hash, c.ordinal, c.heading_path, c.url, c.anchor, c.text, c.has_code, "
            f"p.path, p.title FROM docs_chunks c JOIN docs_pages p ON p.id = c.page_id {_WANTED} "
            "WHERE NOT EXISTS (SELECT 1 FROM docs_chunk_embeddings e "
            "  WHERE e.chunk_id = c.id AND e.model = :model AND e.kind = want.kind AND e.content_hash = want.hash) "
            "ORDER BY c.id, want.kind"
        ),
        {"model": model},
    )
    missing = []
    for r in rows:
        # Rebuilt as a Chunk so that what is encoded is defined in one place (Chunk.embed_text).
        chunk = Chunk(r.path, r.title, list(r.heading_path), r.url, r.anchor, r.text, r.has_code, r.ordinal)
        missing.append(ChunkToEmbed(r.id, r.kind, r.hash, chunk.embed_text if r.kind == "body" else heading_text(chunk)))
    return missing


async def save_vectors(session: AsyncSession, model: ModelRow, rows: Sequence[tuple[ChunkToEmbed, np.ndarray]]) -> None:
    if not rows:
        return
    await session.execute(
        text(
            "INSERT INTO docs_chunk_embeddings (chunk_id, model, kind, dim, content_hash, embedding) "
            "VALUES (:chunk_id, :model, :kind, :dim, :content_hash, :embedding) "
            "ON CONFLICT (chunk_id, model, kind) DO UPDATE SET content_hash = excluded.content_hash, "
            "embedding = excluded.embedding, dim = excluded.dim, created_at = now()"
        ).bindparams(bindparam("embedding", type_=Vector(model.dim))),
        [
            {"chunk_id": c.id, "model": model.name, "kind": c.kind, "dim": model.dim, "content_hash": c.content_hash, "embedding": vector}
            for c, vector in rows
        ],
    )


# -- search -----------------------------------------------------------------------------------------
_HIT_COLUMNS = "c.id, c.url, c.heading_path, c.text, p.title AS page_title, p.url AS page_url"


def _hit(row, score: float) -> DocsHit:  # noqa: ANN001 - a result row
    return DocsHit(row.id, row.url, row.page_url, row.page_title, list(row.heading_path), snippet(row.text), score)


def snippet(chunk_text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a chunk as one line of text, cut at a word: fence markers and line breaks removed."""
    flat = " ".join(_FENCE_LINE.sub(" ", chunk_text).split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def _distance_sql(model: ModelRow) -> str:
    return f"(e.embedding::{vector_type(model.dim)}) <=> {query_vector_sql('query', model.dim)}"


def _nearest_vectors_sql(model: ModelRow) -> str:
    """chunk_id and distance of the :fetch nearest vectors of `model` (the HNSW index scan)."""
    distance = _distance_sql(model)
    return (
        f"SELECT e.chunk_id, {distance} AS distance FROM docs_chunk_embeddings e "
        f"WHERE e.model = {sql_literal(model.name)} ORDER BY {distance} LIMIT :fetch"
    )


# -- the in-memory copy for suggestions (docs_index/snapshot.py) --------------------------------------
#: Without its row (deleted by hand) the index has no token: a new one each time, so no copy is kept.
_TOKEN_SQL = "coalesce((SELECT token::text FROM docs_index_state), 'none:' || gen_random_uuid())"


async def index_token(session: AsyncSession) -> str:
    return (await db.fetch(session, text(f"SELECT {_TOKEN_SQL} AS token"), {}))[0]["token"]


async def search_state(
    session: AsyncSession, query_text: str, *, max_terms: int, unfinished_word: str = ""
) -> tuple[str, list[str], str | None]:
    """The index's change token, the first `max_terms` lexemes of `query_text` in the order typed,
    and the lexeme of `unfinished_word` (None for none, or a stop word), all parsed by PostgreSQL's
    english configuration exactly as the chunks' search_vector was: one round trip."""
    statement = text(
        f"SELECT {_TOKEN_SQL} AS token, ARRAY(SELECT lexeme FROM "
        f"unnest(to_tsvector('english', :query_text)) ORDER BY positions[1], lexeme LIMIT {int(max_terms)}) AS lexemes, "
        "(SELECT lexeme FROM unnest(to_tsvector('english', :unfinished_word)) LIMIT 1) AS unfinished"
    )
    row = (await db.fetch(session, statement, {"query_text": query_text, "unfinished_word": unfinished_word}))[0]
    return row["token"], list(row["lexemes"]), row["unfinished"]


async def snapshot_chunks(session: AsyncSession) -> list:
    """Every chunk with what a suggestion shows, and its number of distinct lexemes (BM25's length)."""
    statement = text(
        "SELECT c.id, c.url, p.path, p.title, c.heading_path, c.text, length(c.search_vector) AS terms "
        "FROM docs_chunks c JOIN docs_pages p ON p.id = c.page_id ORDER BY c.id"
    )
    return await db.fetch(session, statement, {})


async def snapshot_postings(session: AsyncSession) -> list:
    """Per lexeme, the chunks holding it and how often, in the title and headings (weight A) and in the text (B)."""
    statement = text(
        "SELECT t.lexeme, array_agg(c.id ORDER BY c.id) AS chunk_ids, "
        "array_agg(cardinality(array_positions(t.weights, 'A')) ORDER BY c.id) AS in_heading, "
        "array_agg(cardinality(array_positions(t.weights, 'B')) ORDER BY c.id) AS in_text "
        "FROM docs_chunks c CROSS JOIN LATERAL unnest(c.search_vector) t GROUP BY t.lexeme"
    )
    return await db.fetch(session, statement, {})


async def snapshot_vectors(session: AsyncSession, model: ModelRow) -> list:
    """The chunks' vectors of `model` in pgvector's binary form (vector_send: a 4-byte header, then
    big-endian float4s), which numpy reads without parsing text."""
    statement = text(
        "SELECT chunk_id, kind, vector_send(embedding) AS vector FROM docs_chunk_embeddings "
        f"WHERE model = {sql_literal(model.name)}"
    )
    return await db.fetch(session, statement, {})


async def nearest_chunks(
    session: AsyncSession, model: ModelRow, query: np.ndarray | Sequence[float], *, limit: int = 10, ef_search: int = 100
) -> list[DocsHit]:
    """Docs chunks nearest to `query` (a vector of `model`) by cosine, best first; score = similarity
    to the nearer of the chunk's two vectors (text, heading)."""
    statement = text(
        f"WITH near AS ({_nearest_vectors_sql(model)}) "
        f"SELECT {_HIT_COLUMNS}, min(near.distance) AS distance FROM near "
        "JOIN docs_chunks c ON c.id = near.chunk_id JOIN docs_pages p ON p.id = c.page_id "
        "GROUP BY c.id, p.id ORDER BY distance, c.id LIMIT :limit"
    ).bindparams(query_vector_bind("query"))
    await configure_hnsw_search(session, ef_search, 2 * limit)
    rows = await session.execute(statement, {"query": query_vector_value(query), "limit": limit, "fetch": 2 * limit})
    return [_hit(r, 1.0 - float(r.distance)) for r in rows]
