"""Every cell of the response-target matrix (issue 4's table), from a question asked through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories import auth
from tests.support.conftest import TEXTS, jobs_of

HOUR, DAY = 60, 24 * 60
# The published promise, as the migration seeds it: (minutes, responder).
MATRIX = {
    ("critical", "high"): (HOUR, "customer_success"),
    ("critical", "medium"): (HOUR, "customer_success"),
    ("critical", "low"): (DAY, "customer_success"),
    ("high", "high"): (HOUR, "customer_success"),
    ("high", "medium"): (DAY, "support_hero"),
    ("high", "low"): (DAY, "support_hero"),
    ("medium", "high"): (DAY, "support_hero"),
    ("medium", "medium"): (DAY, "support_hero"),
    ("medium", "low"): (2 * DAY, "support_hero"),
    ("low", "high"): (DAY, "support_hero"),
    ("low", "medium"): (2 * DAY, "support_hero"),
    ("low", "low"): (None, "automated"),
}


@pytest.mark.parametrize(("severity", "priority"), list(MATRIX), ids=[f"{s}-{p}" for s, p in MATRIX])
async def test_each_cell_sets_due_time_responder_and_owner(severity, priority, world, ask, run_jobs, case_of, set_hero, db_session):
    await set_hero(world.flags_team, world.hero)
    subject, body = TEXTS[severity]
    question = await ask(world.customers[priority], subject, body, topics=[world.flags_topic])
    await run_jobs()

    case = await case_of(question["id"])
    item = case["item"]
    minutes, responder = MATRIX[(severity, priority)]
    assert (item["severity"], item["priority"], item["responder"]) == (severity, priority, responder)
    assert item["flagged"] is (severity != "low")
    if severity != "low":
        assert item["reasons"] and all(r["weight"] > 0 and r["evidence"] for r in item["reasons"])

    asked = datetime.fromisoformat(item["asked_at"])
    if minutes is None:
        assert item["due_at"] is None and item["seconds_left"] is None and not item["breached"]
    else:
        assert datetime.fromisoformat(item["due_at"]) - asked == timedelta(minutes=minutes)
        assert minutes * 60 - 120 <= item["seconds_left"] <= minutes * 60

    if responder == "customer_success":
        assert item["team"]["slug"] == "customer-success" and item["owner"] is None
    elif responder == "support_hero":
        assert item["team"]["id"] == world.flags_team.id
        assert item["owner"] == {"id": world.hero.id, "display_name": "Hero Hana"}
    else:
        # Low/Low: the automated reply is queued, nobody owns it, and no ticket is made.
        assert item["owner"] is None and case["ticket"] is None
        assert [j.payload["question_id"] for j in await jobs_of(db_session, "support_auto_reply")] == [question["id"]]
    assert [e["kind"] for e in case["events"]] == ["assessed"]


async def test_the_matrix_is_data_that_admins_change(client, world, ask, run_jobs, case_of, db_session):
    r = await client.put(
        "/api/v1/support/targets",
        json={"cells": [{"severity": "low", "priority": "low", "responder": "support_hero", "respond_within_minutes": 3 * DAY}]},
        headers=auth(world.admin),
    )
    assert r.status_code == 200, r.text
    assert {"severity": "low", "priority": "low", "responder": "support_hero", "respond_within_minutes": 3 * DAY} in r.json()

    question = await ask(world.customers["low"], *TEXTS["low"], topics=[world.flags_topic])
    await run_jobs()
    item = (await case_of(question["id"]))["item"]
    assert item["responder"] == "support_hero"
    assert datetime.fromisoformat(item["due_at"]) - datetime.fromisoformat(item["asked_at"]) == timedelta(days=3)
    assert await jobs_of(db_session, "support_auto_reply") == [], "a person answers now, not the bot"
