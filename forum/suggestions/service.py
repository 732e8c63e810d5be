"""Suggest previously answered questions and docs sections for a draft or an existing question.

`rank_questions` and `rank_docs` are the product's one scorer: the API, the related-questions
cache and `forum eval` all rank through them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from docs_index.snapshot import DocsSearch, docs_search
from forum.embeddings.repository import ModelRow, active_model
from forum.embeddings.embedder import Embedder
from forum.embeddings.service import active_embedder, question_text
from forum.models import Profile, Question
from forum.markdown import markdown_to_text
from forum.questions.schemas import excerpt
from forum.settings import Settings
from forum.suggestions import repository
from forum.suggestions.drafts import completed_draft, unfinished_word
from forum.suggestions.retrieval import Candidate, FusionWeights, fuse, fusion_weights, max_score
from forum.suggestions.schemas import DocSuggestion, QuestionSuggestion, SuggestionsOut
from forum.suggestions.snippets import snippet

#: Retrievers and re-rankers of questions; docs chunks have no subject or answer field.
ALL_SYSTEMS = ("vector", "fulltext", "title", "subject", "answer")
DOCS_SYSTEMS = ("vector", "fulltext", "title")
ANSWERED = ("answered", "resolved")
DOCS_SNIPPET_CHARS = 240


def weights_from(settings: Settings) -> FusionWeights:
    return FusionWeights(
        vector=settings.fusion_vector_weight,
        fulltext=settings.fusion_fulltext_weight,
        title=settings.fusion_title_weight,
        subject=settings.fusion_subject_weight,
        answer=settings.fusion_answer_weight,
        k=settings.fusion_k,
    )


@dataclass(frozen=True)
class Query:
    """A text and its vectors under the active model, encoded once per request."""

    text: str
    vector: np.ndarray  # subject and body
    subject_vector: np.ndarray
    model: ModelRow
    unfinished_word: str = ""  # see unfinished_word()


async def _encode(embedder: Embedder, text: str, subject: str) -> tuple[np.ndarray, np.ndarray]:
    # While only the subject is typed, the whole question is the subject: one forward pass, not two.
    subject = subject.strip() or text
    vectors = await embedder.aencode([text] if subject == text else [text, subject])
    return vectors[0], vectors[-1]


@dataclass(frozen=True)
class PendingQuery:
    """A query whose vectors are being encoded on the embedder's thread: its full-text searches,
    which need no vector, run in the meantime."""

    text: str
    model: ModelRow
    encoding: asyncio.Future[tuple[np.ndarray, np.ndarray]]
    unfinished_word: str = ""
    docs: DocsSearch | None = None  # read by start_query when it completed the unfinished word

    async def encoded(self) -> Query:
        # Shielded: both sides wait for the same encoding, and one being cancelled must not cancel it.
        vector, subject_vector = await asyncio.shield(self.encoding)
        return Query(self.text, vector, subject_vector, self.model, self.unfinished_word)


async def _encoded(query: Query | PendingQuery) -> Query:
    return await query.encoded() if isinstance(query, PendingQuery) else query


async def start_query(
    session: AsyncSession, settings: Settings, subject: str, body: str | None, *, as_typed: bool = False
) -> PendingQuery:
    """`as_typed`: the text is a draft being typed, whose last word may be unfinished."""
    text = question_text(subject, body or "")
    model, embedder = await active_embedder(session, settings)
    typing = unfinished_word(subject, body) if as_typed else ""
    docs = None
    embedded_text, embedded_subject = text, subject
    if typing:
        # The full text reads the unfinished word as typed; the embedding gets it completed from the
        # docs' and questions' words (drafts.py), so the docs index is read first, here, once.
        docs = await _docs_search(session, settings, model, text, typing)
        embedded_subject, embedded_body = await completed_draft(session, docs.snapshot, subject, body, typing)
        embedded_text = question_text(embedded_subject, embedded_body or "")
    return PendingQuery(text, model, asyncio.ensure_future(_encode(embedder, embedded_text, embedded_subject)), typing, docs)


async def encode_query(session: AsyncSession, settings: Settings, subject: str, body: str | None, *, as_typed: bool = False) -> Query:
    """`as_typed`: as start_query."""
    return await (await start_query(session, settings, subject, body, as_typed=as_typed)).encoded()


def _text_rankings(hits: Sequence[repository.TextHit]) -> dict[str, list[int]]:
    by_title = sorted((h for h in hits if h.title_rank > 0), key=lambda h: -h.title_rank)
    return {"fulltext": [h.key for h in hits], "title": [h.key for h in by_title]}


def _fused(
    found: repository.VectorCandidates,
    text_hits: Sequence[repository.TextHit] | None,
    systems: Sequence[str],
    weights: FusionWeights,
    limit: int,
) -> list[Candidate]:
    """Fuse the retrievers' rankings with the fields' rankings of the same candidates.

    Every candidate gets its exact similarity, so a match found by text only is judged on the
    same scale as one found by meaning.
    """
    rankings: dict[str, list[int]] = {}
    if "vector" in systems:
        rankings["vector"] = list(found.nearest)
    if text_hits is not None:
        rankings.update({name: keys for name, keys in _text_rankings(text_hits).items() if name in systems})
    pool = list(dict.fromkeys(key for keys in rankings.values() for key in keys))
    scores = found.scores
    for field in repository.SCORED_FIELDS:
        if field in systems:
            with_field = [key for key in pool if key in scores and field in scores[key].fields]
            rankings[field] = sorted(with_field, key=lambda key: -scores[key].fields[field])
    candidates = fuse(rankings, fusion_weights(weights), weights.k)[:limit]
    for candidate in candidates:
        candidate.similarity = scores[candidate.key].similarity if candidate.key in scores else None
    return candidates


def _uses_text(systems: Sequence[str]) -> bool:
    return bool({"fulltext", "title"} & set(systems))


def _uses_title(systems: Sequence[str], weights: FusionWeights) -> bool:
    # With no weight the title ranking changes nothing, and computing it doubles full text's per-term work.
    return "title" in systems and weights.title > 0


async def rank_questions(
    session: AsyncSession,
    settings: Settings,
    query: Query | PendingQuery,
    *,
    limit: int,
    exclude_ids: Sequence[int] = (),
    only_ids: Sequence[int] | None = None,
    systems: Sequence[str] = ALL_SYSTEMS,
    weights: FusionWeights | None = None,
) -> list[Candidate]:
    """Questions ranked by fused vector and full-text rank, each with its cosine similarity. A query
    still being encoded is waited for only after its full-text search."""
    pool = max(limit, settings.suggestions_candidates)
    weights = weights or weights_from(settings)
    text_hits = None
    if _uses_text(systems):
        text_hits = await repository.fulltext_questions(
            session, query.text, limit=pool, max_terms=settings.suggestions_max_terms, exclude_ids=exclude_ids, only_ids=only_ids,
            with_title=_uses_title(systems, weights), unfinished_word=query.unfinished_word,
        )
    query = await _encoded(query)
    found = await repository.question_vector_candidates(
        session, query.model, query.vector, query.subject_vector, limit=pool, ef_search=settings.embedding_ef_search,
        extra_ids=[h.key for h in text_hits or ()], exclude_ids=exclude_ids, only_ids=only_ids, search="vector" in systems,
    )
    return _fused(found, text_hits, systems, weights, limit)


async def _docs_search(session: AsyncSession, settings: Settings, model: ModelRow, text: str, unfinished: str) -> DocsSearch:
    return await docs_search(session, model, text, max_terms=settings.suggestions_max_terms, unfinished_word=unfinished)


async def find_docs(session: AsyncSession, settings: Settings, query: Query | PendingQuery) -> DocsSearch:
    """The docs index in memory and the query's lexemes: the one database read docs ranking needs."""
    if isinstance(query, PendingQuery) and query.docs is not None:
        return query.docs
    return await _docs_search(session, settings, query.model, query.text, query.unfinished_word)


