"""Every error is RFC 9457 problem details naming the field at fault, and a rejected request changes nothing."""

import pytest

from tests.factories import auth, make_profile, make_question


def assert_problem(r, status, field=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": 5, "body": "x"}, "subject"),
        ({"body": "x"}, "subject"),
        ({"subject": "s"}, "body"),
        ({"subject": "", "body": "x"}, "subject"),
        ({"subject": "s" * 141, "body": "x"}, "subject"),
        ({"subject": "s", "body": "b" * 20_001}, "body"),
        ({"subject": "s", "body": "x", "topics": "not-a-list"}, "topics"),
        ({"subject": "s", "body": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_question_payloads(client, db_session, payload, field):
    asker = await make_profile(db_session)
    assert_problem(await client.post("/api/v1/questions", json=payload, headers=auth(asker)), 400, field)
    assert (await client.get("/api/v1/questions")).json()["total"] == 0


async def test_malformed_json(client, db_session):
    asker = await make_profile(db_session)
    r = await client.post("/api/v1/questions", content=b"{not json", headers={**auth(asker), "content-type": "application/json"})
    assert_problem(r, 400)


async def test_oversize_request_body(client, db_session):
    asker = await make_profile(db_session)
    r = await client.post(
        "/api/v1/questions", content=b'{"subject": "s", "body": "' + b"x" * 400_000 + b'"}', headers={**auth(asker), "content-type": "application/json"}
    )
    assert_problem(r, 413)


async def test_wrong_query_types(client):
    assert_problem(await client.get("/api/v1/questions?page=zero"), 400, "page")
    assert_problem(await client.get("/api/v1/questions?page=0"), 400, "page")
    assert_problem(await client.get("/api/v1/questions?status=closed"), 400, "status")
    assert_problem(await client.get("/api/v1/questions?sort=random"), 400, "sort")


async def test_unknown_ids_are_404(client, db_session):
    member = await make_profile(db_session)
    assert_problem(await client.get("/api/v1/questions/no-such-question"), 404)
    assert_problem(await client.patch("/api/v1/replies/424242", json={"body": "x"}, headers=auth(member)), 404)
    assert_problem(await client.get("/api/v1/profiles/424242"), 404)
    assert_problem(await client.get("/api/v1/topics/none-such"), 404)


async def test_forbidden_and_unauthenticated(client, db_session):
    asker, member = await make_profile(db_session), await make_profile(db_session)
    q = await make_question(db_session, asker)
    assert_problem(await client.delete(f"/api/v1/questions/{q.id}", headers=auth(member)), 403)
    assert_problem(await client.post(f"/api/v1/questions/{q.id}/upvote"), 401)


async def test_a_failed_write_leaves_no_trace(client, db_session):
    """The solution call fails validation after the question row was locked: nothing of it may stick."""
    asker = await make_profile(db_session)
    q = await make_question(db_session, asker)
    before = (await client.get(f"/api/v1/questions/{q.id}")).json()
    assert_problem(await client.post(f"/api/v1/questions/{q.id}/solution", json={"reply_id": 123456}, headers=auth(asker)), 422, "reply_id")
    assert_problem(await client.patch(f"/api/v1/questions/{q.id}", json={"subject": "new", "topics": ["missing"]}, headers=auth(asker)), 422, "topics")
    after = (await client.get(f"/api/v1/questions/{q.id}")).json()
    assert after == before


async def test_openapi_document_is_served(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/questions" in paths and "/api/v1/questions/{ref}/solution" in paths and "/api/v1/auth/login" in paths


TOO_BIG_32, TOO_BIG_64 = 2**31, 2**63


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", f"/api/v1/profiles/{TOO_BIG_32}", None, "profile_id"),
        ("GET", "/api/v1/profiles/0", None, "profile_id"),
        ("GET", f"/api/v1/questions/{TOO_BIG_64}", None, "ref"),
        ("GET", f"/api/v1/questions/{TOO_BIG_64}/related", None, "ref"),
        ("GET", f"/api/v1/questions?author={TOO_BIG_32}", None, "author"),
        ("GET", f"/api/v1/moderation/reports?page={10**21}", None, "page"),
        ("POST", f"/api/v1/moderation/reports/{TOO_BIG_32}/resolve", None, "report_id"),
        ("DELETE", f"/api/v1/me/tokens/{TOO_BIG_32}", None, "token_id"),
        ("PATCH", f"/api/v1/replies/{TOO_BIG_64}", {"body": "x"}, "reply_id"),
        ("GET", f"/api/v1/admin/webhooks/{TOO_BIG_32}", None, "endpoint_id"),
        ("GET", f"/api/v1/admin/jobs/dead?before_id={TOO_BIG_64}", None, "before_id"),
        ("POST", f"/api/v1/admin/jobs/dead/{TOO_BIG_64}/retry", None, "job_id"),
        ("GET", f"/api/v1/gaps/{TOO_BIG_64}", None, "gap_id"),
        ("GET", f"/api/v1/support/organisations/{TOO_BIG_32}", None, "organisation_id"),
        ("PATCH", "/api/v1/profiles/{me}", {"team_id": TOO_BIG_32}, "team_id"),
        ("PATCH", "/api/v1/profiles/{me}", {"organisation_id": TOO_BIG_32}, "organisation_id"),
        ("POST", "/api/v1/questions/{question}/solution", {"reply_id": TOO_BIG_64}, "reply_id"),
        ("POST", "/api/v1/support/cases/{question}/handover", {"to_profile_id": TOO_BIG_32}, "to_profile_id"),
        ("PUT", "/api/v1/support/rotations", {"team": "flags", "profile_id": TOO_BIG_32}, "profile_id"),
        ("POST", "/api/v1/support/cases/{question}/link", {"zendesk_ticket_id": TOO_BIG_64}, "zendesk_ticket_id"),
    ],
)
async def test_ids_outside_their_columns_range_are_400_naming_the_field(client, db_session, method, path, body, field):
    """Profiles, tokens, teams, organisations, webhooks and reports have 32-bit ids; questions, replies, jobs and gaps 64-bit."""
    admin = await make_profile(db_session, role="admin")
    q = await make_question(db_session, admin)
    r = await client.request(method, path.format(me=admin.id, question=q.id), json=body, headers=auth(admin))
    assert_problem(r, 400, field)
    assert (await client.get(f"/api/v1/profiles/{admin.id}")).json()["team_id"] is None


async def test_the_largest_ids_are_only_unknown(client, db_session):
    assert_problem(await client.get(f"/api/v1/profiles/{TOO_BIG_32 - 1}"), 404)
    assert_problem(await client.get(f"/api/v1/questions/{TOO_BIG_64 - 1}"), 404)


async def test_a_nul_character_anywhere_is_400_naming_where(client, db_session):
    """PostgreSQL stores no U+0000 in text; nothing reaches it, wherever the character comes in."""
    asker = await make_profile(db_session, email="nul@example.com")
    question = {"subject": "Flags", "body": "x"}
    for r, field, source in [
        (await client.post("/api/v1/questions", json={**question, "subject": "Fl\u0000ags"}, headers=auth(asker)), "subject", None),
        (await client.post("/api/v1/questions", json={**question, "topics": ["flags", "x\u0000"]}, headers=auth(asker)), "topics[1]", None),
        (await client.get("/api/v1/questions", params={"q": "fl\u0000ags"}), "q", "query"),
        (await client.get("/api/v1/topics/fl%00ags"), "slug", "path"),
        (await client.post("/api/v1/auth/login", json={"email": "nul@example.com", "password": "correct\u0000horse"}), "password", None),
        (await client.post("/api/v1/auth/register", json={"email": "n@example.com", "password": "pass\u0000word", "display_name": "N"}), "password", None),
    ]:
        error = next(e for e in assert_problem(r, 400, field)["errors"] if e["field"] == field)
        assert error.get("source") == source
    assert (await client.get("/api/v1/questions")).json()["total"] == 0


async def test_deeply_nested_json_is_400(client, db_session):
    asker = await make_profile(db_session)
    headers = {**auth(asker), "content-type": "application/json"}
    for body in ("[" * 1000 + "]" * 1000, '{"subject": ' * 1000 + "1" + "}" * 1000):
        assert "nested too deeply" in assert_problem(await client.post("/api/v1/questions", content=body, headers=headers), 400)["detail"]
    assert (await client.get("/api/v1/questions")).json()["total"] == 0


async def test_a_missing_body_is_named_as_the_body(client, db_session):
    """Not "data: 'data'": the handler's parameter name is not the client's business."""
    asker = await make_profile(db_session)
    headers = {**auth(asker), "content-type": "application/json"}
    missing = assert_problem(await client.post("/api/v1/questions", content=b"", headers=headers), 400)
    assert "body is required" in missing["detail"] and "'data'" not in missing["detail"]
    null = assert_problem(await client.post("/api/v1/questions", content=b"null", headers=headers), 400, "")
    assert null["detail"].startswith("body: ")
    assert "JSON" in assert_problem(await client.post("/api/v1/questions", content=b"subject=x", headers=headers), 400)["detail"]
    assert (await client.get("/api/v1/questions")).json()["total"] == 0


async def test_a_body_not_sent_as_json_is_415_and_changes_nothing(client, db_session):
    """`curl -d '{...}'` without a Content-Type sends a form; it is refused, not read as JSON by luck."""
    asker = await make_profile(db_session)
    body = b'{"subject": "Flags flicker", "body": "On first load."}'
    for content_type in ("application/x-www-form-urlencoded", "text/plain", None):
        headers = auth(asker) | ({"content-type": content_type} if content_type else {})
        problem = assert_problem(await client.post("/api/v1/questions", content=body, headers=headers), 415)
        assert "application/json" in problem["detail"]
    # JSON under its own name or a +json suffix is read.
    sent = await client.post("/api/v1/questions", content=body, headers=auth(asker) | {"content-type": "application/json; charset=utf-8"})
    assert sent.status_code == 201, sent.text
    assert (await client.get("/api/v1/questions")).json()["total"] == 1
