"""The taxonomy the website navigates by: teams own topics, topics sit in groups."""

from tests.factories import auth, make_profile, make_question, make_topic


async def test_moderators_build_the_taxonomy_members_read_it(client, db_session):
    admin = await make_profile(db_session, role="admin")
    mod = await make_profile(db_session, role="moderator")
    member = await make_profile(db_session)
    assert (await client.post("/api/v1/teams", json={"name": "Replay team"}, headers=auth(mod))).status_code == 403
    team = await client.post("/api/v1/teams", json={"name": "Replay team"}, headers=auth(admin))
    assert team.status_code == 201 and team.json()["slug"] == "replay-team"
    group = await client.post("/api/v1/topic-groups", json={"label": "Products"}, headers=auth(mod))
    assert group.status_code == 201
    r = await client.post(
        "/api/v1/topics",
        json={"label": "Session replay", "description": "Recordings", "team": "replay-team", "group": "products"},
        headers=auth(mod),
    )
    assert r.status_code == 201, r.text
    topic = r.json()
    assert topic["slug"] == "session-replay" and topic["team"]["name"] == "Replay team" and topic["group"]["label"] == "Products"
    assert (await client.post("/api/v1/topics", json={"label": "Other"}, headers=auth(member))).status_code == 403
    assert (await client.post("/api/v1/topics", json={"label": "Session replay"}, headers=auth(mod))).status_code == 409
    bad = await client.post("/api/v1/topics", json={"label": "X", "team": "ghost-team"}, headers=auth(mod))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "team"
    patched = await client.patch("/api/v1/topics/session-replay", json={"description": "Watch users"}, headers=auth(mod))
    assert patched.json()["description"] == "Watch users"


async def test_topic_list_counts_visible_questions(client, db_session):
    asker = await make_profile(db_session)
    topic = await make_topic(db_session, "Surveys")
    await make_question(db_session, asker, topics=[topic])
    await make_question(db_session, asker, topics=[topic], published=False)
    listed = (await client.get("/api/v1/topics")).json()
    assert [(t["slug"], t["question_count"]) for t in listed] == [("surveys", 1)]
    assert (await client.get("/api/v1/topics/surveys")).json()["question_count"] == 1


async def test_a_team_name_taken_is_a_conflict_even_under_a_new_slug(client, db_session):
    admin = await make_profile(db_session, role="admin")
    assert (await client.post("/api/v1/teams", json={"name": "Replay team"}, headers=auth(admin))).status_code == 201
    r = await client.post("/api/v1/teams", json={"name": " Replay team ", "slug": "replay-two"}, headers=auth(admin))
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert [t["slug"] for t in (await client.get("/api/v1/teams")).json()] == ["replay-team"]


async def test_blank_names_are_refused_and_blank_descriptions_are_none(client, db_session):
    admin = await make_profile(db_session, role="admin")
    for path, body, field in [
        ("/api/v1/teams", {"name": "   ", "slug": "blank"}, "name"),
        ("/api/v1/topic-groups", {"label": "\u200b ", "slug": "blank"}, "label"),
        ("/api/v1/topics", {"label": "   ", "slug": "blank"}, "label"),
    ]:
        r = await client.post(path, json=body, headers=auth(admin))
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == field, r.text
        assert (await client.get(path)).json() == []
    r = await client.post("/api/v1/topics", json={"label": "Surveys", "description": "  "}, headers=auth(admin))
    assert r.status_code == 201 and r.json()["description"] is None
    r = await client.patch("/api/v1/topics/surveys", json={"label": " "}, headers=auth(admin))
    assert r.status_code == 400 and (await client.get("/api/v1/topics/surveys")).json()["label"] == "Surveys"