async def load_docs_index(session: AsyncSession) -> None:
    """Reads the docs index into this process's memory, as the first suggestion request would."""
    model = await active_model(session)
    if model is not None:
        await docs_search(session, model, "", max_terms=1)


async def rank_docs(
    session: AsyncSession,
    settings: Settings,
    query: Query | PendingQuery,
    *,
    limit: int,
    systems: Sequence[str] = DOCS_SYSTEMS,
    found: DocsSearch | None = None,
) -> list[Candidate]:
    """Docs chunks ranked the same way as questions, from the in-memory index (docs_index/snapshot.py).
    With `found` (find_docs' result), no database read: it can run beside the question searches."""
    pool = max(limit, settings.suggestions_candidates)
    weights = weights_from(settings)
    found = found or await find_docs(session, settings, query)
    text_hits = None
    if _uses_text(systems):
        text_hits = [
            repository.TextHit(h.chunk_id, h.rank, h.title_rank)
            for h in found.snapshot.bm25(
                found.lexemes, limit=pool, with_title=_uses_title(systems, weights), unfinished=found.unfinished
            )
        ]
    query = await _encoded(query)
    hits = found.snapshot.vector_hits(query.vector, limit=pool, extra_ids=[h.key for h in text_hits or ()], search="vector" in systems)
    candidates = repository.VectorCandidates(hits.nearest, {key: repository.PoolScores(s, {}) for key, s in hits.similarities.items()})
    return _fused(candidates, text_hits, systems, weights, limit)


def _strong(candidates: list[Candidate], minimum: float) -> list[Candidate]:
    return [c for c in candidates if c.similarity is not None and c.similarity >= minimum]


