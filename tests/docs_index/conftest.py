import sys
from pathlib import Path

# The project is not necessarily pip-installed when tests run: make the repo root importable.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


import pytest  # noqa: E402

from forum.embeddings.service import Embedder, get_embedder  # noqa: E402
from forum.embeddings.repository import ModelRow  # noqa: E402
from forum.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def embedder(test_settings: Settings) -> Embedder:
    # get_embedder caches per process: every test package shares the one loaded model.
    return get_embedder(test_settings)


@pytest.fixture(scope="session")
def load_embedder(embedder: Embedder):
    """What index_docs calls for a model's embedder; only the packaged model is filled in tests."""

    async def load(model: ModelRow) -> Embedder:
        assert model.name == embedder.model_name, model
        return embedder

    return load
