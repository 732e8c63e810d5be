"""Which pages of a docs tree need parsing again: a fingerprint per page file, no database.

A page's fingerprint covers everything its chunks are derived from, so an equal fingerprint
means its stored chunks are still exactly what chunking would produce now:
  - the file's bytes and its path (the URL comes from the path),
  - the chunking options (URL prefix, size cap),
  - the parsing code itself and the markdown-it-py version, so an upgrade re-chunks everything,
  - for a page that imports relative files (snippets), every Markdown file in the tree: the
    import resolution lives in the MDX cleaner, and a snippet that appears, changes or goes
    away must reach the pages that import it. Over-approximating costs a re-parse, not a re-embed.
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
from .ingest import PAGE_SUFFIXES, iter_pages
from .parse import Page, parse_page

log = logging.getLogger(__name__)

# The modules whose behaviour shapes chunks (not ingest/scan/store: they only move them around).
_PARSING_MODULES = ("chunk.py", "frontmatter.py", "jsx.py", "markdown.py", "mdx.py", "parse.py", "slug.py")
# Deliberately loose: a false positive only ties the page to the tree fingerprint.
_RELATIVE_IMPORT = re.compile(rb"""(?:from|import)\s*['"]\.""")


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
    page_bytes = {rel: data for rel, _, data in pages}
    options = f"{parser_fingerprint()}\0{url_prefix}\0{max_chars}".encode()
    tree = None
    scanned = []
    for rel, file, data in pages:
        parts = [options, rel.encode(), data]
        if _RELATIVE_IMPORT.search(data):
            tree = tree or _tree_fingerprint(root, page_bytes)
            parts.append(tree.encode())
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


def _tree_fingerprint(root: Path, page_bytes: dict[str, bytes]) -> str:
    """Every Markdown file under root, snippets included, by path and content."""
    digest = hashlib.sha256()
    for file in sorted(root.rglob("*")):
        if file.suffix not in PAGE_SUFFIXES or not file.is_file():
            continue
        rel = file.relative_to(root).as_posix()
        try:
            data = page_bytes[rel] if rel in page_bytes else file.read_bytes()
        except OSError:
            data = b"\0unreadable"
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _warn(message: str) -> str:
    log.warning(message)
    return message
