"""The weekly support-hero rotation: support sets it per team, routing picks this week's hero."""

from __future__ import annotations

from datetime import date, timedelta

from forum.support.targets import week_start
from tests.factories import auth
from tests.support.conftest import TEXTS


async def test_routing_picks_this_weeks_hero_of_the_questions_team(world, ask, run_jobs, case_of, set_hero):
    this_week = week_start()
    await set_hero(world.flags_team, world.hero)
    await set_hero(world.flags_team, world.engineer, week=this_week + timedelta(days=7))
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    await run_jobs()
    item = (await case_of(question["id"]))["item"]
    assert item["owner"]["id"] == world.hero.id and item["team"]["id"] == world.flags_team.id


async def test_a_new_hero_for_the_week_replaces_the_old_one(client, world, ask, run_jobs, case_of, set_hero):
    first = await set_hero(world.flags_team, world.hero)
    second = await set_hero(world.flags_team, world.engineer)
    assert first["week_start"] == second["week_start"] == week_start().isoformat()
    r = await client.get("/api/v1/support/rotations", params={"team": world.flags_team.slug}, headers=auth(world.hero))
    assert [(x["team"]["slug"], x["hero"]["id"]) for x in r.json()] == [(world.flags_team.slug, world.engineer.id)]

    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    await run_jobs()
    assert (await case_of(question["id"]))["item"]["owner"]["id"] == world.engineer.id


async def test_without_a_hero_the_team_gets_it_unowned(world, ask, run_jobs, case_of):
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    await run_jobs()
    item = (await case_of(question["id"]))["item"]
    assert item["owner"] is None and item["team"]["id"] == world.flags_team.id


async def test_weeks_start_on_monday_and_heroes_are_support_engineers(client, world):
    tuesday = week_start() + timedelta(days=1)
    r = await client.put(
        "/api/v1/support/rotations",
        json={"team": world.flags_team.slug, "profile_id": world.hero.id, "week_start": tuesday.isoformat()},
        headers=auth(world.engineer),
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "week_start"
    # Last week's rotation is over, and one two years out is a typo.
    for week in (week_start() - timedelta(days=7), week_start() + timedelta(weeks=104), date(1, 1, 1)):
        r = await client.put(
            "/api/v1/support/rotations",
            json={"team": world.flags_team.slug, "profile_id": world.hero.id, "week_start": week.isoformat()},
            headers=auth(world.engineer),
        )
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "week_start", week
        assert week_start().isoformat() in r.json()["errors"][0]["detail"]
    r = await client.put(
        "/api/v1/support/rotations", json={"team": world.flags_team.slug, "profile_id": world.member.id}, headers=auth(world.engineer)
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "profile_id"
    r = await client.put("/api/v1/support/rotations", json={"team": "no-such-team", "profile_id": world.hero.id}, headers=auth(world.engineer))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "team"
    r = await client.get("/api/v1/support/rotations", headers=auth(world.engineer))
    assert r.status_code == 200 and r.json() == [], "bad input changed nothing"
