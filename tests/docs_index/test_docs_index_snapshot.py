"""The docs index held in memory for suggestions: it ranks like BM25 over PostgreSQL's own lexemes,
and a process notices every change to the index, including one that was rolled back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from docs_index import snapshot as docs_snapshot
from docs_index.indexer import index_docs
from forum.embeddings.repository import active_model
from tests.docs_index.test_docs_index_store import PAGES, write


def tree_of(root: Path, pages: dict[str, str]) -> Path:
    for path, content in pages.items():
        write(root, path, content)
    return root


async def search(session, query_text: str) -> docs_snapshot.DocsSearch:
    return await docs_snapshot.docs_search(session, await active_model(session), query_text, max_terms=32)


def urls(found: docs_snapshot.DocsSearch, hits) -> list[str]:
    return [found.snapshot.rows[h.chunk_id].url for h in hits]


async def test_words_rank_sections_by_bm25(tmp_path, db_session, load_embedder):
    await index_docs(db_session, tree_of(tmp_path, PAGES), load_embedder=load_embedder)

    found = await search(db_session, "How do I turn on autocapture for clicks?")
    hits = found.snapshot.bm25(found.lexemes, limit=10)
    assert found.lexemes[:3] == ["turn", "autocaptur", "click"], "PostgreSQL's english stemming, stop words dropped, in typed order"
    assert urls(found, hits)[0] == "/docs/getting-started#configure-autocapture"
    assert [h.rank for h in hits] == sorted((h.rank for h in hits), reverse=True)

    # A word in three sections tells less than one in a single section.
    rare = found.snapshot.bm25(["cancel"], limit=10)
    common = found.snapshot.bm25(["flag"], limit=10)
    assert len(rare) == 1 and len(common) >= 3 and rare[0].rank > common[0].rank

    nothing = await search(db_session, "the of and")
    assert nothing.lexemes == [] and nothing.snapshot.bm25(nothing.lexemes, limit=10) == []


async def test_title_rank_counts_words_of_the_page_title_and_headings(tmp_path, db_session, load_embedder):
    await index_docs(db_session, tree_of(tmp_path, PAGES), load_embedder=load_embedder)
    found = await search(db_session, "billing usage")

    hits = {urls(found, [h])[0]: h for h in found.snapshot.bm25(found.lexemes, limit=10, with_title=True)}

    assert hits["/docs/billing#how-is-usage-billed"].title_rank > hits["/docs/billing#cancelling-your-plan"].title_rank > 0
    assert all(h.title_rank == 0 for url, h in hits.items() if not url.startswith("/docs/billing"))


async def test_the_word_still_being_typed_counts_as_the_words_it_begins(tmp_path, db_session, load_embedder):
    await index_docs(db_session, tree_of(tmp_path, PAGES), load_embedder=load_embedder)

    typing = await docs_snapshot.docs_search(
        db_session, await active_model(db_session), "how do I configure autocap", max_terms=32, unfinished_word="autocap"
    )
    assert typing.unfinished == "autocap"
    assert urls(typing, typing.snapshot.bm25(typing.lexemes, limit=10, unfinished=typing.unfinished))[0] == (
        "/docs/getting-started#configure-autocapture"
    )
    # Read as a whole word, "autocap" is in no section.
    alone = await search(db_session, "autocap")
    assert alone.snapshot.bm25(alone.lexemes, limit=10) == []

    # A finished word still counts whole: its completions hold it, with all or most of the weight.
    finished = await search(db_session, "cancel")
    assert urls(finished, finished.snapshot.bm25(finished.lexemes, limit=10, unfinished="cancel")) == ["/docs/billing#cancelling-your-plan"]


async def test_an_unfinished_word_is_read_as_its_likeliest_completions(tmp_path, db_session, load_embedder):
    """"rep" is more likely "replay" (in three sections) than "report" (in one): replay sections come
    first, though "report", being rarer, would win if every completion counted in full."""
    pages = {
        "replay/index.md": "---\ntitle: Replay\n---\n\n## Watch a replay\n\nOpen a replay from the list.\n",
        "replay/privacy.md": "---\ntitle: Replay privacy\n---\n\n## Masking\n\nEvery replay masks inputs.\n",
        "replay/sharing.md": "---\ntitle: Sharing\n---\n\n## Share a link\n\nSend a replay link to a teammate.\n",
        "reports.md": "---\ntitle: Exports\n---\n\n## Export\n\nDownload the monthly report as CSV.\n",
    } | {
        f"other/{topic}.md": f"---\ntitle: {topic.title()}\n---\n\n## About {topic}\n\nHow {topic} works.\n"
        for topic in ("surveys", "experiments", "cohorts", "actions", "dashboards", "insights")
    }
    await index_docs(db_session, tree_of(tmp_path, pages), load_embedder=load_embedder)
    found = await docs_snapshot.docs_search(db_session, await active_model(db_session), "rep", max_terms=32, unfinished_word="rep")

    completions = dict(found.snapshot.completions("rep"))
    assert set(completions) == {"replay", "report"} and completions["replay"] == 3 * completions["report"]
    ranked = urls(found, found.snapshot.bm25(found.lexemes, limit=10, unfinished=found.unfinished))
    assert len(ranked) == 4 and ranked[-1] == "/docs/reports#export"


async def test_the_copy_is_read_again_after_each_change_to_the_index(tmp_path, db_session, load_embedder):
    root = tree_of(tmp_path, PAGES)
    await index_docs(db_session, root, load_embedder=load_embedder)
    first = (await search(db_session, "refund")).snapshot
    assert (await search(db_session, "anything")).snapshot is first, "unchanged index, same copy"

    write(root, "billing.md", PAGES["billing.md"] + "\n## Refunds\n\nAsk support for a refund within 30 days.\n")
    await index_docs(db_session, root, load_embedder=load_embedder)
    found = await search(db_session, "refund")

    assert found.snapshot is not first
    assert urls(found, found.snapshot.bm25(found.lexemes, limit=10)) == ["/docs/billing#refunds"]


async def test_a_rolled_back_change_leaves_no_stale_copy(tmp_path, db_session, load_embedder):
    await index_docs(db_session, tree_of(tmp_path, PAGES), load_embedder=load_embedder)
    before = (await search(db_session, "cancel")).snapshot

    savepoint = await db_session.begin_nested()
    await db_session.execute(text("DELETE FROM docs_pages WHERE path = 'billing.md'"))
    during = (await search(db_session, "cancel")).snapshot
    assert not any(row.page_path == "billing.md" for row in during.rows.values())
    await savepoint.rollback()

    after = await search(db_session, "cancel")
    assert after.snapshot is not during
    assert urls(after, after.snapshot.bm25(after.lexemes, limit=10)) == ["/docs/billing#cancelling-your-plan"]
    assert set(after.snapshot.rows) == set(before.rows)

    # A different change after the rolled-back one must not be taken for it (as a counter would be).
    savepoint = await db_session.begin_nested()
    await db_session.execute(text("DELETE FROM docs_pages WHERE path = 'getting-started.md'"))
    other = (await search(db_session, "cancel")).snapshot
    await savepoint.rollback()
    pages = {row.page_path for row in other.rows.values()}
    assert "billing.md" in pages and "getting-started.md" not in pages


async def test_chunks_without_vectors_yet_are_left_out_of_the_vector_search_but_found_by_words(tmp_path, db_session, load_embedder, embedder):
    await index_docs(db_session, tree_of(tmp_path, PAGES), load_embedder=load_embedder)
    await db_session.execute(text("DELETE FROM docs_chunk_embeddings WHERE chunk_id IN (SELECT c.id FROM docs_chunks c WHERE c.url LIKE '/docs/billing%')"))

    found = await search(db_session, "cancel my plan")
    query = embedder.encode(["cancel my plan"])[0]
    billing = {c for c, row in found.snapshot.rows.items() if row.url.startswith("/docs/billing")}

    assert not billing & set(found.snapshot.vector_hits(query, limit=100).nearest)
    assert {h.chunk_id for h in found.snapshot.bm25(found.lexemes, limit=10)} & billing


async def test_requests_arriving_together_after_a_change_read_the_index_once(committed_sessionmaker, monkeypatch):
    """A re-index followed by a burst of keystrokes: one read of the index, shared by the burst."""
    import asyncio
    from collections import OrderedDict

    monkeypatch.setattr(docs_snapshot, "_snapshots", OrderedDict())  # as if the index had just changed
    reads = []
    real_load = docs_snapshot.load_snapshot

    async def counted_load(session, model):
        reads.append(model.name)
        return await real_load(session, model)

    monkeypatch.setattr(docs_snapshot, "load_snapshot", counted_load)

    async def keystroke(text: str):
        async with committed_sessionmaker() as session:
            return await search(session, text)

    found = await asyncio.gather(*(keystroke(f"feature flags {n}") for n in range(4)))

    assert len(reads) == 1
    assert len({id(f.snapshot) for f in found}) == 1
