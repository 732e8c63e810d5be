"""Asking, listing, searching, showing and editing questions, as the website and its readers see them."""

import pytest

from tests.factories import auth, make_profile, make_question, make_reply, make_topic


async def ask(client, profile, subject="How do I bootstrap feature flags?", body="On first page load.", **extra):
    r = await client.post("/api/v1/questions", json={"subject": subject, "body": body, **extra}, headers=auth(profile))
    assert r.status_code == 201, r.text
    return r.json()


async def test_ask_returns_the_question_with_rendered_body(client, db_session):
    asker = await make_profile(db_session)
    flags = await make_topic(db_session, "Feature flags")
    q = await ask(client, asker, body="Use `posthog.init` with **bootstrap**", topics=[flags.slug], page_slugs=["/docs/feature-flags"])
    assert q["permalink"] == "how-do-i-bootstrap-feature-flags"
    assert "<strong>bootstrap</strong>" in q["body_html"] and "<code>posthog.init</code>" in q["body_html"]
    assert q["status"] == "open" and q["reply_count"] == 0 and q["upvotes"] == 0
    assert [t["slug"] for t in q["topics"]] == ["feature-flags"]
    assert q["page_slugs"] == ["/docs/feature-flags"]
    assert q["author"]["id"] == asker.id and q["replies"] == []


async def test_same_subject_gets_a_distinct_stable_permalink(client, db_session):
    asker = await make_profile(db_session)
    first = await ask(client, asker)
    second = await ask(client, asker)
    assert second["permalink"] == f"{first['permalink']}-2"
    edited = await client.patch(f"/api/v1/questions/{first['id']}", json={"subject": "Totally new subject"}, headers=auth(asker))
    assert edited.json()["permalink"] == first["permalink"], "links already shared must keep working"


async def test_numeric_subject_does_not_shadow_ids(client, db_session):
    asker = await make_profile(db_session)
    q = await ask(client, asker, subject="404")
    assert not q["permalink"].isdigit()
    assert (await client.get(f"/api/v1/questions/{q['permalink']}")).json()["id"] == q["id"]


async def test_anonymous_can_read_but_not_ask(client, db_session):
    asker = await make_profile(db_session)
    q = await ask(client, asker)
    assert (await client.get(f"/api/v1/questions/{q['id']}")).status_code == 200
    r = await client.post("/api/v1/questions", json={"subject": "Hi", "body": "there"})
    assert r.status_code == 401


async def test_unknown_topic_is_rejected_and_nothing_is_created(client, db_session):
    asker = await make_profile(db_session)
    r = await client.post("/api/v1/questions", json={"subject": "S", "body": "B", "topics": ["nope"]}, headers=auth(asker))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "topics"
    assert (await client.get("/api/v1/questions")).json()["total"] == 0


async def test_blank_subject_is_rejected(client, db_session):
    asker = await make_profile(db_session)
    r = await client.post("/api/v1/questions", json={"subject": "   ", "body": "B"}, headers=auth(asker))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "subject"


async def test_show_by_id_or_permalink_with_replies_in_order(client, db_session):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    q = await ask(client, asker)
    for text in ("first", "second", "third"):
        await client.post(f"/api/v1/questions/{q['id']}/replies", json={"body": text}, headers=auth(helper))
    by_id = (await client.get(f"/api/v1/questions/{q['id']}")).json()
    by_link = (await client.get(f"/api/v1/questions/{q['permalink']}")).json()
    assert by_id == by_link
    assert [r["body"] for r in by_id["replies"]] == ["first", "second", "third"]
    assert (await client.get("/api/v1/questions/999999")).status_code == 404


async def test_list_shape_and_pagination(client, db_session):
    asker = await make_profile(db_session)
    for n in range(5):
        await make_question(db_session, asker, subject=f"Question {n}")
    page = (await client.get("/api/v1/questions?page=2&page_size=2")).json()
    assert page["total"] == 5 and page["page"] == 2 and page["page_size"] == 2
    assert [i["subject"] for i in page["items"]] == ["Question 2", "Question 1"]
    item = page["items"][0]
    for key in ("id", "permalink", "subject", "status", "topics", "reply_count", "upvotes", "created_at", "active_at"):
        assert key in item
    too_big = await client.get("/api/v1/questions?page_size=101")
    assert too_big.status_code == 400 and too_big.json()["errors"][0]["field"] == "page_size"


