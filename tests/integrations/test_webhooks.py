"""Signed outgoing webhooks: what a receiver gets, how it verifies it, and what happens when it is broken."""

from __future__ import annotations

import hashlib
import hmac
import time

from forum.integrations.delivery import retry_after_seconds
from tests.factories import auth, make_profile, make_question
from tests.integrations.conftest import convert_to_ticket


def receiver_verifies(secret: str, header: str, raw_body: bytes, tolerance: int = 300) -> bool:
    """The check the README tells receivers to make, written independently of forum.integrations."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) <= tolerance


async def _endpoint(api, admin, url, events, **extra):
    r = await api.post("/api/v1/admin/webhooks", json={"url": url, "events": events, **extra}, headers=auth(admin))
    assert r.status_code == 201, r.text
    return r.json()


async def test_events_reach_subscribed_endpoints_signed_with_their_secret(api, db_session, settings, receiver, queue):
    admin = await make_profile(db_session, role="admin")
    asker = await make_profile(db_session, display_name="Ana", email="ana@private.example")
    helper = await make_profile(db_session, display_name="Ben")
    everything = await _endpoint(api, admin, f"{receiver.url}/hooks/crm", ["question.created", "reply.created", "question.solved"], description="CRM")
    replies = await _endpoint(api, admin, f"{receiver.url}/hooks/replies", ["reply.created"], secret="a-secret-the-admin-chose")
    assert everything["secret"].startswith("whsec_") and replies["secret"] == "a-secret-the-admin-chose"
    listed = (await api.get("/api/v1/admin/webhooks", headers=auth(admin))).json()
    assert all("secret" not in e for e in listed)  # shown once, at creation
    assert [e["secret_hint"] for e in listed] == ["…" + everything["secret"][-4:], "…hose"]

    # The worker runs between the steps, as it does live: each body is the state when its event went out.
    question = (await api.post("/api/v1/questions", json={"subject": "Cohorts are empty", "body": "Since v1.40."}, headers=auth(asker))).json()
    await queue.drain(settings)
    reply = (await api.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "Recalculate the cohort."}, headers=auth(helper))).json()
    await queue.drain(settings)
    await api.post(f"/api/v1/questions/{question['id']}/solution", json={"reply_id": reply["id"]}, headers=auth(asker))
    await queue.drain(settings)

    crm = [r for r in receiver.requests("POST") if r.path == "/hooks/crm"]
    only_replies = [r for r in receiver.requests("POST") if r.path == "/hooks/replies"]
    assert [r.headers["x-forum-event"] for r in crm] == ["question.created", "reply.created", "question.solved"]
    assert [r.headers["x-forum-event"] for r in only_replies] == ["reply.created"]
    for request, secret in [(r, everything["secret"]) for r in crm] + [(r, replies["secret"]) for r in only_replies]:
        header = request.headers["x-forum-signature"]
        assert receiver_verifies(secret, header, request.body)
        assert not receiver_verifies("whsec_someone-elses-secret", header, request.body)
        assert not receiver_verifies(secret, header, request.body.replace(b"Cohorts", b"Kohorts"))
        assert request.headers["content-type"] == "application/json"
        assert request.json()["event"] == request.headers["x-forum-event"]
    assert not receiver_verifies(everything["secret"], crm[0].headers["x-forum-signature"], crm[0].body, tolerance=-1)  # too old

    created = crm[0].json()
    assert created["data"]["question"] == {
        "id": question["id"],
        "permalink": question["permalink"],
        "url": f"https://forum.example.com/questions/{question['permalink']}",
        "subject": "Cohorts are empty",
        "body": "Since v1.40.",
        "status": "open",
        "topics": [],
        "author": {"id": asker.id, "display_name": "Ana"},
        "created_at": created["data"]["question"]["created_at"],
    }
    solved = crm[2].json()["data"]
    assert solved["question"]["status"] == "resolved" and solved["reply"]["id"] == reply["id"]
    assert all(b"ana@private.example" not in r.body for r in crm + only_replies)
    # One event, one body and event id for every endpoint; one delivery id per endpoint, for their dedupe.
    assert crm[1].json() == only_replies[0].json()
    deliveries = [r.headers["x-forum-delivery"] for r in crm + only_replies]
    assert len(set(deliveries)) == 4 and all(d.startswith("dlv_") for d in deliveries)

    shown = (await api.get(f"/api/v1/admin/webhooks/{everything['id']}", headers=auth(admin))).json()
    assert shown["last_status_code"] == 204 and shown["last_success_at"] is not None and shown["last_error"] is None


async def test_ticket_events_carry_the_ticket_but_not_its_private_context(api, db_session, settings, receiver, queue):
    admin = await make_profile(db_session, role="admin")
    secret = (await _endpoint(api, admin, f"{receiver.url}/tickets", ["ticket.created"]))["secret"]
    question = await make_question(db_session, await make_profile(db_session), "Delete my organisation's data")
    ticket = await convert_to_ticket(db_session, question, context={"author_email": "private@example.com"})

    await queue.drain(settings)

    (request,) = receiver.requests("POST")
    assert request.headers["x-forum-event"] == "ticket.created" and receiver_verifies(secret, request.headers["x-forum-signature"], request.body)
    data = request.json()["data"]
    assert data["ticket"]["id"] == ticket.id and data["ticket"]["external_id"] == ticket.external_id
    assert data["question"]["subject"] == "Delete my organisation's data"
    assert b"private@example.com" not in request.body


async def test_a_broken_receiver_ends_in_the_dead_letter_list_and_an_admin_retries_it(api, db_session, settings, receiver, queue):
    settings = settings.replace(delivery_max_attempts=3)
    admin = await make_profile(db_session, role="admin")
    endpoint = await _endpoint(api, admin, f"{receiver.url}/hook", ["question.created"])
    receiver.failing_status = 500
    asked = (await api.post("/api/v1/questions", json={"subject": "Broken receiver", "body": "?"}, headers=auth(admin))).json()
    receiver.plan("POST", "429")  # first rate limited, then failing for good

    await queue.run(settings)
    first = await queue.job("webhook_deliver")
    assert (first.status, first.attempts, round(first.delay)) == ("queued", 1, 7)
    await queue.drain(settings)

    dead = (await api.get("/api/v1/admin/jobs/dead", params={"kind": "webhook_deliver"}, headers=auth(admin))).json()
    (item,) = dead["items"]
    assert dead["next_before_id"] is None
    assert item["attempts"] == 3 and "answered 500" in item["last_error"]
    assert item["payload"]["endpoint_id"] == endpoint["id"] and item["payload"]["event"] == "question.created"
    assert item["payload"]["body"]["data"]["question"]["id"] == asked["id"]
    shown = (await api.get(f"/api/v1/admin/webhooks/{endpoint['id']}", headers=auth(admin))).json()
    assert shown["last_status_code"] == 500 and shown["last_failure_at"] is not None and "500" in shown["last_error"]
    attempts = receiver.requests("POST")
    assert len(attempts) == 3 and len({r.headers["x-forum-delivery"] for r in attempts}) == 1

    receiver.failing_status = None  # the receiver is fixed
    assert (await api.post(f"/api/v1/admin/jobs/dead/{item['id']}/retry", headers=auth(admin))).status_code == 200
    assert (await api.post(f"/api/v1/admin/jobs/dead/{item['id']}/retry", headers=auth(admin))).status_code == 404
    await queue.drain(settings)
    delivered = receiver.requests("POST")[-1]
    assert len(receiver.requests("POST")) == 4
    assert delivered.headers["x-forum-delivery"] == attempts[0].headers["x-forum-delivery"]  # the receiver can dedupe
    assert delivered.body == attempts[0].body
    assert (await api.get("/api/v1/admin/jobs/dead", headers=auth(admin))).json()["items"] == []

    # A ping that cannot be delivered either is discarded instead.
    receiver.failing_status = 410
    ping = await api.post(f"/api/v1/admin/webhooks/{endpoint['id']}/ping", headers=auth(admin))
    assert ping.status_code == 202
    await queue.drain(settings)
    (ping_item,) = (await api.get("/api/v1/admin/jobs/dead", headers=auth(admin))).json()["items"]
    assert ping_item["payload"]["delivery_id"] == ping.json()["delivery_id"] and ping_item["payload"]["event"] == "ping"
    assert (await api.delete(f"/api/v1/admin/jobs/dead/{ping_item['id']}", headers=auth(admin))).status_code == 204
    assert (await api.delete(f"/api/v1/admin/jobs/dead/{ping_item['id']}", headers=auth(admin))).status_code == 404
    assert (await api.get("/api/v1/admin/jobs/dead", headers=auth(admin))).json()["items"] == []


async def test_switched_off_or_deleted_endpoints_get_nothing(api, db_session, settings, receiver, queue):
    admin = await make_profile(db_session, role="admin")
    off = await _endpoint(api, admin, f"{receiver.url}/off", ["question.created"], active=False)
    gone = await _endpoint(api, admin, f"{receiver.url}/gone", ["question.created"])
    await api.post("/api/v1/questions", json={"subject": "Anyone there?", "body": "Hello"}, headers=auth(admin))
    assert (await api.delete(f"/api/v1/admin/webhooks/{gone['id']}", headers=auth(admin))).status_code == 204

    await queue.drain(settings)

    assert receiver.received == []
    assert (await api.get(f"/api/v1/admin/webhooks/{gone['id']}", headers=auth(admin))).status_code == 404
    patched = await api.patch(f"/api/v1/admin/webhooks/{off['id']}", json={"active": True, "events": ["reply.created"]}, headers=auth(admin))
    assert patched.json()["active"] is True and patched.json()["events"] == ["reply.created"]
    replaced = await api.post(f"/api/v1/admin/webhooks/{off['id']}/secret", json={}, headers=auth(admin))
    assert replaced.status_code == 200 and replaced.json()["secret"] != off["secret"]


async def test_an_absurd_retry_after_is_capped_by_the_longest_backoff(api, db_session, settings, receiver, queue):
    admin = await make_profile(db_session, role="admin")
    endpoint = await _endpoint(api, admin, f"{receiver.url}/hook", ["question.created"])
    receiver.plan("POST", "429:31536000")  # "come back in a year"
    await api.post(f"/api/v1/admin/webhooks/{endpoint['id']}/ping", headers=auth(admin))

    await queue.run(settings.replace(job_backoff_max_seconds=900))

    job = await queue.job("webhook_deliver")
    assert (job.status, job.attempts, round(job.delay)) == ("queued", 1, 900)


def test_retry_after_is_read_as_seconds_or_as_a_date():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: now
    assert 50 < retry_after_seconds(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))) <= 60
    assert retry_after_seconds("soon", default=30) == 30 and retry_after_seconds(None) == 60
