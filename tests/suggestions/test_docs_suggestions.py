"""Docs sections are suggested next to questions, linked with the anchor the docs site uses."""

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, text

from docs_index.indexer import index_docs
from forum import db
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


async def test_with_a_connection_pool_questions_and_docs_are_read_side_by_side(test_settings, committed_sessionmaker, embedder, tmp_path, monkeypatch):
    """Outside the tests' single rolled-back connection, the docs are read on a second connection
    while the questions are ranked on the request's own; the answer is the same."""
    side_sessions = []
    real_side_session = db.side_session

    @asynccontextmanager
    async def recording_side_session(session):
        async with real_side_session(session) as side:
            side_sessions.append(side)
            yield side

    monkeypatch.setattr(db, "side_session", recording_side_session)

    async def load(model):
        return embedder

    async with committed_sessionmaker() as session, session.begin():
        await index_docs(session, write_tree(tmp_path), load_embedder=load)
        asker = await make_profile(session)
        question = await make_question(session, asker, "How do I stop feature flags flickering on page load?", "React app.")
        await embed_questions(session, test_settings, [question.id])
    try:
        async with app_client(test_settings, committed_sessionmaker) as client:
            r = await client.post("/api/v1/suggestions", json={"subject": "my feature flags flicker on the first page load"})
        assert r.status_code == 200, r.text
        assert [q["id"] for q in r.json()["questions"]] == [question.id]
        assert r.json()["docs"][0]["url"] == "/docs/feature-flags/bootstrapping#bootstrap-flags-from-your-server"
        assert len(side_sessions) == 1 and side_sessions[0] is not None, "the docs had a connection of their own"
    finally:
        async with committed_sessionmaker() as session, session.begin():
            await session.execute(text("DELETE FROM suggestion_impressions WHERE subject LIKE 'my feature flags flicker%'"))
            await session.execute(text("DELETE FROM jobs WHERE (payload->>'question_id')::bigint = :id"), {"id": question.id})
            await session.execute(delete(Question).where(Question.id == question.id))
            await session.execute(delete(Profile).where(Profile.id == asker.id))
            await session.execute(text("DELETE FROM docs_pages WHERE path = ANY(:paths)"), {"paths": list(PAGES)})


async def test_a_failing_side_is_reported_as_itself(test_settings, committed_sessionmaker, monkeypatch):
    from forum.suggestions import repository

    async def broken(*args, **kwargs):
        raise RuntimeError("docs index unavailable")

    monkeypatch.setattr(repository, "fulltext_docs", broken)
    async with committed_sessionmaker() as session:
        with pytest.raises(RuntimeError, match="docs index unavailable"):
            await service.suggest(session, test_settings, "feature flags flicker", None, None, None)
