"""Incremental re-indexing of a small docs tree into PostgreSQL with the real model.

Each index run commits, as `forum docs index` does, so timestamps and the deferred
(page, ordinal) uniqueness are the ones a real run would see; the tables are emptied afterwards.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docs_index import chunk_tree
from docs_index import store
from docs_index.indexer import IndexReport, index_docs
from docs_index.snapshot import docs_search, load_snapshot
from forum.cli import main
from forum.embeddings.repository import active_model, add_pending_model

PAGES = {
    "getting-started.md": """\
        ---
        title: Getting started
        ---
        Welcome to Acme analytics. This page explains how to install and configure it.

        ## Install the SDK

        Add the package to your web app:

        ```bash
        npm install acme-js
        ```

        ## Configure autocapture

        Autocapture records clicks, form submissions and pageviews without any code.

        ### Sampling

        Sample a share of sessions to cut recording costs on busy sites.
        """,
    "feature-flags/index.mdx": """\
        ---
        title: Feature flags
        ---
        import FlagNote from '../_snippets/flag-note.mdx'
        import Missing from '../_snippets/does-not-exist.mdx'

        Feature flags let you roll out features to some users before everyone.

        <FlagNote />

        ## Rollout percentage

        Release a flag to a percentage of users and raise it as confidence grows.

        ## Why is my feature flag not working?

        <Missing />

        Check that the flag is enabled, that the user matches its release conditions,
        and that your SDK has finished loading flags before you read them.
        """,
    "_snippets/flag-note.mdx": """\
        Flags are evaluated on the server and cached in the browser.
        """,
    "billing.md": """\
        ---
        title: Billing
        ---
        ## How is usage billed?

        Events are billed per million each month, with the first million free.

        ## Cancelling your plan

        You can cancel at any time from the billing settings page.
        """,
}


def write(root: Path, path: str, content: str) -> None:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(content), encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    for path, content in PAGES.items():
        write(root, path, content)
    return root


@pytest.fixture
async def docs_db(committed_sessionmaker: async_sessionmaker[AsyncSession]):
    async with committed_sessionmaker() as session:
        leftover = (await session.execute(text("SELECT count(*) FROM docs_pages"))).scalar_one()
    assert leftover == 0, "the docs tables of the test database should start empty"
    yield committed_sessionmaker
    async with committed_sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM docs_pages"))


@pytest.fixture
def reindex(docs_db: async_sessionmaker[AsyncSession], load_embedder):
    async def run(root: Path) -> IndexReport:
        async with docs_db() as session, session.begin():
            return await index_docs(session, root, load_embedder=load_embedder)

    return run


async def chunk_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, dict]:
    async with sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT c.id, c.url, c.ordinal, c.text, c.indexed_at, c.updated_at, "
                "(SELECT count(*) FROM docs_chunk_embeddings e WHERE e.chunk_id = c.id AND e.content_hash = "
                "CASE e.kind WHEN 'body' THEN c.content_hash ELSE c.heading_hash END) AS vectors "
                "FROM docs_chunks c"
            )
        )
        return {r.url: r._asdict() for r in rows}


async def search(sessionmaker: async_sessionmaker[AsyncSession], embedder, query: str) -> list[store.DocsHit]:
    async with sessionmaker() as session:
        model = await active_model(session)
        return await store.nearest_chunks(session, model, embedder.encode([query])[0], limit=3)


async def test_unchanged_tree_is_not_parsed_or_embedded_again(tree, reindex, docs_db):
    first = await reindex(tree)
    expected = chunk_tree(tree).chunks
    assert (first.pages, first.pages_parsed, first.chunks) == (3, 3, len(expected))
    assert (first.embedded, first.reused, first.deleted) == (len(expected), 0, 0)
    before = await chunk_rows(docs_db)
    assert set(before) == {c.url for c in expected}
    assert all(row["vectors"] == 2 for row in before.values())

    second = await reindex(tree)
    assert (second.pages_parsed, second.embedded, second.reused, second.deleted) == (0, 0, len(expected), 0)
    assert await chunk_rows(docs_db) == before


async def test_editing_a_section_reembeds_only_that_chunk(tree, reindex, docs_db, embedder):
    await reindex(tree)
    before = await chunk_rows(docs_db)
    cancelling = "/docs/billing#cancelling-your-plan"
    write(tree, "billing.md", PAGES["billing.md"].replace(
        "You can cancel at any time from the billing settings page.",
        "You can cancel at any time, and we refund unused prepaid credit within 30 days.",
    ))

    report = await reindex(tree)

    assert (report.pages_parsed, report.embedded, report.deleted) == (1, 1, 0)
    after = await chunk_rows(docs_db)
    edited = after[cancelling]
    assert edited["id"] == before[cancelling]["id"] and edited["indexed_at"] == before[cancelling]["indexed_at"]
    assert edited["updated_at"] > before[cancelling]["updated_at"] and "refund" in edited["text"]
    assert edited["vectors"] == 2
    assert {url: row for url, row in after.items() if url != cancelling} == {
        url: row for url, row in before.items() if url != cancelling
    }
    # The new vector is the one searched: a refund question finds the edited section.
    hits = await search(docs_db, embedder, "Can I get my money back after cancelling?")
    assert hits[0].url == cancelling


async def test_a_section_added_above_others_moves_them_without_reembedding(tree, reindex, docs_db):
    await reindex(tree)
    before = await chunk_rows(docs_db)
    write(tree, "billing.md", PAGES["billing.md"].replace(
        "## How is usage billed?", "## Free tier\n\n        Small projects never pay anything.\n\n        ## How is usage billed?"
    ))

    report = await reindex(tree)

    assert (report.embedded, report.deleted) == (1, 0)
    after = await chunk_rows(docs_db)
    assert set(after) - set(before) == {"/docs/billing#free-tier"}
    moved = after["/docs/billing#cancelling-your-plan"]
    assert moved["id"] == before["/docs/billing#cancelling-your-plan"]["id"]
    assert moved["ordinal"] == before["/docs/billing#cancelling-your-plan"]["ordinal"] + 1
    assert moved["updated_at"] == before["/docs/billing#cancelling-your-plan"]["updated_at"]


async def test_a_deleted_page_disappears_with_its_chunks(tree, reindex, docs_db):
    await reindex(tree)
    billing = [url for url in await chunk_rows(docs_db) if url.startswith("/docs/billing")]
    (tree / "billing.md").unlink()

    report = await reindex(tree)

    assert (report.pages, report.pages_deleted, report.deleted, report.embedded) == (2, 1, len(billing), 0)
    assert not [url for url in await chunk_rows(docs_db) if url.startswith("/docs/billing")]
    async with docs_db() as session:
        found = await docs_search(session, await active_model(session), "billed per million events", max_terms=32)
        assert found.snapshot.bm25(found.lexemes, limit=10) == []
        # A text vector and a heading vector per chunk, none left behind by the deleted page.
        assert (await session.execute(text("SELECT count(*) FROM docs_chunk_embeddings"))).scalar_one() == 2 * report.chunks


async def test_a_renamed_page_keeps_its_vectors(tree, reindex, docs_db):
    await reindex(tree)
    (tree / "plans").mkdir()
    (tree / "billing.md").rename(tree / "plans" / "billing.md")

    report = await reindex(tree)

    assert (report.pages_parsed, report.pages_deleted, report.embedded) == (1, 1, 0)
    urls = await chunk_rows(docs_db)
    assert "/docs/plans/billing#cancelling-your-plan" in urls and urls["/docs/plans/billing#cancelling-your-plan"]["vectors"] == 2
    assert not [url for url in urls if url.startswith("/docs/billing")]


async def test_a_missing_snippet_is_a_warning_and_the_rest_is_indexed(tree, reindex, docs_db):
    first = await reindex(tree)

    assert [w for w in first.warnings if "does-not-exist" in w] and all("does-not-exist" not in w or "feature-flags/index.mdx" in w for w in first.warnings)
    rows = await chunk_rows(docs_db)
    assert "evaluated on the server" in rows["/docs/feature-flags"]["text"]  # the snippet that exists is inlined
    assert "release conditions" in rows["/docs/feature-flags#why-is-my-feature-flag-not-working"]["text"]
    # An unchanged page is not parsed again, but its warning is still reported.
    second = await reindex(tree)
    assert second.pages_parsed == 0 and second.warnings == first.warnings


async def test_a_changed_snippet_reaches_the_page_that_imports_it(tree, reindex, docs_db):
    await reindex(tree)
    write(tree, "_snippets/flag-note.mdx", "Flags are evaluated locally when you use local evaluation.\n")

    report = await reindex(tree)

    assert (report.pages_parsed, report.embedded) == (1, 1)
    assert "local evaluation" in (await chunk_rows(docs_db))["/docs/feature-flags"]["text"]


async def test_search_finds_sections_by_meaning_and_by_words(tree, reindex, docs_db, embedder):
    await reindex(tree)

    hits = await search(docs_db, embedder, "my feature flag doesn't work, what should I check?")
    assert hits[0].url == "/docs/feature-flags#why-is-my-feature-flag-not-working"
    assert hits[0].page_title == "Feature flags" and hits[0].heading_path == ["Why is my feature flag not working?"]
    assert hits[0].page_url == "/docs/feature-flags" and "release conditions" in hits[0].snippet
    assert hits[0].score > hits[1].score

    async with docs_db() as session:
        found = await docs_search(session, await active_model(session), "How do I turn on autocapture for clicks?", max_terms=32)
    words = found.snapshot.bm25(found.lexemes, limit=10)
    assert found.snapshot.rows[words[0].chunk_id].url == "/docs/getting-started#configure-autocapture"
    related = found.snapshot.similarities(embedder.encode(["How do I install the SDK?"])[0]).max()
    unrelated = found.snapshot.similarities(embedder.encode(["a recipe for banana bread"])[0]).max()
    assert related > unrelated


async def test_similarities_take_the_nearer_of_a_chunks_two_vectors(tree, db_session, embedder, load_embedder):
    report = await index_docs(db_session, tree, load_embedder=load_embedder)
    model = await active_model(db_session)
    query = embedder.encode(["Why is my feature flag not working?"])[0]

    found = (await load_snapshot(db_session, model)).vector_hits(query, limit=report.chunks)
    hits = await store.nearest_chunks(db_session, model, query, limit=report.chunks)

    assert len(set(found.nearest)) == len(found.nearest) == report.chunks
    assert found.nearest == [hit.chunk_id for hit in hits]
    heading_only = float(query @ embedder.encode(["Feature flags > Why is my feature flag not working?"])[0])
    assert found.similarities[found.nearest[0]] == pytest.approx(heading_only, abs=1e-4)  # the heading vector, not the text one


async def test_similarities_of_chunks_another_retriever_found(tree, db_session, embedder, load_embedder):
    report = await index_docs(db_session, tree, load_embedder=load_embedder)
    model = await active_model(db_session)
    query = embedder.encode(["Why is my feature flag not working?"])[0]
    snapshot = await load_snapshot(db_session, model)
    everything = snapshot.vector_hits(query, limit=report.chunks)
    far_end = everything.nearest[-2:]

    near_two = snapshot.vector_hits(query, limit=2, extra_ids=far_end)
    only_extra = snapshot.vector_hits(query, limit=10, extra_ids=far_end, search=False)

    assert near_two.nearest == everything.nearest[:2]
    assert set(near_two.similarities) == {*everything.nearest[:2], *far_end}
    assert only_extra.nearest == [] and set(only_extra.similarities) == set(far_end)
    assert only_extra.similarities == pytest.approx({c: everything.similarities[c] for c in far_end}, abs=1e-5)


async def test_forum_docs_index_command(tree, docs_db, database_url):
    runner = CliRunner()
    invoke = lambda: asyncio.to_thread(runner.invoke, main, ["docs", "index", str(tree)], env={"DATABASE_URL": database_url})  # noqa: E731

    first = await invoke()
    assert first.exit_code == 0, first.output
    assert "does-not-exist" in first.stderr and "0 reused" in first.stdout

    second = await invoke()
    assert second.exit_code == 0, second.output
    assert "0 embedded" in second.stdout and "0 parsed" in second.stdout


async def test_a_pending_model_gets_docs_vectors_of_its_own(tree, db_session, embedder, load_embedder):
    """During a model switch the docs are filled for the new model too, so they are searchable the
    moment it is activated. The packaged model under a second name stands in for the new one."""
    await index_docs(db_session, tree, load_embedder=load_embedder)
    pending = await add_pending_model(db_session, "docs-test/minilm-copy", embedder.dim)

    async def load_either(model):
        return embedder if model.name == pending.name else await load_embedder(model)

    report = await index_docs(db_session, tree, load_embedder=load_either)

    assert (report.pages_parsed, report.embedded, report.reused) == (0, report.chunks, report.chunks)
    index_name = store.vector_index_name(pending.name)
    assert (await db_session.execute(text("SELECT to_regclass(:name)"), {"name": index_name})).scalar_one() == index_name
    hits = await store.nearest_chunks(db_session, pending, embedder.encode(["how do I install the SDK"])[0], limit=1)
    assert hits[0].url == "/docs/getting-started#install-the-sdk"
