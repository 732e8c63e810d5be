"""Which pages of a docs tree need parsing again: a fingerprint per page file, no database.

A page's fingerprint covers everything its chunks are derived from, so an equal fingerprint
means its stored chunks are still exactly what chunking would produce now:
  - the file's bytes and its path (the URL comes from the path),
  - the chunking options (URL prefix, size cap),
  - the parsing code itself and the markdown-it-py version, so an upgrade re-chunks everything,
  - for a page that imports relative files (snippets), each file such an import could resolve
    to, present or not, and recursively their imports: a snippet that appears, changes or goes
    away must reach the pages that import it. Import sources are found with a looser pattern
    than the MDX cleaner's, as over-approximating costs a re-parse, never a re-embed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from .chunk import Chunk, chunk_page
from .ingest import iter_pages
from .mdx import SNIPPET_SUFFIXES
from .parse import Page, parse_page

log = logging.getLogger(__name__)

# The modules whose behaviour shapes chunks (not ingest/scan/store: they only move them around).
_PARSING_MODULES = ("chunk.py", "frontmatter.py", "jsx.py", "markdown.py", "mdx.py", "parse.py", "slug.py")
_RELATIVE_IMPORT = re.compile(rb"""(?:from|import)\s*(['"])(\.[^'"\n]*)\1""")
_MAX_IMPORT_DEPTH = 8  # snippets importing snippets; deeper chains are not real docs


@dataclass(frozen=True)
class PageFile:
    path: str  # POSIX, relative to the docs root
    file: Path
    data: bytes
    fingerprint: str


@dataclass(frozen=True)
class ScannedTree:
    pages: list[PageFile]
    # Page files that exist but could not be read this time: their stored chunks are kept, not deleted.
    unreadable: set[str]
    warnings: list[str]


@dataclass(frozen=True)
class ParsedPage:
    source: PageFile
    page: Page
    chunks: list[Chunk]


@cache
def parser_fingerprint() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _PARSING_MODULES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    digest.update(metadata.version("markdown-it-py").encode())
    return digest.hexdigest()


def scan_tree(root: Path, *, url_prefix: str, max_chars: int) -> ScannedTree:
    root = Path(root).resolve()
    pages: list[tuple[str, Path, bytes]] = []
    unreadable: set[str] = set()
    warnings: list[str] = []
    for file in iter_pages(root):
        rel = file.relative_to(root).as_posix()
        try:
            pages.append((rel, file, file.read_bytes()))
        except OSError as exc:
            unreadable.add(rel)
            warnings.append(_warn(f"{rel}: unreadable ({exc})"))
    options = f"{parser_fingerprint()}\0{url_prefix}\0{max_chars}".encode()
    scanned = []
    for rel, file, data in pages:
        parts = [options, rel.encode(), data, _imports_fingerprint(file, data, root)]
        scanned.append(PageFile(rel, file, data, hashlib.sha256(b"\0".join(parts)).hexdigest()))
    return ScannedTree(scanned, unreadable, warnings)


def parse_pages(root: Path, files: list[PageFile], *, url_prefix: str, max_chars: int) -> tuple[list[ParsedPage], list[str]]:
    """Parse and chunk these page files; one that is not UTF-8 or trips the parser is a warning
    and is left out (its stored chunks stay, and the next run tries it again)."""
    root = Path(root).resolve()
    parsed: list[ParsedPage] = []
    warnings: list[str] = []
    for source in files:
        try:
            text = source.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            warnings.append(_warn(f"{source.path}: unreadable ({exc})"))
            continue
        try:
            page = parse_page(text, source.path, source=source.file.resolve(), root=root)
            chunks = chunk_page(page, max_chars=max_chars, url_prefix=url_prefix)
        except Exception as exc:  # noqa: BLE001 - one page the parser trips on must not stop the whole index
            log.exception("parsing %s failed", source.path)
            warnings.append(f"{source.path}: could not be parsed ({type(exc).__name__}: {exc}); left as it was")
            continue
        parsed.append(ParsedPage(source, page, chunks))
    return parsed, warnings


def _imports_fingerprint(file: Path, data: bytes, root: Path) -> bytes:
    """Path, presence and content of every file the page's relative imports could name, recursively."""
    digest = hashlib.sha256()
    seen: set[Path] = set()
    pending = [(file.resolve(), data, 0)]
    while pending:
        source, content, depth = pending.pop()
        for match in _RELATIVE_IMPORT.finditer(content):
            src = match.group(2).decode("utf-8", "replace").replace("\\_", "_")  # MDX sometimes escapes "_"
            for candidate in _candidates(source.parent / src):
                if candidate in seen:
                    continue
                seen.add(candidate)
                try:
                    found = candidate.read_bytes() if candidate.is_relative_to(root) and candidate.is_file() else None
                except OSError:
                    found = None
                # Named relative to the root, so that the same tree elsewhere on disk has the same fingerprint.
                name = candidate.relative_to(root).as_posix() if candidate.is_relative_to(root) else str(candidate)
                digest.update(name.encode() + b"\0" + (hashlib.sha256(found).digest() if found is not None else b"-"))
                if found is not None and depth < _MAX_IMPORT_DEPTH:
                    pending.append((candidate, found, depth + 1))
    return digest.hexdigest().encode() if seen else b""


def _candidates(base: Path) -> list[Path]:
    """Where an import source may resolve, as the MDX cleaner tries them (docs_index/mdx.py)."""
    if base.suffix in SNIPPET_SUFFIXES:
        paths = [base]
    else:
        paths = [Path(f"{base}{suffix}") for suffix in SNIPPET_SUFFIXES] + [base / f"index{suffix}" for suffix in SNIPPET_SUFFIXES]
    return [path.resolve() for path in paths]


def _warn(message: str) -> str:
    log.warning(message)
    return message
