"""Docs sections are suggested next to questions, linked with the anchor the docs site uses."""

from pathlib import Path

import pytest
from sqlalchemy import delete, text

from docs_index.indexer import index_docs
from forum.embeddings.service import embed_questions
from forum.models import Profile, Question
from forum.suggestions import service
from tests.conftest import app_client
from tests.factories import make_profile, make_question

PAGES = {
    "feature-flags/bootstrapping.md": """---
title: Bootstrapping feature flags
---

Flags load asynchronously, so the first render can show the wrong variant.

## Bootstrap flags from your server

Evaluate the flags on your server and pass them to `init` with the `bootstrap` option, so they are
ready before the first page load and nothing flickers.

## Troubleshooting

If flags are still undefined, check the distinct id you bootstrap with.
""",
    "billing/invoices.md": """---
title: Invoices
---

## Download an invoice

Invoices are listed in the billing settings of your organization; each has a PDF download link.
""",
    "session-replay/privacy.md": """---
title: Privacy controls
---

## Mask inputs

All input fields are masked by default in recordings.
""",
}


def write_tree(root: Path) -> Path:
    for rel, content in PAGES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


async def test_docs_sections_are_suggested_with_anchor_links(client, db_session, embedder, tmp_path):
    async def load(model):
        return embedder

    report = await index_docs(db_session, write_tree(tmp_path), load_embedder=load)
    assert report.chunks >= 4

    r = await client.post("/api/v1/suggestions", json={"subject": "my feature flags flicker on the first page load"})
    docs = r.json()["docs"]
    assert docs, r.text
    assert docs[0]["url"] == "/docs/feature-flags/bootstrapping#bootstrap-flags-from-your-server"
    assert docs[0]["page_title"] == "Bootstrapping feature flags" and docs[0]["heading"] == "Bootstrap flags from your server"
    assert "bootstrap" in docs[0]["snippet"]
    assert len({d["url"].split("#")[0] for d in docs}) == len(docs), "one section per page"

    invoice = (await client.post("/api/v1/suggestions", json={"subject": "where can I get a PDF of my invoice"})).json()["docs"]
    assert invoice[0]["url"] == "/docs/billing/invoices#download-an-invoice"

    unrelated = (await client.post("/api/v1/suggestions", json={"subject": "best banana bread recipe with walnuts"})).json()
    assert unrelated["docs"] == [], "weak docs matches are left out"


async def test_a_subject_paused_inside_a_word_finds_the_section_of_the_word(client, db_session, embedder, tmp_path):
    async def load(model):
        return embedder

    await index_docs(db_session, write_tree(tmp_path), load_embedder=load)

    docs = (await client.post("/api/v1/suggestions", json={"subject": "how do I bootstr"})).json()["docs"]

    assert docs and docs[0]["url"].startswith("/docs/feature-flags/bootstrapping"), docs


async def test_a_committed_reindex_reaches_the_next_request(test_settings, committed_sessionmaker, embedder, tmp_path):
    """Each process keeps the docs index in memory; a re-index by another process (committed here
    through another session) is what the very next request suggests."""

    async def load(model):
        return embedder

    root = write_tree(tmp_path)
    async with committed_sessionmaker() as session, session.begin():
        await index_docs(session, root, load_embedder=load)
        asker = await make_profile(session)
        question = await make_question(session, asker, "How do I stop feature flags flickering on page load?", "React app.")
        await embed_questions(session, test_settings, [question.id])
    try:
        async with app_client(test_settings, committed_sessionmaker) as client:
            before = await client.post("/api/v1/suggestions", json={"subject": "my feature flags flicker on the first page load"})
            assert before.status_code == 200, before.text
            assert [q["id"] for q in before.json()["questions"]] == [question.id]
            assert before.json()["docs"][0]["url"] == "/docs/feature-flags/bootstrapping#bootstrap-flags-from-your-server"

            (root / "feature-flags/bootstrapping.md").unlink()
            (root / "feature-flags/flicker.md").write_text(
                "---\ntitle: Flag flicker\n---\n\n## Stop flags flickering on page load\n\n"
                "Bootstrap the flags from your server so the first render shows the right variant.\n"
            )
            async with committed_sessionmaker() as session, session.begin():
                await index_docs(session, root, load_embedder=load)
            after = await client.post("/api/v1/suggestions", json={"subject": "my feature flags flicker on the first page load"})

        urls = [d["url"] for d in after.json()["docs"]]
        assert urls[0] == "/docs/feature-flags/flicker#stop-flags-flickering-on-page-load"
        assert not any(url.startswith("/docs/feature-flags/bootstrapping") for url in urls), "a deleted page is no longer suggested"
    finally:
        async with committed_sessionmaker() as session, session.begin():
            await session.execute(text("DELETE FROM suggestion_impressions WHERE subject LIKE 'my feature flags flicker%'"))
            await session.execute(text("DELETE FROM jobs WHERE (payload->>'question_id')::bigint = :id"), {"id": question.id})
            await session.execute(delete(Question).where(Question.id == question.id))
            await session.execute(delete(Profile).where(Profile.id == asker.id))
            await session.execute(text("DELETE FROM docs_pages WHERE path = ANY(:paths)"), {"paths": [*PAGES, "feature-flags/flicker.md"]})


