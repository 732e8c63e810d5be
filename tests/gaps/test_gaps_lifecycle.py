"""A gap across runs: the same gap when it grows, never proposed again once dismissed or filed,
gone when its questions are answered, and "possibly addressed" when the docs catch up."""

from __future__ import annotations

from sqlalchemy import text

from docs_index.indexer import index_docs
from forum.gaps import service
from tests.factories import auth
from tests.gaps.conftest import EXPORTS, MASKING, MORE_MASKING


async def _open(api, forum):
    return (await api.get("/api/v1/gaps", headers=auth(forum.support))).json()["items"]


async def test_a_gap_that_grows_is_the_same_gap(forum, api, db_session, settings, replay_topic):
    await forum.ask_all(MASKING[:3], topic=replay_topic)
    await forum.ask_all(EXPORTS)
    await service.detect(db_session, settings)
    before = {g["id"]: g for g in await _open(api, forum)}
    assert sorted(g["size"] for g in before.values()) == [3, 3]

    await forum.ask_all([MASKING[3], *MORE_MASKING], topic=replay_topic)
    report = await service.detect(db_session, settings)
    assert (report.new, report.matched) == (0, 2)
    after = await _open(api, forum)
    assert len(after) == 2
    grown = next(g for g in after if g["size"] == 6)
    assert grown["id"] in before
    assert grown["first_seen_at"] == before[grown["id"]]["first_seen_at"]


async def test_new_questions_on_an_answered_gap_continue_it(forum, api, db_session, settings, replay_topic):
    """Last week's questions were all solved; this week's new ones ask the same: matched by centroid."""
    first = await forum.ask_all(MASKING, topic=replay_topic)
    await service.detect(db_session, settings)
    [gap] = await _open(api, forum)
    for question in first:
        await forum.answer(question, "Use maskAllInputs.", solve=True)
    await forum.ask_all([*MORE_MASKING, ("Mask typed values in replays", "Inputs should be masked in recordings. How?")], topic=replay_topic)
    report = await service.detect(db_session, settings)
    assert (report.new, report.matched) == (0, 1)
    [again] = await _open(api, forum)
    assert again["id"] == gap["id"] and again["size"] == 3


async def test_dismissed_and_filed_gaps_are_not_proposed_again(forum, api, db_session, settings, replay_topic):
    await forum.ask_all(MASKING[:3], topic=replay_topic)
    await forum.ask_all(EXPORTS)
    await service.detect(db_session, settings)
    masking, exports = sorted(await _open(api, forum), key=lambda g: "cohort" in " ".join(g["terms"]))

    for blank in ("", "   "):
        refused = await api.post(f"/api/v1/gaps/{masking['id']}/dismiss", json={"reason": blank}, headers=auth(forum.support))
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "reason"
    dismissed = await api.post(
        f"/api/v1/gaps/{masking['id']}/dismiss", json={"reason": "Covered by the privacy page; people skip it."}, headers=auth(forum.support)
    )
    assert dismissed.json()["status"] == "dismissed"
    filed = await api.post(
        f"/api/v1/gaps/{exports['id']}/filed", json={"url": "https://github.com/acme/docs/issues/7"}, headers=auth(forum.support)
    )
    assert filed.json()["filed_url"] == "https://github.com/acme/docs/issues/7"
    assert (await api.post(f"/api/v1/gaps/{exports['id']}/filed", json={"url": "https://x.example/1"}, headers=auth(forum.asker))).status_code == 403
    # Settled one way, a gap is reopened before it is settled the other way.
    refused = await api.post(f"/api/v1/gaps/{masking['id']}/filed", json={"url": "https://x.example/2"}, headers=auth(forum.support))
    assert refused.status_code == 409 and "reopen" in refused.json()["detail"]
    refused = await api.post(f"/api/v1/gaps/{exports['id']}/dismiss", json={"reason": "Not docs"}, headers=auth(forum.support))
    assert refused.status_code == 409 and "reopen" in refused.json()["detail"]
    every = (await api.get("/api/v1/gaps?status=all", headers=auth(forum.support))).json()["items"]
    assert {(g["id"], g["status"]) for g in every} == {(masking["id"], "dismissed"), (exports["id"], "filed")}

    await forum.ask_all([MASKING[3], *MORE_MASKING], topic=replay_topic)
    await forum.ask("Export cohort persons as CSV", "How can we get the users of a cohort into a CSV?")
    report = await service.detect(db_session, settings)
    assert report.new == 0
    assert await _open(api, forum) == []
    listed = (await api.get("/api/v1/gaps?status=dismissed", headers=auth(forum.support))).json()["items"]
    assert [(g["id"], g["size"], g["dismissed_reason"]) for g in listed] == [(masking["id"], 6, "Covered by the privacy page; people skip it.")]
    listed = (await api.get("/api/v1/gaps?status=filed", headers=auth(forum.support))).json()["items"]
    assert [(g["id"], g["size"]) for g in listed] == [(exports["id"], 4)]


