"""Admins' integrations: outgoing webhook endpoints, per-topic Slack webhooks, and the dead-letter list of the job queue."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_admin
from forum.errors import ConflictError, UnprocessableError
from forum.fields import Id32, Id64, OptionalId64
from forum.integrations import repository, service
from forum.integrations.schemas import (
    DeadJobOut,
    DeadJobPage,
    PingOut,
    RetriedOut,
    SecretIn,
    SlackOut,
    SlackTopicWebhookOut,
    SlackWebhookIn,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookEndpointWithSecret,
)
from forum.jobs import repository as jobs
from forum.models import Profile, SlackTopicWebhook, Topic, WebhookEndpoint
from forum.settings import Settings


def endpoint_out(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        active=endpoint.active,
        secret_hint=service.secret_hint(endpoint.secret),
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
        last_success_at=endpoint.last_success_at,
        last_failure_at=endpoint.last_failure_at,
        last_status_code=endpoint.last_status_code,
        last_error=endpoint.last_error,
    )


def endpoint_with_secret(endpoint: WebhookEndpoint) -> WebhookEndpointWithSecret:
    out = endpoint_out(endpoint)
    return WebhookEndpointWithSecret(**{f: getattr(out, f) for f in out.__struct_fields__}, secret=endpoint.secret)


def slack_out(topic: Topic, hook: SlackTopicWebhook) -> SlackTopicWebhookOut:
    return SlackTopicWebhookOut(topic=topic.slug, label=topic.label, webhook_url=service.mask_url(hook.webhook_url), updated_at=hook.updated_at)


class IntegrationsController(Controller):
    path = "/api/v1/admin"
    tags = ["admin: integrations"]

    # -- webhook endpoints ---------------------------------------------------------------------
    @get("/webhooks")
    async def list_endpoints(self, user: Profile, db_session: AsyncSession) -> list[WebhookEndpointOut]:
        require_admin(user)
        return [endpoint_out(e) for e in await repository.endpoints(db_session)]

    @post("/webhooks", raises=[UnprocessableError])
    async def create_endpoint(self, data: WebhookEndpointIn, user: Profile, db_session: AsyncSession) -> WebhookEndpointWithSecret:
        """The response carries the signing secret; it is not shown again (replace it to get a new one)."""
        require_admin(user)
        return endpoint_with_secret(await service.create_endpoint(db_session, user, data))

    @get("/webhooks/{endpoint_id:int}")
    async def get_endpoint(self, endpoint_id: Id32, user: Profile, db_session: AsyncSession) -> WebhookEndpointOut:
        require_admin(user)
        return endpoint_out(await service.get_endpoint(db_session, endpoint_id))

    @patch("/webhooks/{endpoint_id:int}", raises=[UnprocessableError])
    async def update_endpoint(
        self, endpoint_id: Id32, data: WebhookEndpointPatch, user: Profile, db_session: AsyncSession
    ) -> WebhookEndpointOut:
        require_admin(user)
        return endpoint_out(await service.update_endpoint(db_session, endpoint_id, data))

    @post("/webhooks/{endpoint_id:int}/secret", status_code=200)
    async def replace_secret(self, endpoint_id: Id32, data: SecretIn, user: Profile, db_session: AsyncSession) -> WebhookEndpointWithSecret:
        """Set the given secret, or generate one when none is given; shown in this response only."""
        require_admin(user)
        return endpoint_with_secret(await service.replace_secret(db_session, endpoint_id, data.secret))

    @post("/webhooks/{endpoint_id:int}/ping", status_code=202)
    async def ping(self, endpoint_id: Id32, user: Profile, db_session: AsyncSession, settings: Settings) -> PingOut:
        require_admin(user)
        return PingOut(delivery_id=await service.ping(db_session, settings, endpoint_id))

    @delete("/webhooks/{endpoint_id:int}")
    async def delete_endpoint(self, endpoint_id: Id32, user: Profile, db_session: AsyncSession) -> None:
        require_admin(user)
        await service.delete_endpoint(db_session, endpoint_id)

    # -- Slack ---------------------------------------------------------------------------------
    @get("/slack")
    async def slack(self, user: Profile, db_session: AsyncSession, settings: Settings) -> SlackOut:
        require_admin(user)
        hooks = await repository.slack_webhooks(db_session)
        return SlackOut(default_configured=bool(settings.slack_default_webhook_url), topics=[slack_out(t, h) for t, h in hooks])

    @put("/slack/topics/{slug:str}", raises=[UnprocessableError])
    async def set_slack_webhook(self, slug: str, data: SlackWebhookIn, user: Profile, db_session: AsyncSession) -> SlackTopicWebhookOut:
        require_admin(user)
        return slack_out(*await service.set_slack_webhook(db_session, slug, data.webhook_url))

    @delete("/slack/topics/{slug:str}")
    async def remove_slack_webhook(self, slug: str, user: Profile, db_session: AsyncSession) -> None:
        require_admin(user)
        await service.remove_slack_webhook(db_session, slug)

    # -- the dead-letter list ------------------------------------------------------------------
    @get("/jobs/dead")
    async def dead_jobs(
        self,
        user: Profile,
        db_session: AsyncSession,
        kind: Annotated[str | None, Parameter(max_length=60)] = None,
        before_id: OptionalId64 = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> DeadJobPage:
        """Newest first; for the next (older) page, pass the page's next_before_id as before_id."""
        require_admin(user)
        dead = await jobs.list_dead(db_session, limit=limit + 1, before_id=before_id, kind=kind)
        items = [DeadJobOut(d.id, d.kind, d.payload, d.attempts, d.last_error, d.created_at, d.finished_at) for d in dead[:limit]]
        return DeadJobPage(items=items, next_before_id=items[-1].id if len(dead) > limit else None)

    @post("/jobs/dead/{job_id:int}/retry", status_code=200, raises=[ConflictError])
    async def retry_dead(self, job_id: Id64, user: Profile, db_session: AsyncSession) -> RetriedOut:
        """Queue it again now, with a fresh set of attempts."""
        require_admin(user)
        await service.retry_dead(db_session, job_id)
        return RetriedOut(id=job_id, status="queued")

    @delete("/jobs/dead/{job_id:int}")
    async def discard_dead(self, job_id: Id64, user: Profile, db_session: AsyncSession) -> None:
        require_admin(user)
        await service.discard_dead(db_session, job_id)
