"""Job handlers of embeddings, run by forum.jobs.worker (which owns the transaction)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.embeddings import service
from forum.embeddings.repository import EMBED_QUESTION
from forum.jobs.worker import current_settings, job_handler


@job_handler(EMBED_QUESTION, batch=True)
async def embed_question(session: AsyncSession, payloads: list[dict[str, Any]]) -> None:
    """payload: {"question_id": id} from question.created/edited (every filled model), or
    {"question_id": id, "model": name} from a backfill (that model only). One model call per model per batch."""
    by_model: dict[str | None, set[int]] = defaultdict(set)
    for payload in payloads:
        by_model[payload.get("model")].add(int(payload["question_id"]))
    settings = current_settings()
    for model, question_ids in by_model.items():
        await service.embed_questions(session, settings, sorted(question_ids), models=None if model is None else [model])
