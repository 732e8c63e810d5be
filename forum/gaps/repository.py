"""All SQL of docs gaps: evidence, gaps and their members, runs, the "possibly addressed" check
(GitHub issue records and the schedule: forum/gaps/issues_repository.py).

Nothing here begins or commits; the caller (a request, a job, a CLI command) owns the transaction.
Vectors are read in pgvector's binary form (vector_send) and decoded by numpy in one call each,
instead of parsing 384 decimal numbers per vector from text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, String

from forum.embeddings.repository import ModelRow, query_vector_bind, query_vector_sql, query_vector_value, sql_literal, vector_type
from forum.gaps.detection import Evidence
from forum.gaps.identity import KnownGap

_LOCK_KEY = int.from_bytes(hashlib.sha1(b"docs_gaps_detect").digest()[:8], "big", signed=True)
# The subject and the start of the body say what a question is about; the rest costs labelling time.
BODY_CHARS = 400


def _ids(name: str = "ids") -> Any:
    return bindparam(name, type_=ARRAY(BigInteger))


def decode_vector(raw: bytes) -> np.ndarray:
    """pgvector's binary form: int16 dimensions, int16 unused, then big-endian float32s."""
    dim = int.from_bytes(raw[:2], "big")
    return np.frombuffer(raw, dtype=">f4", count=dim, offset=4).astype(np.float32)


