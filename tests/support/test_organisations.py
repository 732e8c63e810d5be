"""Organisations and their plan, which sets the priority of their members' questions."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import auth, make_profile
from tests.support.conftest import TEXTS


async def test_support_creates_lists_and_renames_organisations(client, world):
    r = await client.post("/api/v1/support/organisations", json={"name": "  Lumen Labs ", "plan": "paid"}, headers=auth(world.engineer))
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["name"], created["plan"], created["priority"]) == ("Lumen Labs", "paid", "medium")
    listed = (await client.get("/api/v1/support/organisations", headers=auth(world.engineer))).json()
    assert "Lumen Labs" in [o["name"] for o in listed]
    r = await client.patch(f"/api/v1/support/organisations/{created['id']}", json={"name": "Lumen"}, headers=auth(world.engineer))
    assert r.json()["name"] == "Lumen" and r.json()["plan"] == "paid"
    assert (await client.get("/api/v1/support/organisations/999999", headers=auth(world.engineer))).status_code == 404


async def test_bad_organisation_input_names_the_field_and_changes_nothing(client, world):
    org = world.orgs["medium"]
    for method, url, body, status, field in [
        ("POST", "/api/v1/support/organisations", {"name": "X", "plan": "platinum"}, 422, "plan"),
        ("POST", "/api/v1/support/organisations", {"name": "   "}, 400, "name"),
        ("POST", "/api/v1/support/organisations", {"plan": "paid"}, 400, "name"),
        ("PATCH", f"/api/v1/support/organisations/{org.id}", {"plan": "platinum"}, 422, "plan"),
        ("PATCH", f"/api/v1/support/organisations/{org.id}", {"name": "Renamed", "plan": "gold"}, 422, "plan"),
        ("PATCH", f"/api/v1/support/organisations/{org.id}", {"name": " \u200b"}, 400, "name"),
        ("PATCH", f"/api/v1/support/organisations/{org.id}", {"name": None}, 400, "name"),
    ]:
        r = await client.request(method, url, json=body, headers=auth(world.engineer))
        assert r.status_code == status, (body, r.text)
        assert r.json()["errors"][0]["field"] == field
    shown = (await client.get(f"/api/v1/support/organisations/{org.id}", headers=auth(world.engineer))).json()
    assert (shown["name"], shown["plan"]) == ("Paid Corp", "paid")


async def test_a_plan_change_reprioritises_questions_still_waiting(client, world, ask, run_jobs, case_of, db_session):
    member = await make_profile(db_session, organisation_id=world.orgs["low"].id)
    waiting = await ask(member, *TEXTS["medium"])
    answered = await ask(member, "Please delete all data in our old project", "We stopped using it; please delete its events.")
    await run_jobs()
    await client.post(f"/api/v1/questions/{answered['id']}/replies", json={"body": "Deleted."}, headers=auth(world.engineer))
    assert (await case_of(waiting["id"]))["item"]["priority"] == "low"

    r = await client.patch(f"/api/v1/support/organisations/{world.orgs['low'].id}", json={"plan": "enterprise"}, headers=auth(world.engineer))
    assert r.status_code == 200 and r.json()["priority"] == "high"
    await run_jobs()
    item = (await case_of(waiting["id"]))["item"]
    assert item["priority"] == "high" and item["responder"] == "support_hero"
    assert datetime.fromisoformat(item["due_at"]) - datetime.fromisoformat(item["asked_at"]) == timedelta(days=1)
    assert (await case_of(answered["id"]))["item"]["priority"] == "low", "answered questions keep their history"


async def test_deleting_an_organisation_leaves_its_members_at_the_default_priority(client, world, ask, run_jobs, case_of):
    org = world.orgs["high"]
    r = await client.delete(f"/api/v1/support/organisations/{org.id}", headers=auth(world.admin))
    assert r.status_code == 204
    question = await ask(world.customers["high"], *TEXTS["medium"])
    await run_jobs()
    assert (await case_of(question["id"]))["item"]["priority"] == "low"
