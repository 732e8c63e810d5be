"""The real embedding model, loaded once per test session, and a second real model for switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from forum.embeddings.service import Embedder, get_embedder, load_embedder
from forum.settings import Settings


@pytest.fixture(scope="session")
def embedder(test_settings: Settings) -> Embedder:
    return get_embedder(test_settings)


@pytest.fixture(scope="session")
def second_model(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, test_settings: Settings) -> Embedder:
    """A different sentence-transformers model (128 dims) saved to a path: the packaged encoder
    followed by a fixed random projection, so a switch also changes the dimension."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense, Normalize

    base = embedder._model  # noqa: SLF001 - reuse the loaded encoder rather than loading it twice
    generator = torch.Generator().manual_seed(7)
    weight = torch.randn(128, embedder.dim, generator=generator) / embedder.dim**0.5
    modules = [base[0], base[1], Dense(embedder.dim, 128, bias=False, activation_function=torch.nn.Identity(), init_weight=weight), Normalize()]
    path: Path = tmp_path_factory.mktemp("model") / "minilm-128"
    SentenceTransformer(modules=modules, device="cpu").save(str(path))
    return load_embedder(str(path), test_settings)
