"""Suggestions run end to end: questions asked through the API, embedded by the real worker and model."""

from __future__ import annotations

import pytest

from forum.embeddings.service import Embedder, get_embedder
from forum.jobs.worker import Worker
from tests.factories import auth


@pytest.fixture(scope="session")
def embedder(test_settings) -> Embedder:
    return get_embedder(test_settings)


@pytest.fixture
def run_jobs(sessionmaker, test_settings, embedder):
    """Drain the job queue the way `forum worker` would, inside the test's transaction."""

    async def drain() -> int:
        return await Worker(sessionmaker, test_settings).run_until_idle()

    return drain


@pytest.fixture
def ask_and_answer(client):
    """Post a question, optionally answer it and mark the answer as the solution, all through the API."""

    async def create(asker, subject, body, *, answer=None, helper=None, solve=False):
        q = (await client.post("/api/v1/questions", json={"subject": subject, "body": body}, headers=auth(asker))).json()
        if answer:
            reply = (await client.post(f"/api/v1/questions/{q['id']}/replies", json={"body": answer}, headers=auth(helper))).json()
            if solve:
                await client.post(f"/api/v1/questions/{q['id']}/solution", json={"reply_id": reply["id"]}, headers=auth(asker))
        return q

    return create
