from tests.factories import auth, make_profile, make_topic


async def test_ask_and_show(client, db_session):
    asker = await make_profile(db_session)
    topic = await make_topic(db_session, "Feature flags")
    r = await client.post("/api/v1/questions", json={"subject": "How do I bootstrap flags?", "body": "Some **bold**", "topics": [topic.slug]}, headers=auth(asker))
    assert r.status_code == 201, r.text
    q = r.json()
    r = await client.get(f"/api/v1/questions/{q['permalink']}")
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/questions")
    assert r.json()["total"] == 1, r.text
    r = await client.get("/health")
    assert r.json() == {"status": "ok", "database": "ok"}
