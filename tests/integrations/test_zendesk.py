"""Tickets reach Zendesk exactly once, with all the context, however Zendesk fails on the way."""

from __future__ import annotations

from datetime import UTC, datetime

from forum.jobs.queue import enqueue
from forum.models import SupportCase
from tests.factories import auth, make_profile, make_question, make_topic
from tests.integrations.conftest import convert_to_ticket, make_organisation, ticket_row

BODY = "Since this morning `isFeatureEnabled` returns false for everyone.\n\nOur **production** checkout is down."
# Shaped like support's ticket_context (forum/support/cases.py).
CONTEXT = {
    "question": {"subject": "Flags stopped working in production", "body": BODY},
    "author": {"display_name": "Dana Reyes", "email": "dana@acme.example"},
    "severity": "critical",
    "priority": "high",
    "team": {"slug": "flags", "name": "Feature flags team"},
    "responder": "customer_success",
    "escalation_score": 0.92,
    "reasons": [
        {"signal": "urgency", "weight": 0.4, "evidence": "production checkout is down"},
        {"signal": "bug_report", "weight": 0.3, "evidence": "returns false"},
    ],
    "suggestions": {"docs": [{"title": "Troubleshooting feature flags", "url": "/docs/feature-flags/troubleshooting"}]},
}


async def _escalated_question(db_session):
    organisation = await make_organisation(db_session)
    asker = await make_profile(db_session, display_name="Dana Reyes", email="dana@acme.example", organisation_id=organisation.id)
    topic = await make_topic(db_session, "Feature flags")
    question = await make_question(db_session, asker, "Flags stopped working in production", BODY, topics=[topic])
    db_session.add(
        SupportCase(
            question_id=question.id,
            escalation_score=0.92,
            reasons=CONTEXT["reasons"],
            flagged=True,
            severity="critical",
            priority="high",
            responder="customer_success",
            due_at=datetime(2026, 12, 2, 11, 0, tzinfo=UTC),
        )
    )
    await db_session.flush()
    return question


async def test_ticket_is_created_once_through_rate_limits_errors_and_a_timeout(db_session, settings, zendesk, queue):
    question = await _escalated_question(db_session)
    ticket = await convert_to_ticket(db_session, question, message="Customer's checkout is down; please check their flags.", context=CONTEXT)
    zendesk.plan("GET", "429")
    zendesk.plan("POST", "500", "slow")

    # 1. Zendesk is rate limiting: the job waits exactly as long as Retry-After says.
    await queue.run(settings)
    job = await queue.job("deliver_ticket")
    assert (job.status, job.attempts, round(job.delay)) == ("queued", 1, 7)
    state = await ticket_row(db_session, ticket.id)
    assert state.status == "pending" and "429" in state.last_error and state.zendesk_ticket_id is None

    # 2. Zendesk fails: nothing was created, the job backs off.
    await queue.fast_forward()
    await queue.run(settings)
    job = await queue.job("deliver_ticket")
    assert (job.status, job.attempts, round(job.delay)) == ("queued", 2, 20)
    assert zendesk.tickets == {} and "500" in (await ticket_row(db_session, ticket.id)).last_error

    # 3. Zendesk creates the ticket but answers after we stopped waiting.
    await queue.fast_forward()
    await queue.run(settings)
    assert len(zendesk.tickets) == 1
    job = await queue.job("deliver_ticket")
    assert (job.status, job.attempts) == ("queued", 3)
    assert "did not answer within" in (await ticket_row(db_session, ticket.id)).last_error

    # 4. The retry finds that ticket by its external id instead of creating a second one.
    await queue.fast_forward()
    await queue.run(settings)
    (zendesk_id, created), = zendesk.tickets.items()
    state = await ticket_row(db_session, ticket.id)
    assert (state.status, state.zendesk_ticket_id, state.last_error) == ("sent", zendesk_id, None)
    assert state.sent_at is not None
    assert (await queue.job("deliver_ticket")).status == "done"
    assert len(zendesk.requests("POST")) == 2  # the 500 and the slow one; never a third

    # What support sees in Zendesk: everything, without asking the user again.
    assert created["external_id"] == f"forum-question-{question.id}"
    assert created["subject"] == "Flags stopped working in production"
    assert created["requester"] == {"name": "Dana Reyes", "email": "dana@acme.example"}
    assert created["priority"] == "urgent"
    assert {"forum", "severity_critical", "customer_priority_high", "topic_feature_flags"} <= set(created["tags"])
    assert created["comment"]["public"] is False
    comment = created["comment"]["body"]
    for expected in [
        "Customer's checkout is down; please check their flags.",
        f"https://forum.example.com/questions/{question.permalink}",
        "Dana Reyes <dana@acme.example>, Acme Analytics (enterprise plan)",
        "Severity: critical / customer priority: high",
        "Respond by: 2026-12-02T11:00",
        "Our **production** checkout is down.",
        "Name: Feature flags team",
        "Responder: customer_success",
        "Escalation score: 0.92",
        "Signal: urgency, Weight: 0.4, Evidence: production checkout is down",
        "Troubleshooting feature flags",
    ]:
        assert expected in comment, expected
    assert comment.count("Our **production** checkout is down.") == 1 and comment.count("dana@acme.example") == 1

    # Delivering it again (a stray retry) touches nothing in Zendesk.
    requests_before = len(zendesk.received)
    await enqueue(db_session, "deliver_ticket", {"ticket_id": ticket.id}, dedupe_key=f"ticket:{ticket.id}")
    await queue.run(settings)
    assert len(zendesk.received) == requests_before and len(zendesk.tickets) == 1


