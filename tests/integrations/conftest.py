"""Integrations run for real: the worker's jobs call local fake Zendesk/Slack/receiver servers over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import String

from forum.integrations.service import DELIVER_TICKET, SLACK_ANNOUNCE, SLACK_POST, WEBHOOK_DELIVER, WEBHOOK_FANOUT
from forum.jobs.queue import emit, enqueue
from forum.jobs.worker import Worker
from forum.models import Organisation, Ticket
from tests.conftest import app_client
from tests.integrations.fakes import FakeReceiver, FakeSlack, FakeZendesk

KINDS = [DELIVER_TICKET, SLACK_ANNOUNCE, SLACK_POST, WEBHOOK_FANOUT, WEBHOOK_DELIVER]
_KINDS = bindparam("kinds", KINDS, type_=ARRAY(String))


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    fake = FakeReceiver().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(test_settings, zendesk):
    # No jitter, so the tests can read the backoff off the queue; timeouts short enough for "slow".
    return test_settings.replace(
        site_base_url="https://forum.example.com",
        zendesk_base_url=zendesk.url,
        zendesk_email=zendesk.email,
        zendesk_api_token=zendesk.token,
        zendesk_timeout_seconds=0.5,
        slack_timeout_seconds=0.5,
        webhook_timeout_seconds=0.5,
        job_backoff_base_seconds=10,
        job_backoff_jitter=0,
    )


@pytest.fixture
async def api(settings, sessionmaker):
    """The API client, with the integration settings (the `client` fixture has the plain test ones)."""
    async with app_client(settings, sessionmaker) as http:
        yield http


class Queue:
    """The integration jobs as `forum worker` runs them, in the test's transaction.

    now() is fixed within that transaction, so "later" is made by moving waiting jobs' run_at back.
    """

    def __init__(self, sessionmaker, session) -> None:
        self._sessionmaker = sessionmaker
        self._session = session

    async def run(self, settings) -> int:
        """Handle the jobs that are due now."""
        return await Worker(self._sessionmaker, settings, kinds=KINDS).run_until_idle()

    async def fast_forward(self) -> None:
        await self._session.execute(
            text("UPDATE jobs SET run_at = now() - interval '1 second' WHERE status = 'queued' AND kind = ANY(:kinds)").bindparams(_KINDS)
        )

    async def drain(self, settings, rounds: int = 20) -> None:
        """Run, let time pass, run again... until nothing waits (a bounded number of rounds)."""
        for _ in range(rounds):
            await self.run(settings)
            if not await self.waiting():
                return
            await self.fast_forward()
        raise AssertionError(f"jobs still queued after {rounds} rounds")

    async def waiting(self) -> int:
        row = await self._session.execute(
            text("SELECT count(*) FROM jobs WHERE status = 'queued' AND kind = ANY(:kinds)").bindparams(_KINDS)
        )
        return row.scalar_one()

    async def job(self, kind: str) -> Any:
        """The latest job of a kind, with `delay`: seconds until it runs again."""
        row = await self._session.execute(
            text(
                "SELECT id, status, attempts, last_error, payload, extract(epoch FROM run_at - now()) AS delay "
                "FROM jobs WHERE kind = :kind ORDER BY id DESC LIMIT 1"
            ),
            {"kind": kind},
        )
        return row.one()


@pytest.fixture
def queue(sessionmaker, db_session) -> Queue:
    return Queue(sessionmaker, db_session)


async def make_organisation(session, name: str = "Acme Analytics", plan: str = "enterprise") -> Organisation:
    organisation = Organisation(name=name, plan=plan)
    session.add(organisation)
    await session.flush()
    return organisation


async def convert_to_ticket(session, question, *, message: str = "Needs a look at their project.", context=None) -> Ticket:
    """What support's conversion does: the ticket row, its delivery job and the ticket.created event."""
    ticket = Ticket(
        question_id=question.id,
        external_id=f"forum-question-{question.id}",
        message=message,
        context=context if context is not None else {},
    )
    session.add(ticket)
    await session.flush()
    await enqueue(session, DELIVER_TICKET, {"ticket_id": ticket.id}, dedupe_key=f"ticket:{ticket.id}")
    await emit(session, "ticket.created", {"ticket_id": ticket.id, "question_id": question.id})
    return ticket


async def ticket_row(session, ticket_id: int) -> Any:
    row = await session.execute(
        text("SELECT status, zendesk_ticket_id, sent_at, last_error FROM tickets WHERE id = :id"), {"id": ticket_id}
    )
    return row.one()
