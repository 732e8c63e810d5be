"""Rules of the integrations: what each event tells the outside, and the admins' endpoints, Slack hooks and dead jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar.exceptions import NotFoundException
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import ConflictError, UnprocessableError
from forum.integrations import repository, webhooks
from forum.integrations.repository import QuestionCard, ReplyCard
from forum.integrations.schemas import WebhookEndpointIn, WebhookEndpointPatch
from forum.jobs import repository as jobs
from forum.jobs.queue import enqueue
from forum.models import Profile, SlackTopicWebhook, Ticket, Topic, WebhookEndpoint
from forum.settings import Settings
from forum.topics import repository as topics

# Job kinds. The *_announce / *_fanout jobs follow events and queue one delivery per destination,
# so a destination that fails is retried alone and never makes the others receive twice.
DELIVER_TICKET = "deliver_ticket"
SLACK_ANNOUNCE = "slack_announce"
SLACK_POST = "slack_post"
WEBHOOK_FANOUT = "webhook_fanout"
WEBHOOK_DELIVER = "webhook_deliver"
PING = "ping"


def question_url(settings: Settings, permalink: str) -> str:
    return f"{settings.site_base_url.rstrip('/')}/questions/{permalink}"


# -- what events say ---------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat()


def envelope(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex}", "event": event, "created_at": _now(), "data": data}


def _question_out(settings: Settings, question: QuestionCard) -> dict[str, Any]:
    return {
        "id": question.id,
        "permalink": question.permalink,
        "url": question_url(settings, question.permalink),
        "subject": question.subject,
        "body": question.body,
        "status": question.status,
        "topics": [t.slug for t in question.topics],
        "author": {"id": question.author_id, "display_name": question.author_name},
        "created_at": question.created_at.isoformat(),
    }


def _reply_out(reply: ReplyCard) -> dict[str, Any]:
    return {
        "id": reply.id,
        "question_id": reply.question_id,
        "body": reply.body,
        "author": {"id": reply.author_id, "display_name": reply.author_name},
        "created_at": reply.created_at.isoformat(),
    }


def _ticket_out(ticket: Ticket) -> dict[str, Any]:
    # Not the context: it holds the author's e-mail and the internal assessment.
    return {
        "id": ticket.id,
        "question_id": ticket.question_id,
        "external_id": ticket.external_id,
        "status": ticket.status,
        "zendesk_ticket_id": ticket.zendesk_ticket_id,
        "created_at": ticket.created_at.isoformat(),
    }


async def event_data(session: AsyncSession, settings: Settings, event: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The event's `data`, or None when what it is about is gone or hidden (nothing is sent then)."""
    question = await repository.question_card(session, int(payload["question_id"]))
    if question is None or (not question.published and event != "ticket.created"):
        return None
    data: dict[str, Any] = {"question": _question_out(settings, question)}
    if event in {"reply.created", "question.solved"}:
        reply = await repository.reply_card(session, int(payload["reply_id"]))
        if reply is None or not reply.published:
            return None
        data["reply"] = _reply_out(reply)
    elif event == "ticket.created":
        ticket = await repository.ticket(session, int(payload["ticket_id"]))
        if ticket is None:
            return None
        data["ticket"] = _ticket_out(ticket)
    return data


async def queue_webhook(session: AsyncSession, settings: Settings, endpoint_id: int, event: str, body: dict[str, Any]) -> str:
    """One delivery to one endpoint. Its id travels in the payload, so every retry sends the same X-Forum-Delivery."""
    delivery_id = f"dlv_{uuid.uuid4().hex}"
    await enqueue(
        session,
        WEBHOOK_DELIVER,
        {"endpoint_id": endpoint_id, "delivery_id": delivery_id, "event": event, "body": body},
        dedupe_key=f"webhook:{delivery_id}",
        max_attempts=settings.delivery_max_attempts,
    )
    return delivery_id


# -- webhook endpoints (admins) ----------------------------------------------------------------


def _check_url(field: str, url: str) -> str:
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.host:
        raise UnprocessableError(field, "must be an absolute http:// or https:// URL")
    return str(parsed)


def mask_url(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.host}/…{url[-4:]}"


def secret_hint(secret: str) -> str:
    return f"…{secret[-4:]}"


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await repository.endpoint(session, endpoint_id)
    if endpoint is None:
        raise NotFoundException(f"No webhook endpoint {endpoint_id}")
    return endpoint


async def create_endpoint(session: AsyncSession, admin: Profile, data: WebhookEndpointIn) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url=_check_url("url", data.url),
        events=sorted(set(data.events)),
        secret=data.secret or webhooks.new_secret(),
        description=data.description,
        active=data.active,
        created_by_id=admin.id,
    )
    await repository.add(session, endpoint)
    return endpoint


async def update_endpoint(session: AsyncSession, endpoint_id: int, data: WebhookEndpointPatch) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, endpoint_id)
    if data.url is not UNSET:
        endpoint.url = _check_url("url", data.url)
    if data.events is not UNSET:
        endpoint.events = sorted(set(data.events))
    if data.description is not UNSET:
        endpoint.description = data.description
    if data.active is not UNSET:
        endpoint.active = data.active
    endpoint.updated_at = datetime.now(UTC)
    await repository.flush(session)
    return endpoint


async def replace_secret(session: AsyncSession, endpoint_id: int, secret: str | None) -> WebhookEndpoint:
    """Deliveries still queued are signed with the new secret when they go out."""
    endpoint = await get_endpoint(session, endpoint_id)
    endpoint.secret = secret or webhooks.new_secret()
    endpoint.updated_at = datetime.now(UTC)
    await repository.flush(session)
    return endpoint


async def delete_endpoint(session: AsyncSession, endpoint_id: int) -> None:
    # Its queued deliveries find no endpoint and end without sending.
    await repository.delete_endpoint(session, await get_endpoint(session, endpoint_id))


async def ping(session: AsyncSession, settings: Settings, endpoint_id: int) -> str:
    """A signed test delivery, so a receiver can check its verification before real events arrive."""
    endpoint = await get_endpoint(session, endpoint_id)
    return await queue_webhook(session, settings, endpoint.id, PING, envelope(PING, {"endpoint_id": endpoint.id}))


# -- Slack (admins) ----------------------------------------------------------------------------


async def _topic(session: AsyncSession, slug: str) -> Topic:
    topic = await topics.topic_by_slug(session, slug)
    if topic is None:
        raise NotFoundException(f"No topic {slug!r}")
    return topic


async def set_slack_webhook(session: AsyncSession, slug: str, webhook_url: str) -> tuple[Topic, SlackTopicWebhook]:
    topic = await _topic(session, slug)
    return topic, await repository.set_slack_webhook(session, topic.id, _check_url("webhook_url", webhook_url))


async def remove_slack_webhook(session: AsyncSession, slug: str) -> None:
    topic = await _topic(session, slug)
    if not await repository.delete_slack_webhook(session, topic.id):
        raise NotFoundException(f"Topic {slug!r} has no Slack webhook")


# -- the dead-letter list (admins) -------------------------------------------------------------


async def retry_dead(session: AsyncSession, job_id: int) -> None:
    if await jobs.get_dead(session, job_id) is None:
        raise NotFoundException(f"No dead job {job_id}")
    if not await jobs.retry_dead(session, job_id):
        raise ConflictError(f"The same work is already queued again; job {job_id} was left dead")


async def discard_dead(session: AsyncSession, job_id: int) -> None:
    if not await jobs.discard_dead(session, job_id):
        raise NotFoundException(f"No dead job {job_id}")
