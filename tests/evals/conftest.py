"""Fixtures for the evaluation tests: where the read-only shared datasets live."""

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]
# These tests need only the pure-Python forum.evals, so let them run from a bare checkout
# where the package is not installed into the virtualenv yet.
if importlib.util.find_spec("forum") is None:
    sys.path.insert(0, str(_REPO))

# The datasets sit next to the repository checkout, never inside it.
SHARED_DATA = _REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Callable[[str], Path]:
    """Returns a function mapping a path under shared/data to a Path, skipping the test when it is absent."""

    def require(relative: str) -> Path:
        path = SHARED_DATA / relative
        if not path.exists():
            pytest.skip(f"shared dataset not available: {path} (expected ../shared/data next to the repo)")
        return path

    return require