async def test_filters(client, db_session):
    asker, other = await make_profile(db_session), await make_profile(db_session)
    replay = await make_topic(db_session, "Session replay")
    flags = await make_topic(db_session, "Feature flags")
    in_replay = await make_question(db_session, asker, subject="Replay is blank", topics=[replay])
    in_flags = await make_question(db_session, other, subject="Flag not loading", topics=[flags], page_slugs=["/docs/flags"])
    await make_reply(db_session, in_flags, asker)
    in_flags.reply_count = 1
    in_flags.status = "answered"
    await db_session.flush()

    async def subjects(query: str) -> list[str]:
        r = await client.get(f"/api/v1/questions?{query}")
        assert r.status_code == 200, r.text
        return [i["subject"] for i in r.json()["items"]]

    assert await subjects("topic=session-replay") == [in_replay.subject]
    assert await subjects("status=answered") == [in_flags.subject]
    assert await subjects("unanswered=true") == [in_replay.subject]
    assert await subjects(f"author={other.id}") == [in_flags.subject]
    assert await subjects("page_slug=/docs/flags") == [in_flags.subject]
    assert (await client.get("/api/v1/questions?topic=nope")).status_code == 404


async def test_sorts_and_pins_within_a_topic(client, db_session):
    asker, mod = await make_profile(db_session), await make_profile(db_session, role="moderator")
    topic = await make_topic(db_session, "Data pipelines")
    old = await make_question(db_session, asker, subject="Old but popular", topics=[topic], upvote_count=9)
    new = await make_question(db_session, asker, subject="New and quiet", topics=[topic])
    assert [i["id"] for i in (await client.get("/api/v1/questions?sort=popular")).json()["items"]] == [old.id, new.id]
    assert [i["id"] for i in (await client.get("/api/v1/questions?sort=newest")).json()["items"]] == [new.id, old.id]

    r = await client.put(f"/api/v1/questions/{old.id}/pins/{topic.slug}", headers=auth(mod))
    assert r.status_code == 200
    listed = (await client.get(f"/api/v1/questions?topic={topic.slug}")).json()["items"]
    assert [i["id"] for i in listed] == [old.id, new.id] and listed[0]["pinned"] is True
    # The pin is per topic: the unfiltered list stays newest first.
    assert (await client.get("/api/v1/questions")).json()["items"][0]["id"] == new.id
    assert (await client.put(f"/api/v1/questions/{old.id}/pins/{topic.slug}", headers=auth(asker))).status_code == 403
    await client.delete(f"/api/v1/questions/{old.id}/pins/{topic.slug}", headers=auth(mod))
    assert (await client.get(f"/api/v1/questions?topic={topic.slug}")).json()["items"][0]["id"] == new.id


async def test_full_text_search_is_ranked_with_subject_matches_first(client, db_session):
    asker = await make_profile(db_session)
    body_only = await make_question(db_session, asker, subject="Something about exports", body="the funnel breaks on export")
    in_subject = await make_question(db_session, asker, subject="Funnel conversion window", body="how long is it")
    await make_question(db_session, asker, subject="Unrelated billing", body="invoice please")
    r = (await client.get("/api/v1/questions?q=funnel")).json()
    assert r["total"] == 2
    assert [i["id"] for i in r["items"]] == [in_subject.id, body_only.id]
    # Stemming: "funnels" finds "funnel".
    assert (await client.get("/api/v1/questions?q=funnels")).json()["total"] == 2
    # A web-search style query never errors on stray syntax.
    assert (await client.get('/api/v1/questions?q="unclosed OR -')).status_code == 200


async def test_edit_by_author_moderator_but_not_others(client, db_session):
    asker, other, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await ask(client, asker)
    r = await client.patch(f"/api/v1/questions/{q['id']}", json={"body": "*clarified*"}, headers=auth(asker))
    assert r.status_code == 200 and "<em>clarified</em>" in r.json()["body_html"] and r.json()["version"] == 2
    assert (await client.patch(f"/api/v1/questions/{q['id']}", json={"body": "mine now"}, headers=auth(other))).status_code == 403
    assert (await client.patch(f"/api/v1/questions/{q['id']}", json={"body": "tidied"}, headers=auth(mod))).status_code == 200
    shown = (await client.get(f"/api/v1/questions/{q['id']}")).json()
    assert shown["body"] == "tidied" and shown["version"] == 3


async def test_conflicting_edit_is_409_and_changes_nothing(client, db_session):
    asker = await make_profile(db_session)
    q = await ask(client, asker)
    await client.patch(f"/api/v1/questions/{q['id']}", json={"body": "edit one", "version": 1}, headers=auth(asker))
    stale = await client.patch(f"/api/v1/questions/{q['id']}", json={"body": "edit two", "version": 1}, headers=auth(asker))
    assert stale.status_code == 409 and stale.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/api/v1/questions/{q['id']}")).json()["body"] == "edit one"


