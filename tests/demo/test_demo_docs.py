"""`make run` shows docs sections beside the suggested questions: the demo's own docs pages."""

from sqlalchemy import select

from docs_index.indexer import index_docs_with_settings
from forum.demo.docs_pages import index_demo_docs
from forum.models import DocsPage


async def test_demo_docs_answer_demo_questions_and_leave_the_demo_gap_open(client, db_session, test_settings):
    report = await index_demo_docs(db_session, test_settings)
    assert report.pages == 6 and report.chunks >= 15 and not report.warnings

    flicker = (await client.post("/api/v1/suggestions", json={"subject": "Feature flags flicker on first page load with Next.js"})).json()
    assert flicker["docs"][0]["url"].startswith("/docs/feature-flags/bootstrapping#")

    funnel = (await client.post("/api/v1/suggestions", json={"subject": "Why does step 2 of my funnel have more users than step 1?"})).json()
    assert funnel["docs"][0]["url"] == "/docs/product-analytics/funnels#why-a-later-step-can-have-more-users-than-an-earlier-one"

    # Session replay in Electron is the demo's docs gap: nothing in the docs should pretend to answer it.
    electron = (await client.post("/api/v1/suggestions", json={"subject": "Session replay records nothing in our Electron app"})).json()
    assert electron["docs"] == []


async def test_indexing_the_demo_docs_again_encodes_nothing(db_session, test_settings):
    await index_demo_docs(db_session, test_settings)
    again = await index_demo_docs(db_session, test_settings)
    assert again.embedded == 0 and again.pages_parsed == 0


async def test_the_demo_docs_never_replace_a_forums_own_docs(db_session, test_settings, tmp_path):
    """`forum demo load` on a forum whose docs were indexed from its own tree leaves them alone."""
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "creating.md").write_text("---\ntitle: Creating surveys\n---\n\n## Targeting\n\nShow a survey to some users.\n")
    own = await index_docs_with_settings(db_session, tmp_path, test_settings)
    assert own.pages == 1

    assert await index_demo_docs(db_session, test_settings) is None
    assert list(await db_session.scalars(select(DocsPage.path))) == ["surveys/creating.md"]
