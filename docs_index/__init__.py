"""Ingest a tree of Markdown/MDX docs pages and chunk it for retrieval (no DB, no embeddings)."""

from .chunk import DEFAULT_MAX_CHARS, Chunk, chunk_page
from .ingest import ChunkedTree, chunk_tree, iter_pages
from .parse import Page, parse_page, read_page
from .slug import Slugger, page_url, slugify

__all__ = [
    "DEFAULT_MAX_CHARS",
    "Chunk",
    "ChunkedTree",
    "Page",
    "Slugger",
    "chunk_page",
    "chunk_tree",
    "iter_pages",
    "page_url",
    "parse_page",
    "read_page",
    "slugify",
]
