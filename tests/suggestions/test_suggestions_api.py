"""While someone types a question, the API suggests answered questions (and docs); weak matches stay out."""

from sqlalchemy import select, text

from forum.models import SuggestionImpression
from tests.factories import auth, make_profile

CORPUS = [
    ("How do I bootstrap feature flags on first page load?", "Flags flicker before they load in my React app.",
     "Pass `bootstrap: {featureFlags: ...}` to init with values from your server.", True),
    ("Session recordings are blank for Safari users", "Replays show a white screen on Safari 17.",
     "Enable the canvas recording option and update the SDK.", True),
    ("How can I download my invoice as PDF?", "I need last month's invoice for accounting.",
     "Billing settings have a download link per invoice.", False),
    ("Funnel conversion window too short", "Users convert after 20 days but the funnel stops at 14.",
     None, False),
    ("What is the best recipe for banana bread?", "Completely unrelated to analytics.", None, False),
]


async def seed(db_session, ask_and_answer, run_jobs):
    asker, helper = await make_profile(db_session), await make_profile(db_session, role="support")
    created = {}
    for subject, body, answer, solve in CORPUS:
        created[subject] = await ask_and_answer(asker, subject, body, answer=answer, helper=helper, solve=solve)
    assert await run_jobs() >= len(CORPUS)
    return asker, created


async def test_suggests_the_matching_answered_question_while_typing(client, db_session, ask_and_answer, run_jobs):
    _, created = await seed(db_session, ask_and_answer, run_jobs)
    r = await client.post("/api/v1/suggestions", json={"subject": "feature flags flicker on page load"})
    assert r.status_code == 200, r.text
    top = r.json()["questions"][0]
    assert top["id"] == created["How do I bootstrap feature flags on first page load?"]["id"]
    assert top["status"] == "resolved" and "bootstrap" in top["answer_excerpt"]
    assert 0 < top["score"] <= 1 and top["similarity"] > 0.5
    subjects = [q["subject"] for q in r.json()["questions"]]
    assert "What is the best recipe for banana bread?" not in subjects, "weak matches are left out"


async def test_a_subject_paused_inside_a_word_finds_what_the_word_would(client, db_session, ask_and_answer, run_jobs):
    """Embedded as typed, "fl" meant little to the model: the question's similarity fell from 0.66 to
    0.44, under the floor, and nothing was suggested."""
    _, created = await seed(db_session, ask_and_answer, run_jobs)
    await db_session.execute(text("REFRESH MATERIALIZED VIEW question_words"))
    await db_session.execute(text("REFRESH MATERIALIZED VIEW question_vocabulary"))

    paused = (await client.post("/api/v1/suggestions", json={"subject": "bootstrap feature fl"})).json()["questions"]
    finished = (await client.post("/api/v1/suggestions", json={"subject": "bootstrap feature flags "})).json()["questions"]

    bootstrap = created["How do I bootstrap feature flags on first page load?"]["id"]
    assert [q["id"] for q in paused][:1] == [bootstrap] == [q["id"] for q in finished][:1]
    assert abs(paused[0]["similarity"] - finished[0]["similarity"]) < 0.02, "as close as with the word typed to its end"


async def test_paraphrase_without_shared_words_is_found_by_meaning(client, db_session, ask_and_answer, run_jobs):
    _, created = await seed(db_session, ask_and_answer, run_jobs)
    r = await client.post("/api/v1/suggestions", json={"subject": "video playback of user visits is empty in Apple's browser"})
    ids = [q["id"] for q in r.json()["questions"]]
    assert ids and ids[0] == created["Session recordings are blank for Safari users"]["id"]


async def test_answered_questions_come_before_open_ones(client, db_session, ask_and_answer, run_jobs):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    open_q = await ask_and_answer(asker, "Funnel conversion window is too short", "Stops at 14 days.")
    answered = await ask_and_answer(asker, "Can I change the funnel conversion window length?", "Need 30 days.", answer="Yes, in the funnel settings.", helper=helper)
    await run_jobs()
    r = await client.post("/api/v1/suggestions", json={"subject": "Funnel conversion window is too short", "body": "Stops at 14 days."})
    ids = [q["id"] for q in r.json()["questions"]]
    assert ids[:2] == [answered["id"], open_q["id"]]


