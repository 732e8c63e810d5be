"""Low severity from a low-priority customer: an automated reply pointing to docs and community answers."""

from __future__ import annotations

import textwrap

import pytest

from docs_index.indexer import index_docs
from tests.factories import auth
from tests.support.conftest import TEXTS, jobs_of

FUNNEL_DOCS = """\
    ---
    title: Funnels
    ---
    Funnels show how many users move through a series of steps.

    ## Create a funnel with several steps

    Add each step as an event, for example signup, activation and payment, in the order users take them.
    """


@pytest.fixture
async def community(client, world, db_session, embedder, run_jobs, tmp_path):
    """A docs page on funnels and an answered community question about funnel steps."""
    (tmp_path / "funnels.md").write_text(textwrap.dedent(FUNNEL_DOCS))

    async def load(model):
        return embedder

    await index_docs(db_session, tmp_path, load_embedder=load)
    q = (await client.post("/api/v1/questions", json={"subject": "Funnel with signup, activation and payment steps",
                                                      "body": "How do I set up these three funnel steps?"},
                           headers=auth(world.member))).json()
    reply = (await client.post(f"/api/v1/questions/{q['id']}/replies", json={"body": "Add the three events as steps."},
                               headers=auth(world.customers["high"]))).json()
    await client.post(f"/api/v1/questions/{q['id']}/solution", json={"reply_id": reply["id"]}, headers=auth(world.member))
    await run_jobs()
    return q


async def test_low_low_gets_an_automated_reply_with_docs_and_community_answers(
    client, world, community, ask, run_jobs, case_of, test_settings, db_session
):
    question = await ask(world.customers["low"], *TEXTS["low"], topics=[world.flags_topic])
    await run_jobs(test_settings.replace(support_auto_reply_delay_minutes=0))

    shown = (await client.get(f"/api/v1/questions/{question['id']}")).json()
    assert len(shown["replies"]) == 1
    bot_reply = shown["replies"][0]
    assert bot_reply["author"]["display_name"] == test_settings.support_bot_name
    assert "automated reply" in bot_reply["body"]
    assert "[Funnels › Create a funnel with several steps](http://localhost:3000/docs/funnels#" in bot_reply["body"]
    assert f"[Funnel with signup, activation and payment steps](http://localhost:3000/questions/{community['permalink']})" in bot_reply["body"]

    case = await case_of(question["id"])
    assert case["auto_replied"] is True and case["item"]["state"] == "responded" and case["ticket"] is None
    assert [e["kind"] for e in case["events"]] == ["assessed", "auto_replied"]
    assert await jobs_of(db_session, "deliver_ticket") == []


async def test_the_automated_reply_waits_for_the_community(client, world, ask, run_jobs, case_of, db_session):
    question = await ask(world.customers["low"], *TEXTS["low"], topics=[world.flags_topic])
    await run_jobs()
    (job,) = await jobs_of(db_session, "support_auto_reply")
    assert job.status == "queued" and job.dedupe_key == f"support_auto_reply:{question['id']}"
    assert (await client.get(f"/api/v1/questions/{question['id']}")).json()["replies"] == [], "not due yet"


async def test_no_automated_reply_when_the_community_answered_first(client, world, ask, run_jobs, case_of, test_settings, db_session):
    question = await ask(world.customers["low"], *TEXTS["low"], topics=[world.flags_topic])
    await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "Use a funnel insight."}, headers=auth(world.member))
    await run_jobs(test_settings.replace(support_auto_reply_delay_minutes=0))
    shown = (await client.get(f"/api/v1/questions/{question['id']}")).json()
    assert [r["body"] for r in shown["replies"]] == ["Use a funnel insight."]
    case = await case_of(question["id"])
    assert case["auto_replied"] is False
    assert case["events"][-1]["kind"] == "auto_reply_skipped"


async def test_a_person_answers_other_cells(world, ask, run_jobs, test_settings, db_session, client):
    question = await ask(world.customers["medium"], *TEXTS["low"], topics=[world.flags_topic])
    await run_jobs(test_settings.replace(support_auto_reply_delay_minutes=0))
    assert await jobs_of(db_session, "support_auto_reply") == []
    assert (await client.get(f"/api/v1/questions/{question['id']}")).json()["replies"] == []