async def lock_detection(session: AsyncSession) -> None:
    """Two runs at once (the schedule and a CLI run) would both create the same new gaps."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


# -- evidence ---------------------------------------------------------------------------------------
_EVIDENCE = text(
    "WITH imp AS ("
    "  SELECT question_id, bool_or(best_docs_similarity IS NULL OR best_docs_similarity < :weak) AS weak, "
    "  bool_or(helpful IS FALSE) AS rejected FROM suggestion_impressions WHERE question_id IS NOT NULL GROUP BY question_id"
    "), cand AS ("
    "  SELECT q.id, q.subject, left(q.body, :body_chars) AS body, q.created_at, q.view_count, q.status, "
    "  (q.status = 'open' AND q.created_at <= :cutoff) AS unanswered, "
    "  (q.status = 'answered' AND q.created_at <= :cutoff) AS no_solution, "
    "  coalesce(imp.weak, false) AS weak, coalesce(imp.rejected, false) AS rejected, coalesce(c.docs_gap, false) AS tagged, "
    "  (coalesce(c.state = 'converted', false) OR EXISTS (SELECT 1 FROM tickets t WHERE t.question_id = q.id)) AS escalated "
    "  FROM questions q LEFT JOIN imp ON imp.question_id = q.id LEFT JOIN support_cases c ON c.question_id = q.id "
    "  WHERE q.published AND NOT q.archived"
    ") "
    "SELECT cand.*, vector_send(e.embedding) AS vector, "
    "(SELECT t.label FROM question_topics qt JOIN topics t ON t.id = qt.topic_id WHERE qt.question_id = cand.id "
    " ORDER BY qt.topic_id LIMIT 1) AS topic "
    "FROM cand JOIN question_embeddings e ON e.question_id = cand.id AND e.model = :model "
    "WHERE cand.unanswered OR cand.no_solution OR cand.weak OR cand.rejected OR cand.tagged ORDER BY cand.id"
)


_SIGNAL_COLUMNS = (("unanswered", "unanswered"), ("no_solution", "no_solution"), ("weak_docs_match", "weak"),
                   ("support_tagged", "tagged"), ("suggestions_rejected", "rejected"))


async def evidence(session: AsyncSession, model: str, cutoff: datetime, weak_similarity: float) -> tuple[list[Evidence], np.ndarray]:
    """Questions that count as gap evidence and have a vector of `model`, with the signals that made them so."""
    rows = await session.execute(_EVIDENCE, {"weak": weak_similarity, "cutoff": cutoff, "model": model, "body_chars": BODY_CHARS})
    found, vectors = [], []
    for r in rows:
        signals = tuple(name for name, column in _SIGNAL_COLUMNS if getattr(r, column))
        found.append(Evidence(r.id, signals, r.created_at, r.view_count, bool(r.escalated), r.subject, f"{r.subject}\n{r.body}", r.topic))
        vectors.append(decode_vector(r.vector))
    dim = len(vectors[0]) if vectors else 0
    return found, np.stack(vectors) if vectors else np.empty((0, dim), dtype=np.float32)


# -- gaps -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GapRow:
    id: int
    status: str
    model: str
    size: int
    score: float
    score_parts: dict[str, Any]
    terms: list[str]
    central_question_id: int | None
    title: str
    area: str | None
    placement: list[dict[str, Any]]
    docs_baseline_similarity: float | None
    possibly_addressed: bool
    addressed_by: dict[str, Any] | None
    addressed_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    dismissed_reason: str | None
    dismissed_at: datetime | None
    filed_url: str | None
    filed_at: datetime | None


_GAP_COLUMNS = (
    "id, status, model, size, score, score_parts, terms, central_question_id, title, area, placement, "
    "docs_baseline_similarity, possibly_addressed, addressed_by, addressed_at, first_seen_at, last_seen_at, "
    "dismissed_reason, dismissed_at, filed_url, filed_at"
)


def _gap(r: Any) -> GapRow:
    values = dict(r._mapping)
    return GapRow(**{**values, "terms": list(values["terms"]), "placement": list(values["placement"])})


async def known_gaps(session: AsyncSession, model: str) -> list[KnownGap]:
    """Every gap ever found, with its latest members; centroids only where they are of `model`."""
    rows = await session.execute(
        text(
            "SELECT g.id, g.status, g.model, vector_send(g.centroid) AS centroid, "
            "coalesce(array_agg(m.question_id) FILTER (WHERE m.question_id IS NOT NULL), '{}') AS members "
            "FROM docs_gaps g LEFT JOIN docs_gap_members m ON m.gap_id = g.id GROUP BY g.id ORDER BY g.id"
        )
    )
    return [
        KnownGap(r.id, r.status, frozenset(r.members), decode_vector(r.centroid) if r.model == model else None) for r in rows
    ]


async def start_run(session: AsyncSession, model: str, method: str, params: dict[str, Any]) -> int:
    row = await session.execute(
        text("INSERT INTO docs_gap_runs (model, method, params) VALUES (:model, :method, CAST(:params AS jsonb)) RETURNING id"),
        {"model": model, "method": method, "params": json.dumps(params)},
    )
    return int(row.scalar_one())


async def finish_run(session: AsyncSession, run_id: int, *, evidence: int, clustered: int, gaps: int, new_gaps: int, seconds: float) -> None:
    await session.execute(
        text(
            "UPDATE docs_gap_runs SET evidence = :evidence, clustered = :clustered, gaps = :gaps, new_gaps = :new_gaps, "
            "seconds = :seconds, finished_at = clock_timestamp() WHERE id = :id"
        ),
        {"id": run_id, "evidence": evidence, "clustered": clustered, "gaps": gaps, "new_gaps": new_gaps, "seconds": seconds},
    )


def _gap_params(values: dict[str, Any], dim: int) -> tuple[Any, dict[str, Any]]:
    params = {**values, "score_parts": json.dumps(values["score_parts"]), "placement": json.dumps(values["placement"])}
    binds = (bindparam("centroid", type_=Vector(dim)), bindparam("terms", type_=ARRAY(String)))
    return binds, params


async def insert_gap(session: AsyncSession, values: dict[str, Any], dim: int) -> int:
    """values: model, centroid, size, score, score_parts, terms, central_question_id, title, area,
    placement, docs_baseline_similarity, run_id."""
    binds, params = _gap_params(values, dim)
    row = await session.execute(
        text(
            "INSERT INTO docs_gaps (model, dim, centroid, size, score, score_parts, terms, central_question_id, title, area, "
            "placement, docs_baseline_similarity, last_run_id) VALUES (:model, :dim, :centroid, :size, :score, "
            "CAST(:score_parts AS jsonb), :terms, :central_question_id, :title, :area, CAST(:placement AS jsonb), "
            ":docs_baseline_similarity, :run_id) RETURNING id"
        ).bindparams(*binds),
        {**params, "dim": dim},
    )
    return int(row.scalar_one())


async def update_gap(session: AsyncSession, gap_id: int, values: dict[str, Any], dim: int) -> None:
    """A gap seen again: new members' figures; filed and dismissed stay so, a vanished one is open again.
    The baseline is kept from when it was found, unless the model changed (then it is measured anew)."""
    binds, params = _gap_params(values, dim)
    await session.execute(
        text(
            "UPDATE docs_gaps SET status = CASE WHEN status = 'vanished' THEN 'open' ELSE status END, "
            "docs_baseline_similarity = CASE WHEN model = :model THEN coalesce(docs_baseline_similarity, "
            ":docs_baseline_similarity) ELSE :docs_baseline_similarity END, "
            "model = :model, dim = :dim, centroid = :centroid, size = :size, score = :score, "
            "score_parts = CAST(:score_parts AS jsonb), terms = :terms, central_question_id = :central_question_id, "
            "title = :title, area = :area, placement = CAST(:placement AS jsonb), "
            "last_seen_at = now(), last_run_id = :run_id, updated_at = now() WHERE id = :id"
        ).bindparams(*binds),
        {**params, "dim": dim, "id": gap_id},
    )


async def replace_members(session: AsyncSession, gap_id: int, members: Sequence[tuple[int, Sequence[str], bool, float]]) -> None:
    """members: (question_id, signals, escalated, similarity). Questions that stay keep their added_at."""
    ids = [m[0] for m in members]
    await session.execute(
        text("DELETE FROM docs_gap_members WHERE gap_id = :gap AND NOT (question_id = ANY(:ids))").bindparams(_ids()),
        {"gap": gap_id, "ids": ids},
    )
    if not members:
        return
    await session.execute(
        text(
            "INSERT INTO docs_gap_members (gap_id, question_id, signals, escalated, similarity) "
            "VALUES (:gap, :question_id, :signals, :escalated, :similarity) ON CONFLICT (gap_id, question_id) DO UPDATE "
            "SET signals = excluded.signals, escalated = excluded.escalated, similarity = excluded.similarity"
        ).bindparams(bindparam("signals", type_=ARRAY(String))),
        [{"gap": gap_id, "question_id": q, "signals": list(s), "escalated": e, "similarity": sim} for q, s, e, sim in members],
    )


async def vanish_unseen(session: AsyncSession, run_id: int) -> int:
    """Open gaps this run did not find: their questions were answered, or no longer cluster."""
    result = await session.execute(
        text(
            "UPDATE docs_gaps SET status = 'vanished', updated_at = now() "
            "WHERE status = 'open' AND last_run_id IS DISTINCT FROM :run"
        ),
        {"run": run_id},
    )
    return result.rowcount or 0


async def list_gaps(
    session: AsyncSession, *, status: str | None, addressed: bool | None, limit: int, offset: int
) -> tuple[list[GapRow], int]:
    where = "(CAST(:status AS text) IS NULL OR status = :status) AND (CAST(:addressed AS boolean) IS NULL OR possibly_addressed = :addressed)"
    params = {"status": status, "addressed": addressed, "limit": limit, "offset": offset}
    rows = await session.execute(
        text(f"SELECT {_GAP_COLUMNS} FROM docs_gaps WHERE {where} ORDER BY score DESC, id LIMIT :limit OFFSET :offset"), params
    )
    total = await session.execute(text(f"SELECT count(*) FROM docs_gaps WHERE {where}"), params)
    return [_gap(r) for r in rows], int(total.scalar_one())


async def get_gap(session: AsyncSession, gap_id: int, *, for_update: bool = False) -> GapRow | None:
    row = (
        await session.execute(
            text(f"SELECT {_GAP_COLUMNS} FROM docs_gaps WHERE id = :id{' FOR UPDATE' if for_update else ''}"), {"id": gap_id}
        )
    ).first()
    return None if row is None else _gap(row)


async def set_status(session: AsyncSession, gap_id: int, status: str, *, actor_id: int | None, reason: str | None = None, url: str | None = None) -> None:
    """dismissed (with a reason), filed (with the issue URL) or open again; who and when are kept.

    Dismissed and filed exclude each other: entering one clears the other's fields (a reopened gap
    still shows why it was dismissed or where it was filed, until it is settled again)."""
    await session.execute(
        text(
            "WITH v AS (SELECT CAST(:status AS varchar) AS status, CAST(:reason AS text) AS reason, CAST(:url AS text) AS url, "
            "CAST(:actor AS integer) AS actor) "
            "UPDATE docs_gaps g SET status = v.status, updated_at = now(), "
            "dismissed_reason = CASE v.status WHEN 'dismissed' THEN v.reason WHEN 'filed' THEN NULL ELSE g.dismissed_reason END, "
            "dismissed_by_id = CASE v.status WHEN 'dismissed' THEN v.actor WHEN 'filed' THEN NULL ELSE g.dismissed_by_id END, "
            "dismissed_at = CASE v.status WHEN 'dismissed' THEN now() WHEN 'filed' THEN NULL ELSE g.dismissed_at END, "
            "filed_url = CASE v.status WHEN 'filed' THEN v.url WHEN 'dismissed' THEN NULL ELSE g.filed_url END, "
            "filed_by_id = CASE v.status WHEN 'filed' THEN v.actor WHEN 'dismissed' THEN NULL ELSE g.filed_by_id END, "
            "filed_at = CASE v.status WHEN 'filed' THEN now() WHEN 'dismissed' THEN NULL ELSE g.filed_at END FROM v WHERE g.id = :id"
        ),
        {"id": gap_id, "status": status, "actor": actor_id, "reason": reason, "url": url},
    )


@dataclass(frozen=True)
class MemberRow:
    question_id: int
    subject: str
    permalink: str
    status: str
    created_at: datetime
    views: int
    reply_count: int
    signals: list[str]
    escalated: bool
    similarity: float
    added_at: datetime


async def members(session: AsyncSession, gap_id: int) -> list[MemberRow]:
    rows = await session.execute(
        text(
            "SELECT q.id AS question_id, q.subject, q.permalink, q.status, q.created_at, q.view_count AS views, q.reply_count, "
            "m.signals, m.escalated, m.similarity, m.added_at FROM docs_gap_members m JOIN questions q ON q.id = m.question_id "
            "WHERE m.gap_id = :gap ORDER BY m.similarity DESC, q.id"
        ),
        {"gap": gap_id},
    )
    return [MemberRow(**{**r._mapping, "signals": list(r.signals)}) for r in rows]


@dataclass(frozen=True)
class AnswerRow:
    reply_id: int
    question_id: int
    body: str
    created_at: datetime
    votes: int
    author: str
    staff: bool
    accepted: bool


async def answers(session: AsyncSession, question_ids: Sequence[int], limit: int) -> list[AnswerRow]:
    """Replies already given to these questions by someone other than the asker: support's first."""
    rows = await session.execute(
        text(
            "SELECT r.id AS reply_id, r.question_id, r.body, r.created_at, r.upvotes - r.downvotes AS votes, p.display_name AS author, "
            "p.role IN ('support', 'admin', 'moderator') AS staff, coalesce(q.resolved_by_id = r.id, false) AS accepted "
            "FROM replies r JOIN questions q ON q.id = r.question_id JOIN profiles p ON p.id = r.author_id "
            "WHERE r.question_id = ANY(:ids) AND r.published AND r.author_id <> q.author_id "
            "ORDER BY staff DESC, accepted DESC, votes DESC, r.created_at, r.id LIMIT :limit"
        ).bindparams(_ids()),
        {"ids": list(question_ids), "limit": limit},
    )
    return [AnswerRow(**r._mapping) for r in rows]


