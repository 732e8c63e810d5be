"""The real posthog.com docs sample in shared/data (not part of the repo)."""

import re
from pathlib import Path

import pytest

from docs_index import DEFAULT_MAX_CHARS, chunk_tree, iter_pages
from docs_index.markdown import parse

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "posthog-docs" / "docs"
JSX_TAG = re.compile(r"</?[A-Z][\w.]*(?:[\s/>]|$)|/>")
ESM_LINE = re.compile(r"^(?:import|export)\s", re.M)


@pytest.fixture(scope="module")
def corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"PostHog docs corpus not found at {CORPUS}")
    return chunk_tree(CORPUS)


def prose_of(markdown: str) -> list[str]:
    """Text of a chunk outside code blocks and code spans."""
    return [n.content for n in parse(markdown).walk() if n.type == "text"]


def test_every_page_produces_chunks(corpus):
    pages = {p.relative_to(CORPUS).as_posix() for p in iter_pages(CORPUS)}
    assert len(pages) >= 100
    assert {c.page_path for c in corpus.chunks} == pages


def test_no_mdx_leaks_into_prose(corpus):
    leaks = []
    for c in corpus.chunks:
        for text in prose_of(c.text):
            if JSX_TAG.search(text) or ESM_LINE.search(text):
                leaks.append((c.url, text[:80]))
    assert leaks == []


def test_known_anchors_exist(corpus):
    urls = {c.url for c in corpus.chunks}
    assert "/docs/product-analytics/funnels" in urls
    assert "/docs/product-analytics/funnels#graph-type" in urls
    assert "/docs/feature-flags/common-questions#why-is-my-feature-flag-not-working" in urls
    assert "/docs/libraries/js#track-across-marketing-website--app" in urls
    assert "/docs/cdp" in urls  # cdp/index.mdx


def test_code_is_flagged_and_prose_respects_the_cap(corpus):
    assert any(c.has_code and "```" in c.text for c in corpus.chunks)
    assert all(("```" in c.text) == c.has_code for c in corpus.chunks)
    assert all(len(c.text) <= DEFAULT_MAX_CHARS for c in corpus.chunks if not c.has_code)


def test_missing_snippets_are_warnings_not_failures(corpus):
    assert any("_snippets" in w for w in corpus.warnings)
    keys = [(c.page_path, c.ordinal) for c in corpus.chunks]
    assert len(set(keys)) == len(keys)
    assert len({c.content_hash for c in corpus.chunks}) == len(corpus.chunks)
