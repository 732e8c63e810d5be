"""Only admins see or change where the forum sends its data, and the dead-letter list."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from forum.jobs.queue import enqueue
from tests.factories import auth, make_profile, make_topic

ADMIN_CALLS = [
    ("GET", "/api/v1/admin/webhooks", None),
    ("POST", "/api/v1/admin/webhooks", {"url": "https://hooks.example.com/x", "events": ["question.created"]}),
    ("GET", "/api/v1/admin/webhooks/1", None),
    ("PATCH", "/api/v1/admin/webhooks/1", {"active": False}),
    ("POST", "/api/v1/admin/webhooks/1/secret", {}),
    ("POST", "/api/v1/admin/webhooks/1/ping", None),
    ("DELETE", "/api/v1/admin/webhooks/1", None),
    ("GET", "/api/v1/admin/slack", None),
    ("PUT", "/api/v1/admin/slack/topics/surveys", {"webhook_url": "https://hooks.slack.com/services/T/B/x"}),
    ("DELETE", "/api/v1/admin/slack/topics/surveys", None),
    ("GET", "/api/v1/admin/jobs/dead", None),
    ("POST", "/api/v1/admin/jobs/dead/1/retry", None),
    ("DELETE", "/api/v1/admin/jobs/dead/1", None),
]


@pytest.mark.parametrize("role", ["member", "moderator", "support"])
async def test_non_admins_are_refused_everywhere(client, db_session, role):
    profile = await make_profile(db_session, role=role)
    await make_topic(db_session, "Surveys")
    for method, path, body in ADMIN_CALLS:
        r = await client.request(method, path, json=body, headers=auth(profile))
        assert r.status_code == 403, (method, path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_anonymous_callers_must_sign_in(client):
    for method, path, body in ADMIN_CALLS:
        assert (await client.request(method, path, json=body)).status_code == 401, (method, path)


async def test_endpoint_input_is_checked(client, db_session):
    admin = await make_profile(db_session, role="admin")

    async def create(**body):
        return await client.post("/api/v1/admin/webhooks", json={"url": "https://hooks.example.com/x", "events": ["question.created"], **body}, headers=auth(admin))

    bad_url = await create(url="ftp://files.example.com/drop")
    assert bad_url.status_code == 422 and bad_url.json()["errors"][0]["field"] == "url"
    assert (await create(events=["question.deleted"])).status_code == 400
    assert (await create(events=[])).status_code == 400
    assert (await create(secret="short")).status_code == 400
    made = await create(events=["reply.created", "question.created", "reply.created"])
    assert made.status_code == 201 and made.json()["events"] == ["question.created", "reply.created"]
    blank = await create(description="   ")
    assert blank.status_code == 201 and blank.json()["description"] is None, "a blank description is no description"
    assert (await client.get("/api/v1/admin/webhooks/999999", headers=auth(admin))).status_code == 404


async def test_dead_letter_list_pages_and_filters(client, db_session):
    admin = await make_profile(db_session, role="admin")
    for n in range(3):
        await enqueue(db_session, "webhook_deliver", {"n": n})
    await enqueue(db_session, "slack_post", {"n": 9})
    # As the worker leaves them after their last attempt.
    await db_session.execute(
        text("UPDATE jobs SET status = 'dead', attempts = max_attempts, last_error = 'boom', finished_at = now() WHERE payload ? 'n'")
    )

    first = (await client.get("/api/v1/admin/jobs/dead", params={"kind": "webhook_deliver", "limit": 2}, headers=auth(admin))).json()
    assert [i["payload"]["n"] for i in first["items"]] == [2, 1]
    rest = (await client.get("/api/v1/admin/jobs/dead", params={"kind": "webhook_deliver", "before_id": first["next_before_id"]}, headers=auth(admin))).json()
    assert [i["payload"]["n"] for i in rest["items"]] == [0] and rest["next_before_id"] is None
    everything = (await client.get("/api/v1/admin/jobs/dead", headers=auth(admin))).json()["items"]
    assert {i["kind"] for i in everything} == {"webhook_deliver", "slack_post"}
    assert (await client.post("/api/v1/admin/jobs/dead/999999999/retry", headers=auth(admin))).status_code == 404
