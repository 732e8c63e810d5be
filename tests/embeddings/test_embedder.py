"""The embedding service: one real model per process, normalised vectors, an event loop never blocked."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from forum.embeddings.service import get_embedder, model_name_for
from forum.models.embeddings import DEFAULT_EMBEDDING_DIM, DEFAULT_EMBEDDING_MODEL
from forum.settings import Settings


def test_vectors_are_normalised_float32_of_the_model_dimension(embedder):
    vectors = embedder.encode(["How do I install PostHog on Django?", "Session replay is blank", ""])
    assert vectors.shape == (3, DEFAULT_EMBEDDING_DIM) == (3, embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_questions_are_nearer_than_unrelated_ones(embedder):
    query, similar, unrelated = embedder.encode(
        [
            "Feature flag always returns false in my React app",
            "useFeatureFlagEnabled is false even though the flag is on",
            "How can I download my invoice for last month?",
        ]
    )
    assert query @ similar > query @ unrelated + 0.2


def test_the_packaged_model_loads_once_and_is_recorded_under_its_hub_name(embedder, test_settings):
    assert model_name_for(test_settings.embedding_model) == DEFAULT_EMBEDDING_MODEL == embedder.model_name
    assert get_embedder(test_settings.replace(embedding_batch_size=8)) is embedder


def test_a_huge_text_encodes_like_its_beginning(embedder):
    start = "Events are not showing up in my dashboard after I upgraded posthog-js. " * 30
    huge = start + "x" * 5_000_000
    short, long = embedder.encode([start, huge])
    assert float(short @ long) > 0.99


async def test_aencode_keeps_the_event_loop_free_and_matches_encode(embedder):
    texts = [f"Question {i}: how do I group events by {i} properties in a trends insight?" for i in range(64)]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    vectors = await embedder.aencode(texts)
    task.cancel()
    assert ticks > 10  # the loop kept running while the model worked
    np.testing.assert_allclose(vectors, embedder.encode(texts), atol=1e-4)


async def test_concurrent_queries_are_coalesced_and_each_gets_its_own_vector(embedder, monkeypatch):
    texts = [f"cohort {i} is not updating after I changed its filters" if i % 2 else f"billing question {i}" for i in range(16)]
    expected = embedder.encode(texts)
    calls: list[int] = []
    real_encode = embedder._model.encode  # noqa: SLF001

    def counting_encode(sentences, **kwargs):
        calls.append(len(sentences))
        return real_encode(sentences, **kwargs)

    monkeypatch.setattr(embedder._model, "encode", counting_encode)  # noqa: SLF001
    results = await asyncio.gather(*(embedder.aencode([text]) for text in texts))

    for result, row in zip(results, expected):
        assert result.shape == (1, embedder.dim)
        np.testing.assert_allclose(result[0], row, atol=1e-4)
    assert sum(calls) == 16
    assert len(calls) < 16  # queries that arrived together shared model calls


def test_short_queries_take_onnx_runtime_and_get_the_same_vectors_as_torch(embedder):
    texts = ["How do I install PostHog on Django?", "Session replay is blank", "a"]
    assert embedder.query_runtime == "onnx"
    fast, reference = embedder.encode(texts), embedder.torch_only().encode(texts)
    assert float(np.min(np.sum(fast * reference, axis=1))) > 0.9999


def test_a_pipeline_onnx_cannot_reproduce_stays_on_torch(second_model):
    # Transformer -> Pooling -> Dense -> Normalize: the Dense layer is not part of the export.
    assert second_model.query_runtime == "torch"


def test_an_unknown_runtime_is_refused():
    with pytest.raises(ValueError, match="embedding_runtime"):
        Settings.from_env({"FORUM_EMBEDDING_RUNTIME": "gpu"})
