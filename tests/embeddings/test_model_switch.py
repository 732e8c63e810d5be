"""Changing the embedding model: filled through the queue while queries keep working, then switched."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from forum.embeddings import repository, service
from forum.jobs.queue import emit
from forum.jobs.worker import Worker
from forum.models.embeddings import DEFAULT_EMBEDDING_MODEL
from tests.factories import make_profile, make_question

SUBJECTS = [
    "Session replay shows a black screen",
    "Feature flag payload is null",
    "How do I export events to BigQuery?",
    "Autocapture is not recording button clicks",
]


async def _vectors_per_model(session, question_id: int) -> dict[str, int]:
    rows = await session.execute(text("SELECT model, dim FROM question_embeddings WHERE question_id = :id"), {"id": question_id})
    return dict(rows.tuples().all())


async def test_switching_models_keeps_queries_working_throughout(db_session, sessionmaker, test_settings, embedder, second_model):
    author = await make_profile(db_session)
    questions = [await make_question(db_session, author, subject) for subject in SUBJECTS]
    await service.embed_questions(db_session, test_settings, [q.id for q in questions])
    worker = Worker(sessionmaker, test_settings, kinds=[repository.EMBED_QUESTION])
    new = second_model.model_name

    async def top_hit(subject: str) -> int:
        return (await service.similar_questions(db_session, test_settings, subject, limit=1))[0].question_id

    # 1. The new model is registered and its backfill queued: queries still use the old one.
    model, queued = await service.start_model_switch(db_session, test_settings, new)
    assert (model.status, model.dim) == ("pending", 128)
    assert queued >= len(questions)
    assert (await repository.active_model(db_session)).name == DEFAULT_EMBEDDING_MODEL
    assert await top_hit(SUBJECTS[0]) == questions[0].id
    with pytest.raises(service.ModelSwitchError, match="no up-to-date vector"):
        await service.activate_model(db_session, new)

    # 2. A question asked mid-switch gets vectors of both models.
    late = await make_question(db_session, author, "Surveys never appear on my site")
    await emit(db_session, "question.created", {"question_id": late.id})
    await worker.run_until_idle()
    assert await _vectors_per_model(db_session, late.id) == {DEFAULT_EMBEDDING_MODEL: 384, new: 128}
    assert await repository.count_missing(db_session, new) == 0
    assert await top_hit(SUBJECTS[1]) == questions[1].id  # still the old model, still answering

    # 3. Activation: queries now encode with the new model and search its vectors.
    await service.activate_model(db_session, new)
    active, active_embedder = await service.active_embedder(db_session, test_settings)
    assert (active.name, active.dim, active_embedder.dim) == (new, 128, 128)
    assert await top_hit(SUBJECTS[2]) == questions[2].id
    assert (await repository.get_model(db_session, DEFAULT_EMBEDDING_MODEL)).status == "retired"

    # 4. The retired model is dropped: its vectors go, queries are unaffected.
    await service.drop_model(db_session, DEFAULT_EMBEDDING_MODEL)
    assert await _vectors_per_model(db_session, late.id) == {new: 128}
    assert await top_hit("Surveys never appear on my site") == late.id
    with pytest.raises(service.ModelSwitchError, match="active model"):
        await service.drop_model(db_session, new)
