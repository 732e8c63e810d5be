"""Job handlers of the integrations, run by forum.jobs.worker (which owns the transaction, retries and dead letters).

A handler raises when the other side did not take the delivery: its writes roll back and the job
is retried, so nothing is lost while Zendesk or Slack is down. It writes its outcome only after
the other side confirmed, so nothing is marked sent that was not.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.integrations import repository, service, slack, webhooks, zendesk
from forum.integrations.service import DELIVER_TICKET, SLACK_ANNOUNCE, SLACK_POST, WEBHOOK_DELIVER, WEBHOOK_FANOUT
from forum.jobs.queue import enqueue
from forum.jobs.worker import current_settings, job_handler
from forum.settings import Settings

log = logging.getLogger(__name__)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# -- Zendesk -----------------------------------------------------------------------------------


async def _ticket_failed(session: AsyncSession, payload: dict[str, Any], exc: BaseException, dead: bool) -> None:
    await repository.note_ticket_failure(session, int(payload["ticket_id"]), _reason(exc), dead)


@job_handler(DELIVER_TICKET, on_failure=_ticket_failed)
async def deliver_ticket(session: AsyncSession, payload: dict[str, Any]) -> None:
    """payload: {"ticket_id"} (queued by support when a question is converted)."""
    ticket = await repository.ticket_for_delivery(session, int(payload["ticket_id"]))
    if ticket is None:
        log.info("ticket %s is gone (its question was deleted); nothing to deliver", payload["ticket_id"])
        return
    if ticket.zendesk_ticket_id is not None:
        return  # an earlier attempt got through, or support linked an existing Zendesk ticket
    settings = current_settings()
    config = zendesk.ZendeskConfig.from_settings(settings)
    question = await repository.question_card(session, ticket.question_id)
    if question is None:  # cannot happen while the ticket row cascades with its question
        return
    case = await repository.support_case(session, ticket.question_id)
    facts = zendesk.TicketFacts(
        subject=question.subject,
        body=question.body,
        url=service.question_url(settings, question.permalink),
        author_name=question.author_name,
        author_email=question.author_email,
        organisation=question.organisation,
        plan=question.plan,
        topics=[t.slug for t in question.topics],
        severity=case.severity if case else None,
        priority=case.priority if case else None,
        due_at=case.due_at if case else None,
    )
    # Looked up first, every time: the create of an attempt that timed out may have gone through.
    zendesk_id = await zendesk.find_ticket(config, ticket.external_id)
    if zendesk_id is None:
        request = zendesk.ticket_request(
            external_id=ticket.external_id,
            message=ticket.message,
            context=ticket.context or {},
            facts=facts,
            url_field_id=settings.zendesk_question_url_field_id,
        )
        zendesk_id = await zendesk.create_ticket(config, request)
    await repository.mark_ticket_sent(session, ticket.id, zendesk_id)
    log.info("ticket %d is Zendesk ticket %d", ticket.id, zendesk_id)


# -- Slack -------------------------------------------------------------------------------------


@job_handler(SLACK_ANNOUNCE)
async def slack_announce(session: AsyncSession, payload: dict[str, Any]) -> None:
    """question.created -> one slack_post per channel: the question's topics' webhooks, else the default one."""
    settings = current_settings()
    question = await repository.question_card(session, int(payload["question_id"]))
    if question is None or not question.published:
        return
    urls = await repository.slack_webhooks_for_topics(session, [t.id for t in question.topics])
    targets: list[str] = []
    seen: set[str] = set()
    for topic in question.topics:
        url = urls.get(topic.id)
        if url and url not in seen:  # two topics posting to one channel: one message
            seen.add(url)
            targets.append(f"topic:{topic.id}")
    if not targets and settings.slack_default_webhook_url:
        targets.append("default")
    for target in targets:
        await enqueue(
            session,
            SLACK_POST,
            {"question_id": question.id, "target": target},
            dedupe_key=f"slack:{question.id}:{target}",
            max_attempts=settings.delivery_max_attempts,
        )


async def _slack_url(session: AsyncSession, settings: Settings, target: str) -> str | None:
    # The payload names the destination, not its URL: the URL is a credential (it would show in
    # the dead-letter list) and an admin's fix of it applies to deliveries still waiting.
    if target == "default":
        return settings.slack_default_webhook_url
    return await repository.slack_webhook(session, int(target.removeprefix("topic:")))


@job_handler(SLACK_POST)
async def slack_post(session: AsyncSession, payload: dict[str, Any]) -> None:
    settings = current_settings()
    question = await repository.question_card(session, int(payload["question_id"]))
    if question is None or not question.published:
        return
    url = await _slack_url(session, settings, payload["target"])
    if url is None:
        log.info("Slack target %s was removed; question %d is not announced there", payload["target"], question.id)
        return
    message = slack.announcement(
        question.subject, service.question_url(settings, question.permalink), [t.label for t in question.topics], question.author_name
    )
    await slack.post(url, message, settings.slack_timeout_seconds)


# -- outgoing webhooks -------------------------------------------------------------------------


@job_handler(WEBHOOK_FANOUT)
async def webhook_fanout(session: AsyncSession, payload: dict[str, Any]) -> None:
    """An event -> one webhook_deliver per subscribed endpoint, all with the same body (and event id)."""
    event = payload["event"]
    endpoints = await repository.endpoints_for_event(session, event)
    if not endpoints:
        return
    settings = current_settings()
    data = await service.event_data(session, settings, event, payload)
    if data is None:
        return
    body = service.envelope(event, data)
    for endpoint in endpoints:
        await service.queue_webhook(session, settings, endpoint.id, event, body)


async def _webhook_failed(session: AsyncSession, payload: dict[str, Any], exc: BaseException, dead: bool) -> None:
    await repository.note_delivery(session, int(payload["endpoint_id"]), getattr(exc, "status_code", None), _reason(exc))


@job_handler(WEBHOOK_DELIVER, on_failure=_webhook_failed)
async def webhook_deliver(session: AsyncSession, payload: dict[str, Any]) -> None:
    endpoint = await repository.endpoint(session, int(payload["endpoint_id"]))
    if endpoint is None or not endpoint.active:
        return  # deleted or switched off by an admin: its pending deliveries are dropped with it
    status = await webhooks.post(
        endpoint.url,
        endpoint.secret,
        event=payload["event"],
        delivery_id=payload["delivery_id"],
        body=payload["body"],
        timeout=current_settings().webhook_timeout_seconds,
    )
    await repository.note_delivery(session, endpoint.id, status)