async def test_a_failing_side_is_reported_as_itself(test_settings, committed_sessionmaker, monkeypatch):
    from docs_index.snapshot import DocsSnapshot

    def broken(*args, **kwargs):
        raise RuntimeError("docs index unavailable")

    monkeypatch.setattr(DocsSnapshot, "bm25", broken)
    async with committed_sessionmaker() as session:
        with pytest.raises(RuntimeError, match="docs index unavailable"):
            await service.suggest(session, test_settings, "feature flags flicker", None, None, None)


async def test_the_api_reads_the_docs_index_as_it_starts(test_settings, monkeypatch):
    """So the first person to type a question after a deploy does not wait for it."""
    import asyncio
    from collections import OrderedDict

    from docs_index import snapshot as docs_snapshot
    from forum.app import create_app

    monkeypatch.setattr(docs_snapshot, "_snapshots", OrderedDict())
    app = create_app(test_settings)  # no sessionmaker given: the app opens its own engine, as in production
    async with app.lifespan():
        for _ in range(200):
            if docs_snapshot._snapshots:
                break
            await asyncio.sleep(0.05)
        assert list(docs_snapshot._snapshots), "the docs index was read at start-up"


async def test_the_api_reads_a_changed_docs_index_before_anyone_asks(test_settings, committed_sessionmaker, embedder, tmp_path, monkeypatch):
    """A re-index by another process: each API process notices within docs_index_check_seconds and
    reads it, so the next person typing a question does not wait for that read."""
    import asyncio
    from collections import OrderedDict
    from dataclasses import replace

    from docs_index import snapshot as docs_snapshot
    from docs_index import store
    from forum.app import create_app

    async def load(model):
        return embedder

    async def loaded(token: str) -> bool:
        for _ in range(200):
            if any(key[0] == token for key in docs_snapshot._snapshots):
                return True
            await asyncio.sleep(0.05)
        return False

    monkeypatch.setattr(docs_snapshot, "_snapshots", OrderedDict())
    app = create_app(replace(test_settings, docs_index_check_seconds=0.1))
    try:
        async with app.lifespan():
            async with committed_sessionmaker() as session:
                assert await loaded(await store.index_token(session)), "read at start-up"
            async with committed_sessionmaker() as session, session.begin():
                await index_docs(session, write_tree(tmp_path), load_embedder=load)
            async with committed_sessionmaker() as session:
                assert await loaded(await store.index_token(session)), "read again after the re-index, with no request"
    finally:
        async with committed_sessionmaker() as session, session.begin():
            await session.execute(text("DELETE FROM docs_pages WHERE path = ANY(:paths)"), {"paths": list(PAGES)})


async def test_a_section_repeated_word_for_word_on_two_pages_is_suggested_once(client, db_session, embedder, tmp_path):
    async def load(model):
        return embedder

    answer = "Reduce the date range you query, filter with WHERE clauses, and use materialized views."
    for rel, title in [("warehouse/troubleshooting.md", "Troubleshooting"), ("warehouse/common-questions.md", "Common questions")]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\n---\n\n## How do I speed up my SQL queries?\n\n{answer}\n")
    (tmp_path / "warehouse/materialize.md").write_text(
        "---\ntitle: Materialized views\n---\n\n## Materialize a view\n\nMaterialized views store a SQL query's result so it runs faster.\n"
    )
    await index_docs(db_session, tmp_path, load_embedder=load)

    docs = (await client.post("/api/v1/suggestions", json={"subject": "How do I speed up my SQL queries"})).json()["docs"]
    snippets = [d["snippet"] for d in docs]
    assert snippets.count(answer) == 1, docs
    assert "/docs/warehouse/materialize#materialize-a-view" in [d["url"] for d in docs], "the freed slot goes to the next section"


LONG_SECTION = """---
title: Data retention
---

## How long we keep your data

Every project stores events, persons and recordings in the region you chose when you signed up.
Exports, the query editor and dashboards read from the same storage, so their numbers always agree
with each other, and sampling is never applied to saved insights unless you turn it on yourself.
Free projects keep session recordings for 30 days and events for one year; paid plans can extend the
recording retention period to 90 days in the project settings.
"""


async def test_a_docs_snippet_shows_the_sentence_that_answers_not_only_the_sections_start(client, db_session, embedder, tmp_path):
    """A long section answers in its last sentence: the snippet starts there, marked with an ellipsis."""

    async def load(model):
        return embedder

    (tmp_path / "privacy").mkdir()
    (tmp_path / "privacy" / "data-retention.md").write_text(LONG_SECTION)
    await index_docs(db_session, tmp_path, load_embedder=load)

    asked = (await client.post("/api/v1/suggestions", json={"subject": "How long is the recording retention period?"})).json()["docs"]
    assert asked and asked[0]["url"] == "/docs/privacy/data-retention#how-long-we-keep-your-data", asked
    assert asked[0]["snippet"].startswith("…Free projects keep session recordings for 30 days"), asked[0]["snippet"]

    # Asked about what the section opens with, it shows the opening.
    region = (await client.post("/api/v1/suggestions", json={"subject": "In which region does my project store its events and recordings?"})).json()["docs"]
    assert region and region[0]["snippet"].startswith("Every project stores events"), region