# -- "possibly addressed" ---------------------------------------------------------------------------
@dataclass(frozen=True)
class UnaddressedGap:
    id: int
    centroid: np.ndarray
    since: datetime
    baseline: float | None


async def gaps_to_check(session: AsyncSession, model: str) -> list[UnaddressedGap]:
    rows = await session.execute(
        text(
            "SELECT id, vector_send(centroid) AS centroid, first_seen_at, docs_baseline_similarity FROM docs_gaps "
            "WHERE status IN ('open', 'filed') AND NOT possibly_addressed AND model = :model ORDER BY id"
        ),
        {"model": model},
    )
    return [UnaddressedGap(r.id, decode_vector(r.centroid), r.first_seen_at, r.docs_baseline_similarity) for r in rows]


async def nearest_changed_chunk(session: AsyncSession, model: ModelRow, vector: np.ndarray, since: datetime) -> dict[str, Any] | None:
    """The docs chunk changed after `since` that is nearest to `vector` (exact: changed chunks are few)."""
    row = (
        await session.execute(
            text(
                f"SELECT c.id, c.url, c.heading_path, c.text, c.updated_at, p.title, "
                f"1 - ((e.embedding::{vector_type(model.dim)}) <=> {query_vector_sql('query', model.dim)}) AS similarity "
                "FROM docs_chunks c JOIN docs_pages p ON p.id = c.page_id "
                f"JOIN docs_chunk_embeddings e ON e.chunk_id = c.id AND e.model = {sql_literal(model.name)} "
                "WHERE c.updated_at > :since ORDER BY similarity DESC LIMIT 1"
            ).bindparams(query_vector_bind("query")),
            {"query": query_vector_value(vector), "since": since},
        )
    ).first()
    if row is None:
        return None
    return {"chunk_id": row.id, "url": row.url, "page_title": row.title, "heading_path": list(row.heading_path),
            "text": row.text, "updated_at": row.updated_at.isoformat(), "similarity": round(float(row.similarity), 4)}


