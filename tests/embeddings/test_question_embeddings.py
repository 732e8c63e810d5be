"""Question vectors: filled by the worker from question events, kept fresh on edit, searched through HNSW."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, text

from forum.embeddings import repository, service
from forum.jobs.queue import emit
from forum.jobs.worker import Worker
from forum.models import QuestionEmbedding
from forum.models.embeddings import DEFAULT_EMBEDDING_MODEL
from forum.questions import service as questions_service
from tests.factories import make_profile, make_question, make_reply


@pytest.fixture
async def author(db_session):
    return await make_profile(db_session)


@pytest.fixture
def embed_worker(sessionmaker, test_settings, embedder):
    return Worker(sessionmaker, test_settings, kinds=[repository.EMBED_QUESTION])


async def _stored(session, question_id: int) -> QuestionEmbedding | None:
    query = select(QuestionEmbedding).where(QuestionEmbedding.question_id == question_id)
    return await session.scalar(query.execution_options(populate_existing=True))


async def _active(session):
    return await repository.active_model(session)


async def test_a_new_question_is_embedded_by_the_worker(db_session, author, embed_worker, embedder):
    question = await make_question(db_session, author, "Heatmaps not loading", "The **toolbar** opens but `heatmap` is empty.")
    await emit(db_session, "question.created", {"question_id": question.id})

    assert await embed_worker.run_until_idle() == 1

    stored = await _stored(db_session, question.id)
    assert (stored.model, stored.dim) == (DEFAULT_EMBEDDING_MODEL, 384)
    expected_text = "Heatmaps not loading\n\nThe toolbar opens but heatmap is empty."
    assert service.question_text(question.subject, question.body) == expected_text
    assert stored.content_hash == service.fields_hash([expected_text, "Heatmaps not loading", None])
    np.testing.assert_allclose(np.asarray(stored.embedding), embedder.encode([expected_text])[0], atol=1e-5)
    np.testing.assert_allclose(np.asarray(stored.subject_embedding), embedder.encode(["Heatmaps not loading"])[0], atol=1e-5)
    assert stored.answer_embedding is None  # nobody has answered yet


async def test_the_answer_vector_follows_the_best_reply_then_the_solution(db_session, author, embed_worker, embedder, test_settings):
    question = await make_question(db_session, author, "Heatmaps not loading", "The toolbar opens but the heatmap is empty.")
    helper, other = await make_profile(db_session), await make_profile(db_session)
    await make_reply(db_session, question, helper, "Turn on **heatmaps** in project settings.")
    await emit(db_session, "question.created", {"question_id": question.id})
    await embed_worker.run_until_idle()
    stored = await _stored(db_session, question.id)
    np.testing.assert_allclose(np.asarray(stored.answer_embedding), embedder.encode(["Turn on heatmaps in project settings."])[0], atol=1e-5)

    second = await make_reply(db_session, question, other, "Your CSP blocks the toolbar script.")
    await questions_service.mark_solution(db_session, author, question.permalink, second.id)
    assert await embed_worker.run_until_idle() >= 1
    stored = await _stored(db_session, question.id)
    np.testing.assert_allclose(np.asarray(stored.answer_embedding), embedder.encode(["Your CSP blocks the toolbar script."])[0], atol=1e-5)

    await questions_service.unmark_solution(db_session, author, question.permalink)
    await embed_worker.run_until_idle()
    stored = await _stored(db_session, question.id)
    np.testing.assert_allclose(np.asarray(stored.answer_embedding), embedder.encode(["Turn on heatmaps in project settings."])[0], atol=1e-5)


async def test_nearest_questions_rank_similar_ones_first_and_respect_filters(db_session, author, embedder, test_settings):
    flags = await make_question(db_session, author, "Feature flag is always false in React", "useFeatureFlagEnabled returns false.")
    nextjs = await make_question(db_session, author, "Flags not evaluated in my Next.js app", "isFeatureEnabled is undefined on first load.")
    billing = await make_question(db_session, author, "How do I get an invoice for my plan?", "Billing page shows nothing.")
    hidden = await make_question(db_session, author, "React feature flag returns false", "Same flag problem.", published=False)
    ids = [flags.id, nextjs.id, billing.id, hidden.id]
    assert await service.embed_questions(db_session, test_settings, ids) == 4
    model = await _active(db_session)
    query = embedder.encode(["my feature flags don't work in React"])[0]

    found = await repository.nearest_questions(db_session, model, query, limit=10)
    ours = [n.question_id for n in found if n.question_id in ids]
    assert ours[:2] == [flags.id, nextjs.id]
    assert ours[-1] == billing.id
    assert hidden.id not in ours  # unpublished questions are never suggested
    assert all(a.distance <= b.distance for a, b in zip(found, found[1:]))

    without = await repository.nearest_questions(db_session, model, query, limit=10, exclude_ids=[flags.id])
    assert flags.id not in [n.question_id for n in without]
    close = await repository.nearest_questions(db_session, model, query, limit=10, max_distance=found[0].distance + 0.05)
    assert billing.id not in [n.question_id for n in close]

    similar = await service.similar_questions(db_session, test_settings, "Feature flag is always false in React", limit=3)
    assert similar[0].question_id == flags.id


async def test_the_model_index_serves_nearest_queries(db_session, author, test_settings, embedder):
    question = await make_question(db_session, author, "Surveys do not show up", "Popover survey never appears.")
    await service.embed_questions(db_session, test_settings, [question.id])
    model = await _active(db_session)
    statement = repository.nearest_questions_statement(model, visible_only=True, filter_statuses=False)
    vector = repository.query_vector_value(embedder.encode(["survey"])[0])

    # Few rows make a scan and a sort cheaper; with both ruled out, the plan shows whether the query
    # can use the partial expression index at all (a bound model name or another cast could not).
    await db_session.execute(text("SET LOCAL enable_seqscan = off"))
    await db_session.execute(text("SET LOCAL enable_sort = off"))
    plan = await db_session.execute(text("EXPLAIN " + statement.text), {"query": vector, "exclude": [], "limit": 5})
    assert repository.hnsw_index_name(model.name) in "\n".join(plan.scalars())


async def test_an_edit_re_embeds_and_unchanged_text_is_not_encoded_again(db_session, author, embed_worker, embedder, test_settings):
    question = await make_question(db_session, author, "Cohort is empty", "My cohort has no persons.")
    await emit(db_session, "question.created", {"question_id": question.id})
    await embed_worker.run_until_idle()
    before = await _stored(db_session, question.id)
    old_vector, old_hash = np.asarray(before.embedding), before.content_hash

    question.body = "My **dynamic** cohort has no persons after changing the filter."
    question.version += 1
    await db_session.flush()
    await emit(db_session, "question.edited", {"question_id": question.id})
    await embed_worker.run_until_idle()

    after = await _stored(db_session, question.id)
    new_text = "Cohort is empty\n\nMy dynamic cohort has no persons after changing the filter."
    assert after.content_hash == service.fields_hash([new_text, "Cohort is empty", None]) != old_hash
    assert after.source_version == question.version
    np.testing.assert_allclose(np.asarray(after.embedding), embedder.encode([new_text])[0], atol=1e-5)
    assert not np.allclose(np.asarray(after.embedding), old_vector, atol=1e-3)

    # An edit that leaves subject and body alone (a status change) costs no model call.
    question.status = "answered"
    question.version += 1
    await db_session.flush()
    assert await service.embed_questions(db_session, test_settings, [question.id]) == 0
    unchanged = await _stored(db_session, question.id)
    assert unchanged.content_hash == after.content_hash
    assert unchanged.source_version == question.version


async def test_backfill_queues_each_missing_or_stale_question_once(db_session, author, embed_worker, test_settings):
    fresh = await make_question(db_session, author, "Exports to S3 fail")
    missing = await make_question(db_session, author, "Autocapture misses clicks")
    stale = await make_question(db_session, author, "Toolbar will not open")
    await service.embed_questions(db_session, test_settings, [fresh.id, stale.id])
    await db_session.execute(text("UPDATE questions SET body = 'It shows a blank page.', version = version + 1 WHERE id = :id"), {"id": stale.id})

    await repository.enqueue_backfill(db_session)
    assert await repository.enqueue_backfill(db_session) == 0  # already waiting: nothing queued twice
    queued = await db_session.execute(text("SELECT (payload->>'question_id')::bigint FROM jobs WHERE kind = 'embed_question' AND status = 'queued'"))
    queued_ids = set(queued.scalars())
    assert {missing.id, stale.id} <= queued_ids
    assert fresh.id not in queued_ids

    await embed_worker.run_until_idle()
    assert await repository.count_missing(db_session, DEFAULT_EMBEDDING_MODEL) == 0
    stored = await _stored(db_session, stale.id)
    assert stored.content_hash == service.fields_hash(["Toolbar will not open\n\nIt shows a blank page.", "Toolbar will not open", None])
