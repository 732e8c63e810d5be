"""All SQL of the integrations: what a delivery needs to say, where it goes, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum.models import (
    Organisation,
    Profile,
    Question,
    QuestionTopic,
    Reply,
    SlackTopicWebhook,
    SupportCase,
    Ticket,
    Topic,
    WebhookEndpoint,
)


@dataclass(frozen=True)
class TopicRef:
    id: int
    slug: str
    label: str


@dataclass(frozen=True)
class QuestionCard:
    """A question as the integrations show it: with its author, organisation and topics."""

    id: int
    permalink: str
    subject: str
    body: str
    status: str
    published: bool
    created_at: datetime
    author_id: int
    author_name: str
    author_email: str
    organisation: str | None
    plan: str | None
    topics: list[TopicRef]


@dataclass(frozen=True)
class ReplyCard:
    id: int
    question_id: int
    body: str
    published: bool
    created_at: datetime
    author_id: int
    author_name: str


# -- what is said ------------------------------------------------------------------------------


async def question_card(session: AsyncSession, question_id: int) -> QuestionCard | None:
    row = (
        await session.execute(
            select(Question, Profile.display_name, Profile.email, Organisation.name, Organisation.plan)
            .join(Profile, Profile.id == Question.author_id)
            .outerjoin(Organisation, Organisation.id == Profile.organisation_id)
            .where(Question.id == question_id)
        )
    ).one_or_none()
    if row is None:
        return None
    question, author_name, author_email, organisation, plan = row
    topics = await session.execute(
        select(Topic.id, Topic.slug, Topic.label)
        .join(QuestionTopic, QuestionTopic.topic_id == Topic.id)
        .where(QuestionTopic.question_id == question_id)
        .order_by(Topic.label)
    )
    return QuestionCard(
        id=question.id,
        permalink=question.permalink,
        subject=question.subject,
        body=question.body,
        status=question.status,
        published=question.published,
        created_at=question.created_at,
        author_id=question.author_id,
        author_name=author_name,
        author_email=author_email,
        organisation=organisation,
        plan=plan,
        topics=[TopicRef(*t) for t in topics.tuples()],
    )


async def reply_card(session: AsyncSession, reply_id: int) -> ReplyCard | None:
    row = (
        await session.execute(
            select(Reply, Profile.display_name).join(Profile, Profile.id == Reply.author_id).where(Reply.id == reply_id)
        )
    ).one_or_none()
    if row is None:
        return None
    reply, author_name = row
    return ReplyCard(reply.id, reply.question_id, reply.body, reply.published, reply.created_at, reply.author_id, author_name)


async def support_case(session: AsyncSession, question_id: int) -> SupportCase | None:
    return await session.get(SupportCase, question_id)


# -- tickets -----------------------------------------------------------------------------------


async def ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def ticket_for_delivery(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Locked until the delivery commits, so a linking support engineer and the worker never cross."""
    return await session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update().execution_options(populate_existing=True)
    )


async def mark_ticket_sent(session: AsyncSession, ticket_id: int, zendesk_ticket_id: int) -> None:
    await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(status="sent", zendesk_ticket_id=zendesk_ticket_id, sent_at=func.now(), last_error=None)
        .execution_options(synchronize_session=False)
    )


async def note_ticket_failure(session: AsyncSession, ticket_id: int, error: str, dead: bool) -> None:
    """Keep the latest reason on the ticket; once the queue gives up on it, it is 'failed' (until retried)."""
    values: dict = {"last_error": error}
    if dead:
        values["status"] = "failed"
    await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.zendesk_ticket_id.is_(None), Ticket.status.in_(("pending", "failed")))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


# -- Slack -------------------------------------------------------------------------------------


async def slack_webhooks_for_topics(session: AsyncSession, topic_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(SlackTopicWebhook.topic_id, SlackTopicWebhook.webhook_url).where(SlackTopicWebhook.topic_id.in_(topic_ids))
    )
    return dict(rows.tuples().all())


async def slack_webhook(session: AsyncSession, topic_id: int) -> str | None:
    return await session.scalar(select(SlackTopicWebhook.webhook_url).where(SlackTopicWebhook.topic_id == topic_id))


async def slack_webhooks(session: AsyncSession) -> list[tuple[Topic, SlackTopicWebhook]]:
    rows = await session.execute(
        select(Topic, SlackTopicWebhook).join(SlackTopicWebhook, SlackTopicWebhook.topic_id == Topic.id).order_by(Topic.label)
    )
    return [(topic, hook) for topic, hook in rows.tuples()]


async def set_slack_webhook(session: AsyncSession, topic_id: int, webhook_url: str) -> SlackTopicWebhook:
    stmt = (
        insert(SlackTopicWebhook)
        .values(topic_id=topic_id, webhook_url=webhook_url)
        .on_conflict_do_update(index_elements=["topic_id"], set_={"webhook_url": webhook_url, "updated_at": func.now()})
        .returning(SlackTopicWebhook)
    )
    return (await session.scalars(stmt, execution_options={"populate_existing": True})).one()


async def delete_slack_webhook(session: AsyncSession, topic_id: int) -> bool:
    result = await session.execute(delete(SlackTopicWebhook).where(SlackTopicWebhook.topic_id == topic_id))
    return result.rowcount > 0


# -- outgoing webhooks -------------------------------------------------------------------------


async def endpoints(session: AsyncSession) -> list[WebhookEndpoint]:
    return list(await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


async def endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id, populate_existing=True)


async def endpoints_for_event(session: AsyncSession, event: str) -> list[WebhookEndpoint]:
    return list(
        await session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.active.is_(True), WebhookEndpoint.events.contains([event]))
            .order_by(WebhookEndpoint.id)
        )
    )


async def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await session.delete(endpoint)
    await session.flush()


async def note_delivery(session: AsyncSession, endpoint_id: int, status_code: int | None, error: str | None = None) -> None:
    """The endpoint's latest outcome, for the admin list (the jobs themselves hold the full history)."""
    values: dict = {"last_status_code": status_code}
    if error is None:
        values["last_success_at"] = func.now()
    else:
        values.update(last_failure_at=func.now(), last_error=error[:2000])
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
