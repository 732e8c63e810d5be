"""The one embedding service of the app, and the rules for question embeddings and model switches.

    embedder = get_embedder(settings)                      # the configured model, loaded once per process
    model, embedder = await active_embedder(session, settings)   # the model queries must use now
    vectors = embedder.encode(texts)                        # sync, float32 (n, dim), L2-normalised
    vectors = await embedder.aencode(texts)                 # the same without blocking the event loop
    neighbours = await similar_questions(session, settings, text, limit=10, exclude_ids=[qid])

Switching models without downtime (the CLI runs these steps, see forum/embeddings/cli.py):
  1. start_model_switch: the new model is registered as 'pending', gets its own HNSW index, and
     one embed job per question is queued. From then on new and edited questions are embedded
     with both models; queries keep using the active one.
  2. activate_model, once every question has a vector of the new model: queries switch at their
     next call, the old model becomes 'retired' and keeps its vectors, so the switch can be undone.
  3. drop_model removes a retired model's vectors and index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from forum.embeddings import repository
from forum.embeddings.embedder import Embedder, aload_embedder, get_embedder, load_embedder, model_name_for
from forum.embeddings.repository import ModelRow, Neighbour
from forum.markdown import markdown_to_text
from forum.settings import Settings

__all__ = [
    "Embedder",
    "ModelSwitchError",
    "Neighbour",
    "activate_model",
    "active_embedder",
    "aload_embedder",
    "content_hash",
    "drop_model",
    "embed_questions",
    "get_embedder",
    "load_embedder",
    "model_name_for",
    "question_text",
    "similar_questions",
    "start_model_switch",
]


class ModelSwitchError(Exception):
    pass


def question_text(subject: str, body: str) -> str:
    """What a question's vector encodes: the subject, then the body as plain text."""
    return f"{subject.strip()}\n\n{markdown_to_text(body)}".strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def active_embedder(session: AsyncSession, settings: Settings) -> tuple[ModelRow, Embedder]:
    """The active model and its embedder, read per call so a switch reaches every process at once.

    The previous model's vectors stay until it is dropped, so a query encoded just before a
    switch is still answered.
    """
    model = await repository.active_model(session)
    if model is None:
        raise ModelSwitchError("no active embedding model: run `forum embed --model NAME --activate`")
    embedder = await aload_embedder(model.name, settings)
    if embedder.dim != model.dim:
        raise ModelSwitchError(f"model {model.name} encodes {embedder.dim} dimensions but {model.dim} are recorded")
    return model, embedder


async def similar_questions(
    session: AsyncSession,
    settings: Settings,
    text: str,
    *,
    limit: int = 10,
    exclude_ids: Sequence[int] = (),
    statuses: Sequence[str] | None = None,
    max_distance: float | None = None,
) -> list[Neighbour]:
    """Published questions nearest to `text` under the active model, nearest first."""
    model, embedder = await active_embedder(session, settings)
    vector = (await embedder.aencode([text]))[0]
    return await repository.nearest_questions(
        session,
        model,
        vector,
        limit=limit,
        exclude_ids=exclude_ids,
        statuses=statuses,
        max_distance=max_distance,
        ef_search=settings.embedding_ef_search,
    )


async def embed_questions(
    session: AsyncSession, settings: Settings, question_ids: Sequence[int], models: Sequence[str] | None = None
) -> int:
    """Bring the vectors of these questions up to date under every filled model (or the given ones).

    A question whose text hashes the same as its stored vector is not encoded again. Returns how
    many vectors were encoded. Questions deleted meanwhile are skipped.
    """
    targets = [m for m in await repository.filled_models(session) if models is None or m.name in models]
    sources = await repository.question_sources(session, question_ids) if targets else []
    if not sources:
        return 0
    fields = {source.id: field_texts(source) for source in sources}
    hashes = {qid: fields_hash(texts) for qid, texts in fields.items()}
    encoded = 0
    for model in targets:
        stored = await repository.stored_embeddings(session, model.name, list(fields))

        def current(s: repository.QuestionSource) -> bool:
            row = stored.get(s.id)
            return row is not None and row.has_field_vectors and row.content_hash == hashes[s.id]

        changed = [s for s in sources if not current(s)]
        await repository.bump_source_versions(session, model.name, [(s.id, s.version) for s in sources if current(s)])
        if not changed:
            continue
        embedder = await aload_embedder(model.name, settings)
        if embedder.dim != model.dim:
            raise ModelSwitchError(f"model {model.name} encodes {embedder.dim} dimensions but {model.dim} are recorded")
        # One model call for every field of the batch; unanswered questions have no answer to encode.
        texts = [t for s in changed for t in fields[s.id] if t is not None]
        vectors = iter(await embedder.aencode(texts))
        rows = []
        for s in changed:
            whole, subject, answer = (None if t is None else next(vectors) for t in fields[s.id])
            rows.append(repository.EmbeddingRow(s.id, hashes[s.id], s.version, whole, subject, answer))
        await repository.upsert_embeddings(session, model.name, model.dim, rows)
        encoded += len(changed)
    return encoded


def fields_hash(texts: Sequence[str | None]) -> str:
    """One hash over every field: any of them changing means encoding the question again."""
    return content_hash("\x1f".join(t or "" for t in texts))


def field_texts(source: repository.QuestionSource) -> tuple[str, str, str | None]:
    """What each of a question's vectors encodes: the whole question, its subject, its answer."""
    answer = markdown_to_text(source.answer).strip() if source.answer else ""
    return question_text(source.subject, source.body), source.subject.strip(), answer or None


async def start_model_switch(session: AsyncSession, settings: Settings, name: str, *, create_index: bool = True) -> tuple[ModelRow, int]:
    """Register `name` as pending and queue its backfill; returns the model and the jobs queued.

    create_index=False when the caller builds the index itself with CREATE INDEX CONCURRENTLY,
    which cannot run inside this transaction (the CLI does).
    """
    embedder = await aload_embedder(name, settings)
    existing = await repository.get_model(session, name)
    if existing is not None and existing.dim != embedder.dim:
        raise ModelSwitchError(f"{name} is recorded with {existing.dim} dimensions but encodes {embedder.dim}")
    model = await repository.add_pending_model(session, name, embedder.dim)
    if create_index:
        await repository.create_model_index(session, name, embedder.dim)
    queued = await repository.enqueue_backfill(session, name)
    return model, queued


async def activate_model(session: AsyncSession, name: str, *, force: bool = False) -> ModelRow:
    """Make `name` the model queries use; refused while questions still lack its vectors (unless forced)."""
    model = await repository.get_model(session, name)
    if model is None:
        raise ModelSwitchError(f"unknown embedding model {name}: start with `forum embed --model {name}`")
    missing = await repository.count_missing(session, name)
    if missing and not force:
        raise ModelSwitchError(f"{missing} questions have no up-to-date vector of {name} yet; let the worker finish")
    await repository.set_active(session, name)
    return ModelRow(model.name, model.dim, "active")


async def drop_model(session: AsyncSession, name: str, *, drop_index: bool = True) -> None:
    model = await repository.get_model(session, name)
    if model is None:
        raise ModelSwitchError(f"unknown embedding model {name}")
    if model.status == "active":
        raise ModelSwitchError(f"{name} is the active model; activate another one first")
    await repository.delete_model(session, name)
    if drop_index:
        await repository.drop_model_index(session, name)
