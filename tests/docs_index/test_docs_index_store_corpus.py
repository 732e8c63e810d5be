"""The real posthog.com docs sample (../shared/data/posthog-docs/docs) indexed end to end with the real model.

Indexed once for the module, inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from docs_index import iter_pages, store
from docs_index.indexer import IndexReport, index_docs
from docs_index.snapshot import docs_search
from forum.embeddings.repository import ModelRow, active_model
from tests.conftest import SHARED_DATA


@pytest.fixture(scope="module")
def corpus_root():
    # The shared_data fixture is per test; the index is built once per module, so check here alike.
    path = SHARED_DATA / "posthog-docs" / "docs"
    if not path.is_dir():
        pytest.skip(f"shared dataset not available: {path} (expected ../shared/data next to the repo)")
    return path


@pytest.fixture(scope="module")
async def indexed(engine: AsyncEngine, corpus_root, load_embedder):
    async with engine.connect() as conn:
        transaction = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint")
        try:
            first = await index_docs(session, corpus_root, load_embedder=load_embedder)
            second = await index_docs(session, corpus_root, load_embedder=load_embedder)
            model = await active_model(session)
            yield session, model, first, second
        finally:
            await session.close()
            await transaction.rollback()


async def test_every_page_is_indexed_and_missing_snippets_are_warnings(indexed, corpus_root):
    session, _, first, _ = indexed
    first: IndexReport
    assert first.pages == len(list(iter_pages(corpus_root))) == 150
    assert first.embedded == first.chunks > 1000
    assert any("_snippets" in w and "cannot resolve import" in w for w in first.warnings)
    stored = (await session.execute(text("SELECT count(*) FROM docs_pages"))).scalar_one()
    assert stored == 150


async def test_an_unchanged_tree_is_reused_whole(indexed):
    _, _, first, second = indexed
    assert (second.pages_parsed, second.embedded, second.deleted) == (0, 0, 0)
    assert second.reused == first.chunks == second.chunks
    assert second.warnings == first.warnings


async def test_chunk_urls_carry_the_sites_anchors(indexed):
    session, *_ = indexed
    rows = await session.execute(
        text(
            "SELECT c.url, c.anchor, c.heading_path, p.title FROM docs_chunks c JOIN docs_pages p ON p.id = c.page_id "
            "WHERE p.path = 'product-analytics/funnels.mdx' ORDER BY c.ordinal"
        )
    )
    by_url = {r.url: r for r in rows}
    assert by_url["/docs/product-analytics/funnels#graph-type"].anchor == "graph-type"
    assert by_url["/docs/product-analytics/funnels#graph-type"].heading_path[-1] == "Graph type"
    assert by_url["/docs/product-analytics/funnels"].anchor is None


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("my feature flag isn't working, why?", "/docs/feature-flags/common-questions"),
        ("how can I make my SQL queries run faster", "/docs/data-warehouse/troubleshooting"),
    ],
)
async def test_a_question_like_a_heading_finds_its_page(indexed, embedder, question, page):
    session, model, *_ = indexed
    model: ModelRow
    hits = await store.nearest_chunks(session, model, embedder.encode([question])[0], limit=3)
    assert page in [hit.page_url for hit in hits], [hit.url for hit in hits]


async def test_full_text_search_ranks_the_section_that_names_the_words(indexed):
    session, model, *_ = indexed
    found = await docs_search(session, model, "speed up SQL queries", max_terms=24)
    urls = [found.snapshot.rows[hit.chunk_id].url for hit in found.snapshot.bm25(found.lexemes, limit=3)]
    assert urls and urls[0].endswith("#how-do-i-speed-up-my-sql-queries"), urls