async def mark_addressed(session: AsyncSession, gap_id: int, chunk: dict[str, Any]) -> None:
    await session.execute(
        text(
            "UPDATE docs_gaps SET possibly_addressed = true, addressed_by = CAST(:chunk AS jsonb), addressed_at = now(), "
            "updated_at = now() WHERE id = :id"
        ),
        {"id": gap_id, "chunk": json.dumps(chunk)},
    )


# -- evaluation data (forum eval gaps) --------------------------------------------------------------
async def question_vectors(session: AsyncSession, model: str, question_ids: Sequence[int]) -> np.ndarray:
    """Vectors of `model` for these questions, in their order (each must have one)."""
    rows = await session.execute(
        text("SELECT question_id, vector_send(embedding) AS vector FROM question_embeddings WHERE model = :model AND question_id = ANY(:ids)")
        .bindparams(_ids()),
        {"model": model, "ids": list(question_ids)},
    )
    found = {r.question_id: decode_vector(r.vector) for r in rows}
    missing = [q for q in question_ids if q not in found]
    if missing:
        raise LookupError(f"{len(missing)} questions have no vector of {model} (first: {missing[0]})")
    return np.stack([found[q] for q in question_ids])


async def set_question_history(session: AsyncSession, history: Sequence[tuple[int, datetime, int, str | None]]) -> None:
    """(question_id, asked at, views, topic label): an imported site's questions as they were, one topic per label."""
    labels = sorted({label for _, _, _, label in history if label})
    if labels:
        await session.execute(
            text("INSERT INTO topics (label, slug) SELECT l, 'eval-' || l FROM unnest(CAST(:labels AS text[])) AS l ON CONFLICT DO NOTHING"),
            {"labels": labels},
        )
    await session.execute(
        text("UPDATE questions SET created_at = :at, updated_at = :at, active_at = :at, view_count = :views WHERE id = :id"),
        [{"id": q, "at": at, "views": views} for q, at, views, _ in history],
    )
    tagged = [{"id": q, "slug": f"eval-{label}"} for q, _, _, label in history if label]
    if tagged:
        await session.execute(
            text("INSERT INTO question_topics (question_id, topic_id) SELECT :id, t.id FROM topics t WHERE t.slug = :slug"), tagged
        )
