"""Walk a docs tree and chunk every page in it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .chunk import DEFAULT_MAX_CHARS, Chunk, chunk_page
from .parse import read_page

log = logging.getLogger(__name__)

PAGE_SUFFIXES = {".md", ".mdx"}


class ChunkedTree(NamedTuple):
    chunks: list[Chunk]
    warnings: list[str]


def iter_pages(root: Path) -> Iterator[Path]:
    """Page files under root in a stable order; `_snippets`-style partials and hidden paths are skipped."""
    root = Path(root)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.suffix in PAGE_SUFFIXES and path.is_file() and not any(p.startswith(("_", ".")) for p in rel.parts):
            yield path


def chunk_tree(root: Path, *, max_chars: int = DEFAULT_MAX_CHARS, url_prefix: str = "/docs") -> ChunkedTree:
    root = Path(root)
    chunks: list[Chunk] = []
    warnings: list[str] = []
    for path in iter_pages(root):
        try:
            page = read_page(path, root)
        except (OSError, UnicodeDecodeError) as exc:  # one unreadable file should not stop the index
            message = f"{path.relative_to(root).as_posix()}: unreadable ({exc})"
            log.warning(message)
            warnings.append(message)
            continue
        warnings.extend(page.warnings)
        chunks.extend(chunk_page(page, max_chars=max_chars, url_prefix=url_prefix))
    return ChunkedTree(chunks, warnings)