async def test_unpublished_question_is_seen_only_by_author_and_staff(client, db_session):
    asker, other, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await ask(client, asker)
    assert (await client.patch(f"/api/v1/questions/{q['id']}/moderation", json={"published": False}, headers=auth(asker))).status_code == 403
    r = await client.patch(f"/api/v1/questions/{q['id']}/moderation", json={"published": False}, headers=auth(mod))
    assert r.status_code == 200 and r.json()["published"] is False
    assert (await client.get(f"/api/v1/questions/{q['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/questions/{q['id']}", headers=auth(other))).status_code == 404
    assert (await client.get(f"/api/v1/questions/{q['id']}", headers=auth(asker))).status_code == 200
    assert (await client.get("/api/v1/questions")).json()["total"] == 0
    assert (await client.get("/api/v1/questions", headers=auth(asker))).json()["total"] == 1
    assert (await client.get("/api/v1/questions", headers=auth(mod))).json()["total"] == 1


async def test_archived_questions_leave_the_lists_and_only_moderators_list_them(client, db_session):
    asker, mod = await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await ask(client, asker)
    await client.patch(f"/api/v1/questions/{q['id']}/moderation", json={"archived": True}, headers=auth(mod))
    assert (await client.get("/api/v1/questions")).json()["total"] == 0
    assert (await client.get("/api/v1/questions?archived=true", headers=auth(asker))).status_code == 403
    archived = (await client.get("/api/v1/questions?archived=true", headers=auth(mod))).json()
    assert [i["id"] for i in archived["items"]] == [q["id"]]
    # Old links still resolve.
    assert (await client.get(f"/api/v1/questions/{q['permalink']}")).status_code == 200


async def test_locked_question_takes_no_replies_or_author_edits(client, db_session):
    asker, helper, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await ask(client, asker)
    await client.patch(f"/api/v1/questions/{q['id']}/moderation", json={"locked": True}, headers=auth(mod))
    r = await client.post(f"/api/v1/questions/{q['id']}/replies", json={"body": "late"}, headers=auth(helper))
    assert r.status_code == 403
    assert (await client.patch(f"/api/v1/questions/{q['id']}", json={"body": "x"}, headers=auth(asker))).status_code == 403
    assert (await client.post(f"/api/v1/questions/{q['id']}/replies", json={"body": "closing note"}, headers=auth(mod))).status_code == 201


async def test_delete_is_for_moderators(client, db_session):
    asker, mod = await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await ask(client, asker)
    await client.post(f"/api/v1/questions/{q['id']}/replies", json={"body": "a reply"}, headers=auth(mod))
    assert (await client.delete(f"/api/v1/questions/{q['id']}", headers=auth(asker))).status_code == 403
    assert (await client.delete(f"/api/v1/questions/{q['id']}", headers=auth(mod))).status_code == 204
    assert (await client.get(f"/api/v1/questions/{q['id']}")).status_code == 404


async def test_upvote_once_and_take_it_back(client, db_session):
    asker, fan = await make_profile(db_session), await make_profile(db_session)
    q = await ask(client, asker)
    r = await client.post(f"/api/v1/questions/{q['id']}/upvote", headers=auth(fan))
    assert r.status_code == 200 and r.json() == {"upvotes": 1, "upvoted": True}
    again = await client.post(f"/api/v1/questions/{q['id']}/upvote", headers=auth(fan))
    assert again.status_code == 409
    shown = (await client.get(f"/api/v1/questions/{q['id']}", headers=auth(fan))).json()
    assert shown["upvotes"] == 1 and shown["viewer"]["upvoted"] is True
    assert (await client.delete(f"/api/v1/questions/{q['id']}/upvote", headers=auth(fan))).json() == {"upvotes": 0, "upvoted": False}
    assert (await client.delete(f"/api/v1/questions/{q['id']}/upvote", headers=auth(fan))).status_code == 409


async def test_follow_question_and_topic(client, db_session):
    asker, fan = await make_profile(db_session), await make_profile(db_session)
    topic = await make_topic(db_session, "Surveys")
    q = await ask(client, asker)
    assert (await client.post(f"/api/v1/questions/{q['id']}/follow", headers=auth(fan))).json() == {"following": True}
    assert (await client.post(f"/api/v1/questions/{q['id']}/follow", headers=auth(fan))).status_code == 200, "following twice is harmless"
    assert (await client.get(f"/api/v1/questions/{q['id']}", headers=auth(fan))).json()["viewer"]["following"] is True
    await client.delete(f"/api/v1/questions/{q['id']}/follow", headers=auth(fan))
    assert (await client.get(f"/api/v1/questions/{q['id']}", headers=auth(fan))).json()["viewer"]["following"] is False
    assert (await client.post(f"/api/v1/topics/{topic.slug}/follow", headers=auth(fan))).json() == {"following": True}
    assert (await client.post("/api/v1/topics/nope/follow", headers=auth(fan))).status_code == 404


