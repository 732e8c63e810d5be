import sys
from pathlib import Path

# The project is not necessarily pip-installed when tests run: make the repo root importable.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
