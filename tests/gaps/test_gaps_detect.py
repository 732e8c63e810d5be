"""Which questions count as evidence, how they cluster into ranked gaps, and what the API shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forum.embeddings.repository import active_model
from forum.gaps import repository, service
from tests.factories import auth
from tests.gaps.conftest import EXPORTS, MASKING, OTHERS


async def test_evidence_keeps_the_signals_that_made_each_question_count(forum, db_session, settings):
    unanswered = await forum.ask("How do I mask inputs?", "Typed text shows in replays.", days_ago=10)
    too_new = await forum.ask("How do I mask textareas?", "Asked an hour ago.", days_ago=0.05)
    unsolved = await forum.ask("Why are my recordings blank?", "Nothing plays.", days_ago=10)
    await forum.answer(unsolved, "Check your CSP.")
    solved = await forum.ask("How do I install the snippet?", "Where does it go?", days_ago=10)
    await forum.answer(solved, "In the head tag.", solve=True)
    tagged = await forum.ask("Can replays skip idle time?", "Long recordings are boring.", days_ago=10)
    await forum.answer(tagged, "Turn on skip inactivity.", by=forum.support, solve=True)
    await forum.tag_docs_gap(tagged)
    weak = await forum.ask("Does replay record canvas elements?", "Our game renders to canvas.", days_ago=0.1)
    await forum.impression(weak, best_docs_similarity=0.21)
    rejected = await forum.ask("Replay of iframes is empty", "Embedded checkout is blank.", days_ago=0.1)
    await forum.impression(rejected, best_docs_similarity=0.7, helpful=False)
    hidden = await forum.ask("Spam about replays", "Buy now.", days_ago=10, published=False)

    model = await active_model(db_session)
    found, vectors = await repository.evidence(db_session, model.name, datetime.now(UTC) - timedelta(days=3), settings.gaps_weak_docs_similarity)
    signals = {e.question_id: e.signals for e in found}
    assert signals == {
        unanswered.id: ("unanswered",),
        unsolved.id: ("no_solution",),
        tagged.id: ("support_tagged",),
        weak.id: ("weak_docs_match",),
        rejected.id: ("suggestions_rejected",),
    }
    assert too_new.id not in signals and solved.id not in signals and hidden.id not in signals
    assert vectors.shape == (5, 384)


async def test_detection_ranks_gaps_and_the_api_shows_their_evidence(forum, api, db_session, settings, replay_topic):
    masking = await forum.ask_all(MASKING, topic=replay_topic, views=40)
    exports = await forum.ask_all(EXPORTS, views=5, days_ago=60)
    await forum.ask_all(OTHERS)
    await forum.answer(masking[0], "Set `maskAllInputs: true` in the recording options.", by=forum.support)

    report = await service.detect(db_session, settings)
    assert (report.gaps, report.new) == (2, 2)

    page = (await api.get("/api/v1/gaps", headers=auth(forum.support))).json()
    assert page["total"] == 2
    first, second = page["items"]
    # More questions, more recent and more viewed: the masking gap ranks first.
    assert first["score"] > second["score"]
    assert first["size"] == 4 and second["size"] == 3
    assert first["area"] == "Session replay"
    assert first["title"].startswith("Document how to") and "session replay" in first["title"].lower()
    assert any("mask" in term for term in first["terms"])
    assert first["central_question_id"] in {q.id for q in masking}
    assert any("cohort" in term or "csv" in term for term in second["terms"])

    detail = (await api.get(f"/api/v1/gaps/{first['id']}", headers=auth(forum.support))).json()
    evidence = {e["id"]: e for e in detail["evidence"]}
    assert set(evidence) == {q.id for q in masking}
    assert evidence[masking[0].id]["signals"] == ["no_solution"]
    assert evidence[masking[1].id]["signals"] == ["unanswered"]
    assert evidence[masking[1].id]["url"] == f"https://forum.example.com/questions/{masking[1].permalink}"
    assert detail["answers"][0]["by_support"] and "maskAllInputs" in detail["answers"][0]["excerpt"]
    assert len(detail["outline"]) >= 2
    issue = detail["issue"]
    assert issue["title"] == first["title"]
    # Nothing is indexed in this test: the answer needs a new page.
    assert "new page under Session replay" in issue["body"]
    assert masking[1].subject in issue["body"] and "maskAllInputs" in issue["body"]

    member = (await api.get("/api/v1/gaps", headers=auth(forum.asker)))
    assert member.status_code == 403
    assert (await api.get("/api/v1/gaps")).status_code == 401
    assert {q.id for q in exports} == {e["id"] for e in (await api.get(f"/api/v1/gaps/{second['id']}", headers=auth(forum.support))).json()["evidence"]}
