"""The support workflow end to end: questions asked through the API, assessed by the real worker
and model, handled through the support API."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from forum.embeddings.service import get_embedder
from forum.jobs.worker import Worker
from forum.models import Organisation, Profile, Team, Topic
from tests.factories import auth, make_profile, make_team, make_topic

# Texts the assessment grades as each severity (tests/support/test_assessment.py pins why).
TEXTS = {
    "critical": ("Production is down: capture returns 503 for every request",
                 "Since 08:00 UTC ingestion is down for our whole app and we are losing all events."),
    "high": ("Charged twice for March", "Our card was charged twice, two payments of $450. Please refund the duplicate."),
    "medium": ("Please resend our March invoice", "Our accounts team never received it. Could you resend it to billing@example.com?"),
    "low": ("How do I build a funnel with three steps?", "I want signup, activation and payment as steps. Which insight should I use?"),
}
PLANS = {"high": "enterprise", "medium": "paid", "low": "free"}


@pytest.fixture(scope="session")
def embedder(test_settings):
    return get_embedder(test_settings)


@pytest.fixture
def run_jobs(sessionmaker, test_settings, embedder):
    """Drain the job queue as `forum worker` would, inside the test's transaction."""

    async def drain(settings=None) -> int:
        return await Worker(sessionmaker, settings or test_settings).run_until_idle()

    return drain


@dataclass
class World:
    flags_team: Team
    success_team: Team
    flags_topic: Topic
    billing_topic: Topic
    hero: Profile
    engineer: Profile
    admin: Profile
    member: Profile
    orgs: dict[str, Organisation]
    # A member of an organisation per priority: "high" is on the enterprise plan, and so on.
    customers: dict[str, Profile] = field(default_factory=dict)


@pytest.fixture
async def world(db_session) -> World:
    flags_team = await make_team(db_session, "Flags crew")
    success_team = Team(name="Customer Success", slug="customer-success")
    db_session.add(success_team)
    await db_session.flush()
    flags_topic = await make_topic(db_session, "Flag rollouts", team_id=flags_team.id)
    billing_topic = await make_topic(db_session, "Bills and plans", team_id=success_team.id)
    orgs = {}
    for priority, plan in PLANS.items():
        org = Organisation(name=f"{plan.title()} Corp", plan=plan)
        db_session.add(org)
        orgs[priority] = org
    await db_session.flush()
    w = World(
        flags_team=flags_team, success_team=success_team, flags_topic=flags_topic, billing_topic=billing_topic,
        hero=await make_profile(db_session, role="support", display_name="Hero Hana"),
        engineer=await make_profile(db_session, role="support", display_name="Engineer Eli"),
        admin=await make_profile(db_session, role="admin"),
        member=await make_profile(db_session),
        orgs=orgs,
    )
    w.customers = {p: await make_profile(db_session, organisation_id=org.id) for p, org in orgs.items()}
    return w


@pytest.fixture
def ask(client):
    async def post(author: Profile, subject: str, body: str, topics=()) -> dict:
        r = await client.post(
            "/api/v1/questions", json={"subject": subject, "body": body, "topics": [t.slug for t in topics]}, headers=auth(author)
        )
        assert r.status_code == 201, r.text
        return r.json()

    return post


@pytest.fixture
def case_of(client, world):
    async def get(question_id: int, viewer: Profile | None = None) -> dict:
        r = await client.get(f"/api/v1/support/cases/{question_id}", headers=auth(viewer or world.engineer))
        assert r.status_code == 200, r.text
        return r.json()

    return get


@pytest.fixture
def set_hero(client, world):
    async def put(team: Team, hero: Profile, week=None) -> dict:
        body = {"team": team.slug, "profile_id": hero.id}
        if week is not None:
            body["week_start"] = week.isoformat()
        r = await client.put("/api/v1/support/rotations", json=body, headers=auth(world.engineer))
        assert r.status_code == 200, r.text
        return r.json()

    return put


async def jobs_of(db_session, kind: str) -> list:
    rows = await db_session.execute(text("SELECT payload, dedupe_key, status, run_at FROM jobs WHERE kind = :k ORDER BY id"), {"k": kind})
    return list(rows)

