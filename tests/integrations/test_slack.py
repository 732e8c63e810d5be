"""New questions are announced in their topic's Slack channel, once, even when Slack was down."""

from __future__ import annotations

from forum.jobs.queue import emit
from forum.models import SlackTopicWebhook
from tests.conftest import app_client
from tests.factories import auth, make_profile, make_question, make_topic
from tests.integrations.fakes import FakeSlack, free_port


async def test_questions_go_to_their_topics_channel_or_else_the_default_one(api, db_session, sessionmaker, settings, slack, queue):
    admin = await make_profile(db_session, role="admin")
    asker = await make_profile(db_session, display_name="Sam <the> Asker")
    for label in ("Feature flags", "Surveys", "Session replay"):
        await make_topic(db_session, label)
    flags_channel = f"{slack.url}/services/T01/B01/flags-secret-part"
    for slug in ("feature-flags", "surveys"):  # two topics, one channel
        r = await api.put(f"/api/v1/admin/slack/topics/{slug}", json={"webhook_url": flags_channel}, headers=auth(admin))
        assert r.status_code == 200, r.text
    settings = settings.replace(slack_default_webhook_url=f"{slack.url}/services/T01/B02/default")

    both = (await api.post(
        "/api/v1/questions",
        json={"subject": "Flags & surveys <together>", "body": "Can a survey target a flag?", "topics": ["feature-flags", "surveys"]},
        headers=auth(asker),
    )).json()
    replay = (await api.post(
        "/api/v1/questions", json={"subject": "Replay is blank", "body": "Recordings show nothing.", "topics": ["session-replay"]}, headers=auth(asker)
    )).json()
    await queue.drain(settings)

    (flags_message,) = slack.messages("/services/T01/B01/flags-secret-part")
    (default_message,) = slack.messages("/services/T01/B02/default")
    assert flags_message["text"] == "New question: Flags & surveys <together>"
    blocks = str(flags_message["blocks"])
    assert f"<https://forum.example.com/questions/{both['permalink']}|Flags &amp; surveys &lt;together&gt;>" in blocks
    assert "Feature flags · Surveys · asked by Sam &lt;the&gt; Asker" in blocks
    assert f"https://forum.example.com/questions/{replay['permalink']}" in str(default_message["blocks"])

    async with app_client(settings, sessionmaker) as with_default:
        listed = (await with_default.get("/api/v1/admin/slack", headers=auth(admin))).json()
    assert listed["default_configured"] is True
    assert [(t["topic"], t["webhook_url"]) for t in listed["topics"]] == [
        ("feature-flags", "http://127.0.0.1/…part"),
        ("surveys", "http://127.0.0.1/…part"),
    ]
    assert (await api.delete("/api/v1/admin/slack/topics/surveys", headers=auth(admin))).status_code == 204
    assert (await api.delete("/api/v1/admin/slack/topics/surveys", headers=auth(admin))).status_code == 404
    assert (await api.put("/api/v1/admin/slack/topics/ghost", json={"webhook_url": flags_channel}, headers=auth(admin))).status_code == 404
    bad = await api.put("/api/v1/admin/slack/topics/surveys", json={"webhook_url": "javascript:alert(1)"}, headers=auth(admin))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "webhook_url"


async def test_nothing_is_announced_without_a_channel(db_session, settings, slack, queue):
    topic = await make_topic(db_session, "Surveys")
    question = await make_question(db_session, await make_profile(db_session), topics=[topic])
    await emit(db_session, "question.created", {"question_id": question.id})

    await queue.drain(settings)

    assert slack.received == []


async def test_slack_down_then_rate_limiting_then_up_announces_exactly_once(db_session, settings, queue):
    port = free_port()  # nothing listens there: Slack is down
    topic = await make_topic(db_session, "Data warehouse")
    db_session.add(SlackTopicWebhook(topic_id=topic.id, webhook_url=f"http://127.0.0.1:{port}/services/T1/B1/dw"))
    question = await make_question(db_session, await make_profile(db_session), "Sync to BigQuery is stuck", topics=[topic])
    await emit(db_session, "question.created", {"question_id": question.id})

    await queue.run(settings)
    await queue.fast_forward()
    await queue.run(settings)
    job = await queue.job("slack_post")
    assert (job.status, job.attempts, round(job.delay)) == ("queued", 2, 20)
    assert "Slack could not be reached" in job.last_error

    slack = FakeSlack(port=port).start()  # Slack is back, and rate limits the first call
    try:
        slack.plan("POST", "429")
        await queue.fast_forward()
        await queue.run(settings)
        job = await queue.job("slack_post")
        assert (job.status, job.attempts, round(job.delay)) == ("queued", 3, 7)
        assert slack.messages() == [] and len(slack.received) == 1

        await queue.drain(settings)
        (message,) = slack.messages()
        assert message["text"] == "New question: Sync to BigQuery is stuck"
        assert (await queue.job("slack_post")).status == "done"
        await queue.drain(settings)
        assert len(slack.messages()) == 1
    finally:
        slack.stop()