async def question_suggestions(
    session: AsyncSession, settings: Settings, query: Query | PendingQuery, exclude_ids: Sequence[int] = ()
) -> list[QuestionSuggestion]:
    ranked = await rank_questions(session, settings, query, limit=settings.suggestions_candidates, exclude_ids=exclude_ids)
    ranked = _strong(ranked, settings.suggestions_min_question_similarity)
    rows = await repository.question_rows(session, [c.key for c in ranked])
    # Questions with an answer help the asker now; open ones only say "you are not alone".
    ranked.sort(key=lambda c: rows[c.key].status not in ANSWERED if c.key in rows else True)
    top = max_score(weights_from(settings), ALL_SYSTEMS)
    out = []
    for candidate in ranked[: settings.suggestions_question_limit]:
        row = rows.get(candidate.key)
        if row is None:
            continue
        out.append(
            QuestionSuggestion(
                id=row.id,
                permalink=row.permalink,
                subject=row.subject,
                status=row.status,
                reply_count=row.reply_count,
                score=round(candidate.score / top, 4),
                similarity=round(candidate.similarity or 0.0, 4),
                answer_excerpt=excerpt(row.solution_excerpt_source) if row.solution_excerpt_source else None,
            )
        )
    return out


async def docs_suggestions(
    session: AsyncSession, settings: Settings, query: Query | PendingQuery, found: DocsSearch | None = None
) -> list[DocSuggestion]:
    found = found or await find_docs(session, settings, query)
    ranked = await rank_docs(session, settings, query, limit=settings.suggestions_candidates, found=found)
    ranked = _strong(ranked, settings.suggestions_min_docs_similarity)
    snapshot = found.snapshot
    top = max_score(weights_from(settings), DOCS_SYSTEMS)
    out: list[DocSuggestion] = []
    seen_pages: set[str] = set()
    seen_texts: set[str] = set()
    asked = [*found.lexemes, *([found.unfinished] if found.unfinished else [])]
    for candidate in ranked:
        row = snapshot.rows.get(candidate.key)
        # One section per page: three sections of the same page crowd out the other pages. And one
        # copy of a section: docs repeat FAQ answers word for word (a troubleshooting page and a
        # common-questions page), and two identical snippets would waste a slot.
        if row is None or row.page_path in seen_pages or (same_text := " ".join(row.text.split())) in seen_texts:
            continue
        seen_pages.add(row.page_path)
        seen_texts.add(same_text)
        if row.id not in snapshot.plain_texts:
            snapshot.plain_texts[row.id] = markdown_to_text(row.text)
        out.append(
            DocSuggestion(
                url=row.url,
                page_title=row.page_title,
                heading=row.heading_path[-1] if row.heading_path else None,
                heading_path=row.heading_path,
                snippet=snippet(snapshot.plain_texts[row.id], asked, DOCS_SNIPPET_CHARS),
                score=round(candidate.score / top, 4),
                similarity=round(candidate.similarity or 0.0, 4),
            )
        )
        if len(out) == settings.suggestions_docs_limit:
            break
    return out


async def _suggestions_for(
    session: AsyncSession, settings: Settings, subject: str, body: str | None, exclude_ids: Sequence[int] = (), *, as_typed: bool = False
) -> tuple[list[QuestionSuggestion], list[DocSuggestion]]:
    """Questions and docs for a text. The model encodes on its thread while PostgreSQL runs the
    questions' full-text search; the docs are ranked in memory meanwhile, once the vectors are there."""
    pending = await start_query(session, settings, subject, body, as_typed=as_typed)
    try:
        found = await find_docs(session, settings, pending)
        try:
            async with asyncio.TaskGroup() as sides:
                questions = sides.create_task(question_suggestions(session, settings, pending, exclude_ids))
                docs = sides.create_task(docs_suggestions(session, settings, pending, found))
        except BaseExceptionGroup as failed:
            # The error handlers know the sides' errors, not the group the task group wraps them in.
            raise failed.exceptions[0] from None
        return questions.result(), docs.result()
    finally:
        pending.encoding.cancel()  # a no-op once encoded; stops the work when a side failed first


async def suggest(
    session: AsyncSession, settings: Settings, subject: str, body: str | None, viewer: Profile | None, draft_id: str | None
) -> SuggestionsOut:
    questions, docs = await _suggestions_for(session, settings, subject, body, as_typed=True)
    impression_id = await repository.record_impression(
        session,
        {
            "draft_id": draft_id,
            "profile_id": viewer.id if viewer else None,
            "subject": subject[:300],
            "shown_question_ids": [q.id for q in questions],
            "shown_docs_urls": [d.url[:500] for d in docs],
            "best_question_similarity": max((q.similarity for q in questions), default=None),
            "best_docs_similarity": max((d.similarity for d in docs), default=None),
        },
    )
    return SuggestionsOut(impression_id=impression_id, questions=questions, docs=docs)


async def related(session: AsyncSession, settings: Settings, question: Question) -> SuggestionsOut:
    """Cached per question version and model; recomputed after an edit, a model switch or the cache's age."""
    model, _ = await active_embedder(session, settings)
    cached = await repository.cached_related(session, question.id)
    fresh_after = datetime.now(UTC) - timedelta(seconds=settings.related_cache_seconds)
    if cached and cached.question_version == question.version and cached.model == model.name and cached.computed_at > fresh_after:
        return SuggestionsOut.from_payload(cached.payload)
    questions, docs = await _suggestions_for(session, settings, question.subject, question.body, exclude_ids=[question.id])
    out = SuggestionsOut(impression_id=None, questions=questions, docs=docs)
    await repository.store_related(session, question.id, question.version, model.name, out.to_payload())
    return out
