"""Claiming, explicit hand-over to a person or a team, resolving, and tagging a docs gap."""

from __future__ import annotations

import pytest

from tests.factories import auth
from tests.support.conftest import TEXTS


@pytest.fixture
async def flagged(world, ask, run_jobs):
    """A medium/medium question in the flags topic, with nobody on rotation: unowned."""
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    await run_jobs()
    return question


async def test_claim_makes_you_the_owner_and_others_must_ask_for_a_hand_over(client, world, flagged, case_of):
    r = await client.post(f"/api/v1/support/cases/{flagged['id']}/claim", headers=auth(world.engineer))
    assert r.status_code == 200, r.text
    assert r.json()["item"]["owner"]["id"] == world.engineer.id
    assert r.json()["events"][-1]["kind"] == "claimed" and r.json()["events"][-1]["actor"]["id"] == world.engineer.id

    again = await client.post(f"/api/v1/support/cases/{flagged['permalink']}/claim", headers=auth(world.engineer))
    assert again.status_code == 200, "claiming your own case again is harmless"
    taken = await client.post(f"/api/v1/support/cases/{flagged['id']}/claim", headers=auth(world.hero))
    assert taken.status_code == 409 and "Engineer Eli" in taken.json()["detail"]
    assert (await case_of(flagged["id"]))["item"]["owner"]["id"] == world.engineer.id


async def test_hand_over_to_a_person_and_then_to_a_team(client, world, flagged, case_of):
    await client.post(f"/api/v1/support/cases/{flagged['id']}/claim", headers=auth(world.engineer))
    r = await client.post(
        f"/api/v1/support/cases/{flagged['id']}/handover",
        json={"to_profile_id": world.hero.id, "note": "You know the billing side"},
        headers=auth(world.engineer),
    )
    assert r.status_code == 200, r.text
    assert r.json()["item"]["owner"]["id"] == world.hero.id
    event = r.json()["events"][-1]
    assert event["kind"] == "handed_over"
    assert event["detail"]["from_owner_id"] == world.engineer.id and event["detail"]["to_owner_id"] == world.hero.id
    assert event["detail"]["note"] == "You know the billing side"

    r = await client.post(f"/api/v1/support/cases/{flagged['id']}/handover", json={"to_team": "customer-success"}, headers=auth(world.hero))
    item = r.json()["item"]
    assert item["team"]["slug"] == "customer-success" and item["owner"] is None, "the team picks it up"
    assert [i["question_id"] for i in (await client.get("/api/v1/support/queue", params={"team": "customer-success"},
                                                        headers=auth(world.hero))).json()["items"]] == [flagged["id"]]


async def test_bad_hand_overs_change_nothing(client, world, flagged, case_of):
    url = f"/api/v1/support/cases/{flagged['id']}/handover"
    cases = [
        ({}, 400, "to_profile_id"),
        ({"to_profile_id": world.member.id}, 422, "to_profile_id"),
        ({"to_profile_id": 999_999}, 422, "to_profile_id"),
        ({"to_team": "no-such-team"}, 422, "to_team"),
        ({"to_team": "customer-success", "extra": 1}, 400, "extra"),
    ]
    for body, status, field in cases:
        r = await client.post(url, json=body, headers=auth(world.engineer))
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field
    case = await case_of(flagged["id"])
    assert case["item"]["owner"] is None and case["item"]["team"]["id"] == world.flags_team.id
    assert [e["kind"] for e in case["events"]] == ["assessed"]


async def test_hand_routing_survives_a_reassessment_after_an_edit(client, world, flagged, run_jobs, case_of):
    await client.post(f"/api/v1/support/cases/{flagged['id']}/handover", json={"to_profile_id": world.hero.id}, headers=auth(world.engineer))
    r = await client.patch(f"/api/v1/questions/{flagged['id']}", json={"body": "Still missing: the March invoice, please resend it."},
                           headers=auth(world.customers["medium"]))
    assert r.status_code == 200
    await run_jobs()
    case = await case_of(flagged["id"])
    assert case["item"]["owner"]["id"] == world.hero.id
    assert [e["kind"] for e in case["events"]] == ["assessed", "handed_over", "reassessed"]


async def test_resolve_closes_the_case_and_docs_gap_is_tagged(client, world, flagged, case_of):
    r = await client.put(f"/api/v1/support/cases/{flagged['id']}/docs-gap", json={"docs_gap": True, "note": "no invoice page"},
                         headers=auth(world.engineer))
    assert r.status_code == 200 and r.json()["item"]["docs_gap"] is True
    r = await client.post(f"/api/v1/support/cases/{flagged['id']}/resolve", json={"note": "sent by email"}, headers=auth(world.engineer))
    assert r.status_code == 200
    case = r.json()
    assert case["item"]["state"] == "resolved" and case["resolved_at"] and case["clock_stopped_at"]
    assert [e["kind"] for e in case["events"]] == ["assessed", "docs_gap", "resolved"]
    queue = (await client.get("/api/v1/support/queue", headers=auth(world.engineer))).json()["items"]
    assert flagged["id"] not in [i["question_id"] for i in queue]
    assert (await client.post(f"/api/v1/support/cases/{flagged['id']}/claim", headers=auth(world.hero))).status_code == 409
    assert (await client.post(f"/api/v1/support/cases/{flagged['id']}/resolve", json={}, headers=auth(world.hero))).status_code == 409


async def test_a_question_not_assessed_yet_has_no_case(client, world, ask):
    question = await ask(world.customers["medium"], *TEXTS["medium"])
    r = await client.post(f"/api/v1/support/cases/{question['id']}/claim", headers=auth(world.engineer))
    assert r.status_code == 404 and "not been assessed" in r.json()["detail"]
    r = await client.get("/api/v1/support/cases/no-such-question", headers=auth(world.engineer))
    assert r.status_code == 404
