from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.fields import Input

WebhookEvent = Literal["question.created", "reply.created", "question.solved", "ticket.created"]
WEBHOOK_EVENTS: tuple[str, ...] = get_args(WebhookEvent)

Url = Annotated[str, Meta(min_length=8, max_length=2000)]
Secret = Annotated[str, Meta(min_length=16, max_length=200)]
Events = Annotated[list[WebhookEvent], Meta(min_length=1, max_length=len(WEBHOOK_EVENTS))]
Description = Annotated[str, Meta(max_length=200)]


class WebhookEndpointIn(Input):
    url: Url
    events: Events
    # Leave it out to have one generated; either way it is shown in this response only.
    secret: Secret | None = None
    description: Description | None = None
    active: bool = True


class WebhookEndpointPatch(Input):
    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class SecretIn(Input):
    secret: Secret | None = None


class WebhookEndpointOut(msgspec.Struct):
    id: int
    url: str
    events: list[str]
    description: str | None
    active: bool
    # The secret's last characters, to tell which one a receiver has.
    secret_hint: str
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_status_code: int | None
    last_error: str | None


class WebhookEndpointWithSecret(WebhookEndpointOut):
    """Returned when a secret is made or set: the only time it is shown."""

    secret: str


class PingOut(msgspec.Struct):
    delivery_id: str


class SlackWebhookIn(Input):
    webhook_url: Url


class SlackTopicWebhookOut(msgspec.Struct):
    topic: str
    label: str
    # Masked: an incoming-webhook URL is itself the credential to post into the channel.
    webhook_url: str
    updated_at: datetime


class SlackOut(msgspec.Struct):
    default_configured: bool
    topics: list[SlackTopicWebhookOut]


class DeadJobOut(msgspec.Struct):
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class DeadJobPage(msgspec.Struct):
    items: list[DeadJobOut]
    # Pass as before_id for the next (older) page; null on the last page.
    next_before_id: int | None


class RetriedOut(msgspec.Struct):
    id: int
    status: str
