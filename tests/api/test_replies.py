"""Answering: replies, the solution, votes, and what each does to the question's status and counters."""

from tests.factories import auth, make_profile, make_question


async def reply(client, question_id, profile, body="Have you tried turning it off and on?"):
    r = await client.post(f"/api/v1/questions/{question_id}/replies", json={"body": body}, headers=auth(profile))
    assert r.status_code == 201, r.text
    return r.json()


async def show(client, question_id, profile=None):
    r = await client.get(f"/api/v1/questions/{question_id}", headers=auth(profile) if profile else None)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_reply_by_someone_else_answers_the_question(client, db_session):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    before = await show(client, q.id)
    await reply(client, q.id, asker, "Some more detail from me")
    assert (await show(client, q.id))["status"] == "open", "the asker's own follow-up is not an answer"
    r = await reply(client, q.id, helper, "Use **bootstrap**")
    assert "<strong>bootstrap</strong>" in r["body_html"]
    after = await show(client, q.id)
    assert after["status"] == "answered" and after["reply_count"] == 2
    assert after["active_at"] > before["active_at"]


async def test_solution_by_asker_resolves_and_can_be_undone(client, db_session):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    r = await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": answer["id"]}, headers=auth(asker))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "resolved" and body["resolved_by"] == answer["id"]
    assert [x["is_solution"] for x in body["replies"]] == [True]
    assert (await client.get("/api/v1/questions?status=resolved")).json()["total"] == 1

    undone = await client.delete(f"/api/v1/questions/{q.id}/solution", headers=auth(asker))
    assert undone.status_code == 200 and undone.json()["status"] == "answered" and undone.json()["resolved_by"] is None
    assert (await client.delete(f"/api/v1/questions/{q.id}/solution", headers=auth(asker))).status_code == 409


async def test_only_asker_or_moderator_marks_the_solution(client, db_session):
    asker, helper, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    r = await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": answer["id"]}, headers=auth(helper))
    assert r.status_code == 403
    assert (await show(client, q.id))["status"] == "answered"
    r = await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": answer["id"]}, headers=auth(mod))
    assert r.status_code == 200 and r.json()["status"] == "resolved"


async def test_solution_must_be_a_reply_of_this_question(client, db_session):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    q, other = await make_question(db_session, asker), await make_question(db_session, asker)
    elsewhere = await reply(client, other.id, helper)
    r = await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": elsewhere["id"]}, headers=auth(asker))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reply_id"
    r = await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": "one"}, headers=auth(asker))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "reply_id"


async def test_votes_up_down_flip_retract_and_reputation(client, db_session):
    asker, helper, voter = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    url = f"/api/v1/replies/{answer['id']}/vote"
    assert (await client.post(url, json={"value": 1}, headers=auth(voter))).json() == {"upvotes": 1, "downvotes": 0, "my_vote": 1}
    assert (await client.post(url, json={"value": 1}, headers=auth(voter))).status_code == 409
    assert (await client.post(url, json={"value": -1}, headers=auth(voter))).json() == {"upvotes": 0, "downvotes": 1, "my_vote": -1}
    assert (await show(client, q.id, voter))["viewer"]["reply_votes"] == {str(answer["id"]): -1}
    assert (await client.delete(url, headers=auth(voter))).json() == {"upvotes": 0, "downvotes": 0, "my_vote": 0}
    assert (await client.delete(url, headers=auth(voter))).status_code == 409
    await client.post(url, json={"value": 1}, headers=auth(voter))
    assert (await client.get(f"/api/v1/profiles/{helper.id}")).json()["reputation"] == 10
    assert (await client.post(url, json={"value": 2}, headers=auth(voter))).status_code == 400


async def test_cannot_vote_on_own_reply(client, db_session):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    assert (await client.post(f"/api/v1/replies/{answer['id']}/vote", json={"value": 1}, headers=auth(helper))).status_code == 403


async def test_edit_reply_author_or_moderator_with_conflict_detection(client, db_session):
    asker, helper, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    url = f"/api/v1/replies/{answer['id']}"
    assert (await client.patch(url, json={"body": "hijack"}, headers=auth(asker))).status_code == 403
    edited = await client.patch(url, json={"body": "better", "version": 1}, headers=auth(helper))
    assert edited.status_code == 200 and edited.json()["edited_at"] and edited.json()["version"] == 2
    assert (await client.patch(url, json={"body": "stale", "version": 1}, headers=auth(mod))).status_code == 409
    assert (await show(client, q.id))["replies"][0]["body"] == "better"


async def test_unpublished_reply_is_hidden_and_uncounted(client, db_session):
    asker, helper, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": answer["id"]}, headers=auth(asker))
    url = f"/api/v1/replies/{answer['id']}/moderation"
    assert (await client.patch(url, json={"published": False}, headers=auth(asker))).status_code == 403
    assert (await client.patch(url, json={"published": False}, headers=auth(mod))).status_code == 200
    public = await show(client, q.id)
    assert public["replies"] == [] and public["reply_count"] == 0 and public["status"] == "open" and public["resolved_by"] is None
    assert len((await show(client, q.id, helper))["replies"]) == 1, "the author still sees their own reply"
    assert len((await show(client, q.id, mod))["replies"]) == 1
    await client.patch(url, json={"published": True}, headers=auth(mod))
    assert (await show(client, q.id))["reply_count"] == 1


async def test_delete_reply_updates_counts_and_solution(client, db_session):
    asker, helper, other = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    answer = await reply(client, q.id, helper)
    await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": answer["id"]}, headers=auth(asker))
    assert (await client.delete(f"/api/v1/replies/{answer['id']}", headers=auth(other))).status_code == 403
    assert (await client.delete(f"/api/v1/replies/{answer['id']}", headers=auth(helper))).status_code == 204
    shown = await show(client, q.id)
    assert shown["reply_count"] == 0 and shown["status"] == "open" and shown["resolved_by"] is None
    assert (await client.delete(f"/api/v1/replies/{answer['id']}", headers=auth(helper))).status_code == 404


async def test_report_a_reply(client, db_session):
    asker, spammer, mod = await make_profile(db_session), await make_profile(db_session), await make_profile(db_session, role="moderator")
    q = await make_question(db_session, asker)
    bad = await reply(client, q.id, spammer, "cheap pills")
    assert (await client.post(f"/api/v1/replies/{bad['id']}/report", json={}, headers=auth(asker))).status_code == 201
    assert (await client.post(f"/api/v1/replies/{bad['id']}/report", json={}, headers=auth(asker))).status_code == 201
    reports = (await client.get("/api/v1/moderation/reports", headers=auth(mod))).json()
    assert reports[0]["reply_id"] == bad["id"] and reports[0]["excerpt"] == "cheap pills"
    assert len(reports) == 1, "reported twice by the same person, listed once"


async def test_reply_to_missing_or_hidden_question_is_404(client, db_session):
    asker, helper = await make_profile(db_session), await make_profile(db_session)
    hidden = await make_question(db_session, asker, published=False)
    assert (await client.post("/api/v1/questions/999999/replies", json={"body": "x"}, headers=auth(helper))).status_code == 404
    assert (await client.post(f"/api/v1/questions/{hidden.id}/replies", json={"body": "x"}, headers=auth(helper))).status_code == 404