async def test_unconfigured_zendesk_keeps_the_ticket_until_an_admin_retries_it(api, db_session, settings, zendesk, queue):
    admin = await make_profile(db_session, role="admin")
    question = await _escalated_question(db_session)
    ticket = await convert_to_ticket(db_session, question, context=CONTEXT)
    unconfigured = settings.replace(zendesk_base_url=None, zendesk_api_token=None)

    await queue.run(unconfigured)
    job = await queue.job("deliver_ticket")
    assert (job.status, job.attempts) == ("queued", 1)
    assert "Zendesk is not configured" in job.last_error
    assert (await ticket_row(db_session, ticket.id)).status == "pending"

    for _ in range(7):  # the rest of its 8 attempts
        await queue.fast_forward()
        await queue.run(unconfigured)
    state = await ticket_row(db_session, ticket.id)
    assert state.status == "failed" and "Zendesk is not configured" in state.last_error
    assert zendesk.received == []  # nothing was ever pretended to be sent

    dead = (await api.get("/api/v1/admin/jobs/dead", params={"kind": "deliver_ticket"}, headers=auth(admin))).json()
    (item,) = dead["items"]
    assert (item["payload"], item["attempts"]) == ({"ticket_id": ticket.id}, 8)
    assert "Zendesk is not configured" in item["last_error"]
    retried = await api.post(f"/api/v1/admin/jobs/dead/{item['id']}/retry", headers=auth(admin))
    assert retried.status_code == 200 and retried.json() == {"id": item["id"], "status": "queued"}

    await queue.run(settings)  # now configured
    state = await ticket_row(db_session, ticket.id)
    assert state.status == "sent" and state.zendesk_ticket_id in zendesk.tickets and state.last_error is None
    assert len(zendesk.tickets) == 1


async def test_a_ticket_linked_by_hand_is_not_created_again(db_session, settings, zendesk, queue):
    question = await make_question(db_session, await make_profile(db_session))
    ticket = await convert_to_ticket(db_session, question)
    ticket.status, ticket.zendesk_ticket_id = "linked", 777
    await db_session.flush()

    await queue.run(settings)

    assert zendesk.received == []
    assert (await ticket_row(db_session, ticket.id)).status == "linked"


async def test_wrong_zendesk_credentials_fail_the_delivery_visibly(db_session, settings, zendesk, queue):
    question = await make_question(db_session, await make_profile(db_session))
    ticket = await convert_to_ticket(db_session, question)

    await queue.run(settings.replace(zendesk_api_token="revoked"))

    job = await queue.job("deliver_ticket")
    assert job.status == "queued" and "Zendesk answered 401" in job.last_error
    assert zendesk.tickets == {} and (await ticket_row(db_session, ticket.id)).zendesk_ticket_id is None
    assert round(job.delay) == 10  # the ordinary backoff