async def test_a_gap_whose_questions_were_answered_vanishes(forum, api, db_session, settings):
    questions = await forum.ask_all(EXPORTS)
    await service.detect(db_session, settings)
    [gap] = await _open(api, forum)
    for question in questions:
        await forum.answer(question, "Cohort page, then Export.", solve=True)
    report = await service.detect(db_session, settings)
    assert report.vanished == 1
    assert await _open(api, forum) == []
    assert (await api.get(f"/api/v1/gaps/{gap['id']}", headers=auth(forum.support))).json()["gap"]["status"] == "vanished"


PRIVACY_PAGE = """---
title: Privacy controls
---

## Network requests

Session replay can capture network requests made with fetch and XHR. Turn on network capture in the project settings.
"""

MASKING_PAGE = """---
title: Masking inputs
---

## Mask all inputs

Session replay masks what users type. To hide every input field in recordings, set `maskAllInputs: true`
when you initialise the SDK. Password fields are always masked. To mask only some inputs, add the class `ph-mask`.
"""


async def test_a_docs_reindex_that_covers_a_gap_marks_it_possibly_addressed(forum, api, db_session, settings, replay_topic, embedder, tmp_path):
    async def load(model):
        return embedder

    docs = tmp_path / "docs"
    (docs / "session-replay").mkdir(parents=True)
    (docs / "session-replay" / "privacy.md").write_text(PRIVACY_PAGE)
    await index_docs(db_session, docs, load_embedder=load)
    await forum.ask_all(MASKING, topic=replay_topic)
    await service.detect(db_session, settings)
    [gap] = await _open(api, forum)
    assert gap["possibly_addressed"] is False
    detail = (await api.get(f"/api/v1/gaps/{gap['id']}", headers=auth(forum.support))).json()
    # The privacy page is about session replay, not masking: too far to be where the answer is.
    assert detail["placement"] == [] or all(p["similarity"] < 0.6 for p in detail["placement"])

    # Found last week; this week someone documents it.
    await db_session.execute(text("UPDATE docs_gaps SET first_seen_at = now() - interval '7 days' WHERE id = :id"), {"id": gap["id"]})
    (docs / "session-replay" / "masking.md").write_text(MASKING_PAGE)
    await index_docs(db_session, docs, load_embedder=load)
    assert await service.check_addressed(db_session, settings) == 1

    [addressed] = (await api.get("/api/v1/gaps?addressed=true", headers=auth(forum.support))).json()["items"]
    assert addressed["id"] == gap["id"]
    assert addressed["addressed_by"]["url"].startswith("/docs/session-replay/masking")
    assert addressed["addressed_by"]["page_title"] == "Masking inputs"
    assert "maskAllInputs" in addressed["addressed_by"]["snippet"]
    body = (await api.get(f"/api/v1/gaps/{gap['id']}", headers=auth(forum.support))).json()["issue"]["body"]
    assert "Possibly addressed" in body and "/docs/session-replay/masking" in body
    # Checked again, nothing changes: it is marked once.
    assert await service.check_addressed(db_session, settings) == 0


async def test_a_reopened_gap_settled_the_other_way_shows_only_that(forum, api, db_session, settings, replay_topic):
    await forum.ask_all(MASKING[:3], topic=replay_topic)
    await service.detect(db_session, settings)
    [gap] = await _open(api, forum)
    headers = auth(forum.support)
    await api.post(f"/api/v1/gaps/{gap['id']}/dismiss", json={"reason": "Covered by the privacy page"}, headers=headers)
    reopened = await api.post(f"/api/v1/gaps/{gap['id']}/reopen", headers=headers)
    assert reopened.json()["status"] == "open" and reopened.json()["dismissed_reason"] == "Covered by the privacy page"
    filed = (await api.post(f"/api/v1/gaps/{gap['id']}/filed", json={"url": "https://github.com/acme/docs/issues/9"}, headers=headers)).json()
    assert (filed["status"], filed["filed_url"], filed["dismissed_reason"]) == ("filed", "https://github.com/acme/docs/issues/9", None)
