"""Converting a question into a ticket with its full context, linking an existing one, auto-conversion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from forum.models import Ticket
from tests.factories import auth
from tests.support.conftest import TEXTS, jobs_of


async def test_convert_creates_the_ticket_with_full_context_and_queues_its_delivery(client, world, ask, run_jobs, db_session):
    question = await ask(world.customers["high"], *TEXTS["high"], topics=[world.billing_topic])
    await run_jobs()
    r = await client.post(f"/api/v1/support/cases/{question['id']}/convert", json={"message": "Refund the duplicate charge"},
                          headers=auth(world.engineer))
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["item"]["state"] == "converted" and case["clock_stopped_at"]
    assert case["ticket"]["status"] == "pending" and case["ticket"]["external_id"] == f"forum-question-{question['id']}"
    assert case["events"][-1]["kind"] == "converted"

    ticket = await db_session.scalar(select(Ticket).where(Ticket.question_id == question["id"]))
    context = ticket.context
    assert ticket.message == "Refund the duplicate charge" and ticket.created_by_id == world.engineer.id
    assert context["question"]["subject"] == TEXTS["high"][0] and context["question"]["body"] == TEXTS["high"][1]
    assert context["question"]["url"].endswith(f"/questions/{question['permalink']}")
    assert context["author"]["email"] == world.customers["high"].email
    assert context["organisation"] == {"id": world.orgs["high"].id, "name": "Enterprise Corp", "plan": "enterprise"}
    assert context["topics"] == [{"slug": world.billing_topic.slug, "label": world.billing_topic.label}]
    assert context["team"]["slug"] == "customer-success"
    assert (context["severity"], context["priority"]) == ("high", "high")
    assert datetime.fromisoformat(context["due_at"]) == datetime.fromisoformat(case["item"]["due_at"])
    assert {r["signal"] for r in context["reasons"]} >= {"account_request"}
    assert set(context["suggestions"]) == {"questions", "docs", "shown_while_asking"}

    (delivery,) = await jobs_of(db_session, "deliver_ticket")
    assert delivery.payload == {"ticket_id": ticket.id} and delivery.dedupe_key == f"ticket:{ticket.id}"
    announced = [j.payload for j in await jobs_of(db_session, "webhook_fanout") if j.payload.get("event") == "ticket.created"]
    assert announced == [{"event": "ticket.created", "ticket_id": ticket.id, "question_id": question["id"]}]
    queue = (await client.get("/api/v1/support/queue", headers=auth(world.engineer))).json()["items"]
    assert question["id"] not in [i["question_id"] for i in queue]


async def test_one_ticket_per_question_and_a_message_is_required(client, world, ask, run_jobs, db_session):
    question = await ask(world.customers["high"], *TEXTS["high"])
    await run_jobs()
    url = f"/api/v1/support/cases/{question['id']}"
    for body, field in (({"message": "   "}, "message"), ({}, "message"), ({"message": "x" * 5001}, "message")):
        r = await client.post(f"{url}/convert", json=body, headers=auth(world.engineer))
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == field
    assert await db_session.scalar(select(Ticket).where(Ticket.question_id == question["id"])) is None

    assert (await client.post(f"{url}/convert", json={"message": "Refund"}, headers=auth(world.engineer))).status_code == 201
    assert (await client.post(f"{url}/convert", json={"message": "Again"}, headers=auth(world.hero))).status_code == 409
    assert (await client.post(f"{url}/link", json={"zendesk_ticket_id": 55}, headers=auth(world.hero))).status_code == 409
    assert len(await jobs_of(db_session, "deliver_ticket")) == 1


async def test_link_records_an_existing_zendesk_ticket_without_sending_anything(client, world, ask, run_jobs, db_session):
    question = await ask(world.customers["medium"], *TEXTS["medium"])
    await run_jobs()
    bad = await client.post(f"/api/v1/support/cases/{question['id']}/link", json={"zendesk_ticket_id": 0}, headers=auth(world.engineer))
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "zendesk_ticket_id"
    r = await client.post(f"/api/v1/support/cases/{question['id']}/link", json={"zendesk_ticket_id": 4321}, headers=auth(world.engineer))
    assert r.status_code == 201, r.text
    assert r.json()["ticket"]["status"] == "linked" and r.json()["ticket"]["zendesk_ticket_id"] == 4321
    assert r.json()["events"][-1] == {**r.json()["events"][-1], "kind": "linked"}
    assert await jobs_of(db_session, "deliver_ticket") == []


async def test_nothing_is_converted_silently_unless_auto_conversion_is_on(client, world, ask, run_jobs, case_of, test_settings, db_session):
    quiet = await ask(world.customers["high"], *TEXTS["critical"])
    await run_jobs()
    assert (await case_of(quiet["id"]))["ticket"] is None

    auto = test_settings.replace(support_auto_convert=True, support_auto_convert_min_score=0.9)
    critical = await ask(world.customers["high"], "Our production site is down", "Every request to the capture endpoint returns 502 since 09:00.")
    medium = await ask(world.customers["high"], *TEXTS["medium"])
    await run_jobs(auto)
    converted = await case_of(critical["id"])
    assert converted["ticket"]["status"] == "pending" and converted["item"]["state"] == "converted"
    assert converted["ticket"]["message"].startswith("Converted automatically")
    assert (await case_of(medium["id"]))["ticket"] is None, "below the auto-conversion score"
    assert [j.payload["ticket_id"] for j in await jobs_of(db_session, "deliver_ticket")] == [converted["ticket"]["id"]]