async def test_nothing_close_means_no_suggestions(client, db_session, ask_and_answer, run_jobs):
    await seed(db_session, ask_and_answer, run_jobs)
    r = await client.post("/api/v1/suggestions", json={"subject": "quantum chromodynamics lattice gauge", "body": "gluon propagators"})
    assert r.status_code == 200 and r.json()["questions"] == []


async def test_related_excludes_itself_and_refreshes_after_an_edit(client, db_session, ask_and_answer, run_jobs):
    asker, created = await seed(db_session, ask_and_answer, run_jobs)
    dup = await ask_and_answer(asker, "Feature flags not ready on first render", "They flicker in React before loading.")
    await run_jobs()
    r = await client.get(f"/api/v1/questions/{dup['permalink']}/related")
    assert r.status_code == 200
    related_ids = [q["id"] for q in r.json()["questions"]]
    assert dup["id"] not in related_ids
    assert related_ids[0] == created["How do I bootstrap feature flags on first page load?"]["id"]

    await client.patch(
        f"/api/v1/questions/{dup['id']}",
        json={"subject": "Safari session replay shows a white screen", "body": "Recordings are blank on Safari."},
        headers=auth(asker),
    )
    await run_jobs()
    again = await client.get(f"/api/v1/questions/{dup['id']}/related")
    assert again.json()["questions"][0]["id"] == created["Session recordings are blank for Safari users"]["id"]


async def test_impressions_are_recorded_per_draft_and_linked_when_posted(client, db_session, ask_and_answer, run_jobs):
    asker, _ = await seed(db_session, ask_and_answer, run_jobs)
    draft = "draft-0123456789"
    for typed in ("feature", "feature flags", "feature flags flicker"):
        r = await client.post("/api/v1/suggestions", json={"subject": typed, "draft_id": draft})
        assert r.status_code == 200
    impression_id = r.json()["impression_id"]
    rows = (await db_session.scalars(select(SuggestionImpression).where(SuggestionImpression.draft_id == draft))).all()
    assert len(rows) == 1 and rows[0].shown_count == 3 and rows[0].id == impression_id
    assert rows[0].shown_question_ids, "what was shown is kept"

    posted = await client.post(
        "/api/v1/questions", json={"subject": "feature flags flicker", "body": "still", "draft_id": draft}, headers=auth(asker)
    )
    await db_session.refresh(rows[0])
    assert rows[0].question_id == posted.json()["id"]

    feedback = await client.post(f"/api/v1/suggestions/{impression_id}/feedback", json={"helpful": False})
    assert feedback.status_code == 200
    assert (await client.post("/api/v1/suggestions/999999/feedback", json={"helpful": True})).status_code == 404


async def test_deflection_report_for_staff(client, db_session, ask_and_answer, run_jobs):
    asker, _ = await seed(db_session, ask_and_answer, run_jobs)
    support = await make_profile(db_session, role="support")
    await client.post("/api/v1/suggestions", json={"subject": "download invoice pdf", "draft_id": "draft-deflected"})
    await client.post("/api/v1/suggestions", json={"subject": "feature flags flicker", "draft_id": "draft-posted-1"})
    await client.post("/api/v1/questions", json={"subject": "flags", "body": "x", "draft_id": "draft-posted-1"}, headers=auth(asker))
    assert (await client.get("/api/v1/suggestions/deflection", headers=auth(asker))).status_code == 403
    report = (await client.get("/api/v1/suggestions/deflection", headers=auth(support))).json()
    assert report["drafts_with_suggestions"] == 2 and report["posted_anyway"] == 1 and report["deflection_rate"] == 0.5


async def test_bad_input(client):
    for payload, field in [({"subject": ""}, "subject"), ({"subject": 3}, "subject"), ({"body": "x"}, "subject"),
                           ({"subject": "x" * 301}, "subject"), ({"subject": "ok", "body": "b" * 20_001}, "body"),
                           ({"subject": "ok", "draft_id": "bad id!"}, "draft_id"), ({"subject": "   "}, "subject"),
                           ({"subject": "\u200b"}, "subject")]:
        r = await client.post("/api/v1/suggestions", json=payload)
        assert r.status_code == 400, (payload, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], r.json()


async def test_feedback_on_an_id_out_of_range_is_a_bad_request(client):
    r = await client.post("/api/v1/suggestions/9223372036854775808/feedback", json={"helpful": True})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert "impression_id" in [e["field"] for e in r.json()["errors"]]
