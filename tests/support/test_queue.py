"""The support queue: what waits, in which order, how it filters, and when it is breached."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import auth
from tests.support.conftest import TEXTS


async def _seed(world, ask, run_jobs, set_hero):
    """A critical/high (1 hour), a medium/high (1 day), a medium/low (2 days) and an unflagged low/medium."""
    await set_hero(world.flags_team, world.hero)
    asked = {
        "critical": await ask(world.customers["high"], *TEXTS["critical"], topics=[world.flags_topic]),
        "medium-high": await ask(world.customers["high"], *TEXTS["medium"], topics=[world.billing_topic]),
        "medium-low": await ask(world.customers["low"], "Please delete all data in our old project",
                                "We stopped using the Legacy project; please permanently delete its events.", topics=[world.flags_topic]),
        "how-to": await ask(world.customers["medium"], *TEXTS["low"], topics=[world.flags_topic]),
    }
    await run_jobs()
    return {name: q["id"] for name, q in asked.items()}


async def _queue(client, world, **params) -> list[dict]:
    r = await client.get("/api/v1/support/queue", params=params, headers=auth(world.engineer))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_flagged_questions_wait_soonest_due_first_with_reasons_and_owner(client, world, ask, run_jobs, set_hero):
    ids = await _seed(world, ask, run_jobs, set_hero)
    items = await _queue(client, world)
    assert [i["question_id"] for i in items] == [ids["critical"], ids["medium-high"], ids["medium-low"]]
    first = items[0]
    assert first["severity"] == "critical" and first["team"]["slug"] == "customer-success" and first["owner"] is None
    assert {r["signal"] for r in first["reasons"]} >= {"outage"}
    assert 3400 < first["seconds_left"] <= 3600 and first["breached"] is False
    assert items[2]["owner"]["id"] == world.hero.id, "the flags team's hero of this week"
    assert items[2]["topics"] == [world.flags_topic.slug]


async def test_unflagged_questions_with_a_clock_show_on_request(client, world, ask, run_jobs, set_hero):
    ids = await _seed(world, ask, run_jobs, set_hero)
    everything = [i["question_id"] for i in await _queue(client, world, flagged_only="false")]
    assert ids["how-to"] in everything and ids["how-to"] not in [i["question_id"] for i in await _queue(client, world)]


async def test_filters_by_team_topic_and_severity(client, world, ask, run_jobs, set_hero):
    ids = await _seed(world, ask, run_jobs, set_hero)
    # Critical goes to customer success; the billing topic belongs to that team too.
    assert [i["question_id"] for i in await _queue(client, world, team="customer-success")] == [ids["critical"], ids["medium-high"]]
    assert [i["question_id"] for i in await _queue(client, world, team=world.flags_team.slug)] == [ids["medium-low"]]
    assert [i["question_id"] for i in await _queue(client, world, topic=world.billing_topic.slug)] == [ids["medium-high"]]
    assert [i["question_id"] for i in await _queue(client, world, severity="medium")] == [ids["medium-high"], ids["medium-low"]]
    r = await client.get("/api/v1/support/queue", params={"severity": "urgent"}, headers=auth(world.engineer))
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "severity"
    r = await client.get("/api/v1/support/queue", params={"team": "nope"}, headers=auth(world.engineer))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "team"


async def test_a_question_past_its_due_time_is_breached(client, world, ask, run_jobs, set_hero, db_session):
    ids = await _seed(world, ask, run_jobs, set_hero)
    await db_session.execute(
        text("UPDATE support_cases SET due_at = now() - interval '90 minutes' WHERE question_id = :id"), {"id": ids["medium-low"]}
    )
    items = await _queue(client, world)
    assert items[0]["question_id"] == ids["medium-low"], "the most overdue comes first"
    assert items[0]["breached"] is True and -5500 < items[0]["seconds_left"] <= -5400
    assert [i["question_id"] for i in await _queue(client, world, breached="true")] == [ids["medium-low"]]
    assert ids["medium-low"] not in [i["question_id"] for i in await _queue(client, world, breached="false")]

    metrics = (await client.get("/api/v1/support/metrics", headers=auth(world.engineer))).json()
    assert metrics["breaches"] == 1 and metrics["open_breaches"] == 1

    # Answered late: still a breach of the promise, but no longer waiting.
    await client.post(f"/api/v1/questions/{ids['medium-low']}/replies", json={"body": "Done, it is deleted."}, headers=auth(world.hero))
    assert ids["medium-low"] not in [i["question_id"] for i in await _queue(client, world)]
    metrics = (await client.get("/api/v1/support/metrics", headers=auth(world.engineer))).json()
    assert metrics["breaches"] == 1 and metrics["open_breaches"] == 0
    cell = next(c for c in metrics["cells"] if (c["severity"], c["priority"]) == ("medium", "low"))
    assert cell["responded"] == 1 and cell["breached"] == 1 and cell["within_target"] == 0


async def test_first_response_times_per_cell_against_target(client, world, ask, run_jobs, db_session):
    # Two critical/high questions asked 30 and 90 minutes ago, answered now: target 60 minutes.
    early = await ask(world.customers["high"], *TEXTS["critical"])
    late = await ask(world.customers["high"], "Feature flags return false for everyone in production",
                     "Since 14:00 every flag evaluates to false for all customers; the decide endpoint returns 500.")
    for question, minutes in ((early, 30), (late, 90)):
        await db_session.execute(
            text("UPDATE questions SET created_at = now() - make_interval(mins => :m) WHERE id = :id"), {"m": minutes, "id": question["id"]}
        )
    await run_jobs()
    for question in (early, late):
        await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "Looking now."}, headers=auth(world.engineer))

    metrics = (await client.get("/api/v1/support/metrics", params={"days": 7}, headers=auth(world.engineer))).json()
    cell = next(c for c in metrics["cells"] if (c["severity"], c["priority"]) == ("critical", "high"))
    assert cell["target_minutes"] == 60 and cell["questions"] == 2 and cell["responded"] == 2
    assert cell["median_first_response_minutes"] == 60.0 and cell["p90_first_response_minutes"] == 84.0
    assert cell["within_target"] == 1 and cell["breached"] == 1
    assert len(metrics["cells"]) == 12 and metrics["days"] == 7
    assert set(metrics["deflection"]) == {"drafts_shown_suggestions", "drafts_posted", "drafts_marked_helpful", "deflected", "rate"}
