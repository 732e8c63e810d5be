"""The first staff reply stops the response clock; nothing else does."""

from __future__ import annotations

from tests.factories import auth, make_profile
from tests.support.conftest import TEXTS


async def _queue_ids(client, world) -> list[int]:
    return [i["question_id"] for i in (await client.get("/api/v1/support/queue", headers=auth(world.engineer))).json()["items"]]


async def test_the_first_staff_reply_stops_the_clock(client, world, ask, run_jobs, case_of):
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    await run_jobs()
    assert question["id"] in await _queue_ids(client, world)

    first = await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "Resent it just now."}, headers=auth(world.hero))
    assert first.status_code == 201
    case = await case_of(question["id"])
    assert case["item"]["state"] == "responded"
    assert case["first_response_at"] == first.json()["created_at"] == case["clock_stopped_at"]
    assert case["item"]["owner"]["id"] == world.hero.id, "whoever answers an unowned case owns it"
    responded = case["events"][-1]
    assert responded["kind"] == "responded" and responded["detail"] == {"reply_id": first.json()["id"], "within_target": True}
    assert question["id"] not in await _queue_ids(client, world)

    await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "And again."}, headers=auth(world.engineer))
    assert (await case_of(question["id"]))["first_response_at"] == case["first_response_at"]


async def test_replies_by_members_or_by_the_asker_do_not_stop_it(client, world, ask, run_jobs, case_of, db_session):
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    staff_asker = await make_profile(db_session, role="support")
    own = await ask(staff_asker, *TEXTS["medium"])
    await run_jobs()
    await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "Same problem here!"}, headers=auth(world.member))
    await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "Any news?"}, headers=auth(world.customers["medium"]))
    await client.post(f"/api/v1/questions/{own['id']}/replies", json={"body": "Adding details."}, headers=auth(staff_asker))
    for q in (question, own):
        case = await case_of(q["id"])
        assert case["first_response_at"] is None and case["item"]["state"] == "open"
    assert question["id"] in await _queue_ids(client, world)


async def test_a_staff_reply_before_the_assessment_counts(client, world, ask, run_jobs, case_of):
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    reply = await client.post(f"/api/v1/questions/{question['id']}/replies", json={"body": "On it."}, headers=auth(world.engineer))
    await run_jobs()
    case = await case_of(question["id"])
    assert case["first_response_at"] == reply.json()["created_at"] and case["item"]["state"] == "responded"


async def test_answering_through_the_support_api_replies_and_can_tag_a_docs_gap(client, world, ask, run_jobs):
    question = await ask(world.customers["medium"], *TEXTS["medium"], topics=[world.flags_topic])
    await run_jobs()
    r = await client.post(
        f"/api/v1/support/cases/{question['id']}/answer", json={"body": "Resent to billing@.", "docs_gap": True}, headers=auth(world.engineer)
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["item"]["state"] == "responded" and case["item"]["docs_gap"] is True
    assert [e["kind"] for e in case["events"]] == ["assessed", "responded", "answered", "docs_gap"]
    shown = (await client.get(f"/api/v1/questions/{question['id']}")).json()
    assert [r["body"] for r in shown["replies"]] == ["Resent to billing@."]

    blank = await client.post(f"/api/v1/support/cases/{question['id']}/answer", json={"body": "   "}, headers=auth(world.engineer))
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "body"
    assert (await client.get(f"/api/v1/questions/{question['id']}")).json()["reply_count"] == 1