async def test_spam_reports_reach_moderators_only(client, db_session):
    asker, reporter, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await ask(client, asker, subject="Buy cheap watches", body="http://spam.example")
    r = await client.post(f"/api/v1/questions/{q['id']}/report", json={"reason": "spam"}, headers=auth(reporter))
    assert r.status_code == 201
    assert (await client.get("/api/v1/moderation/reports", headers=auth(reporter))).status_code == 403
    reports = (await client.get("/api/v1/moderation/reports", headers=auth(mod))).json()
    assert [(x["question_id"], x["subject"], x["reason"]) for x in reports] == [(q["id"], "Buy cheap watches", "spam")]
    await client.post(f"/api/v1/moderation/reports/{reports[0]['id']}/resolve", headers=auth(mod))
    assert (await client.get("/api/v1/moderation/reports", headers=auth(mod))).json() == []


async def test_reporting_twice_puts_a_post_in_the_queue_once(client, db_session):
    asker, reporter, other = [await make_profile(db_session) for _ in range(3)]
    mod = await make_profile(db_session, role="moderator")
    q = await ask(client, asker, subject="Buy cheap watches", body="http://spam.example")
    url = f"/api/v1/questions/{q['id']}/report"

    first = (await client.post(url, json={"reason": "spam"}, headers=auth(reporter))).json()
    again = (await client.post(url, json={"reason": "spam!!"}, headers=auth(reporter))).json()
    await client.post(url, json={"reason": "scam"}, headers=auth(other))

    assert again["id"] == first["id"] and again["reason"] == "spam", "the open report, unchanged"
    reports = (await client.get("/api/v1/moderation/reports", headers=auth(mod))).json()
    assert sorted(x["reason"] for x in reports) == ["scam", "spam"], "one per reporter"
    await client.post(f"/api/v1/moderation/reports/{first['id']}/resolve", headers=auth(mod))
    after = (await client.post(url, json={"reason": "still spam"}, headers=auth(reporter))).json()
    assert after["id"] != first["id"], "once resolved, a new report opens the case again"


async def test_honeypot_question_is_rejected(client, db_session):
    asker = await make_profile(db_session)
    r = await client.post("/api/v1/questions", json={"subject": "S", "body": "B", "website": "x"}, headers=auth(asker))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "website"
    assert (await client.get("/api/v1/questions")).json()["total"] == 0


@pytest.mark.parametrize("path", ["/api/v1/questions/1/moderation", "/api/v1/questions/1"])
async def test_member_cannot_moderate(client, db_session, path):
    asker, member = await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    r = await client.patch(path.replace("/1", f"/{q.id}"), json={"archived": True} if "moderation" in path else {"body": "x"}, headers=auth(member))
    assert r.status_code == 403


async def test_only_ascii_digits_are_an_id(client, db_session):
    """'³', '③', '٣' and '３' are digits to str.isdigit(); as a ref they are a permalink nobody has."""
    asker = await make_profile(db_session)
    q = await make_question(db_session, asker)
    for lookalike in (str(q.id).translate(str.maketrans("0123456789", digits)) for digits in ("⁰¹²³⁴⁵⁶⁷⁸⁹", "⓪①②③④⑤⑥⑦⑧⑨", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９")):
        r = await client.get(f"/api/v1/questions/{lookalike}")
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), (lookalike, r.text)
    assert (await client.get(f"/api/v1/questions/{q.id}")).json()["id"] == q.id


async def test_text_that_shows_nothing_is_blank(client, db_session):
    """str.strip() keeps zero-width and other format characters; a subject of them alone shows nothing."""
    asker = await make_profile(db_session)
    for body, field in [({"subject": "\u200b", "body": "B"}, "subject"), ({"subject": "S", "body": " \u200b\u2060\ufeff\n"}, "body")]:
        r = await client.post("/api/v1/questions", json=body, headers=auth(asker))
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == field, r.text
    assert (await client.get("/api/v1/questions")).json()["total"] == 0
    q = await make_question(db_session, asker)
    report = await client.post(f"/api/v1/questions/{q.id}/report", json={"reason": "   "}, headers=auth(asker))
    assert report.status_code == 400 and report.json()["errors"][0]["field"] == "reason"
    mod = await make_profile(db_session, role="moderator")
    assert (await client.get("/api/v1/moderation/reports", headers=auth(mod))).json() == []
