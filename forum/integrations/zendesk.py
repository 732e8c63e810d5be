"""Zendesk's tickets API: find the ticket we already created (by external id), or create it with the full context.

Creating is not idempotent on Zendesk's side (external ids may repeat there), so a delivery always
looks its external id up first: a retry after a timed-out create finds the ticket and never makes a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from forum.integrations.delivery import DeliveryError, send
from forum.settings import Settings

# Zendesk has one priority field; the question's severity is what says how fast someone must act.
ZENDESK_PRIORITY = {"critical": "urgent", "high": "high", "medium": "normal", "low": "low"}
_MAX_COMMENT_CHARS = 60_000
_TAG_UNSAFE = re.compile(r"[^a-z0-9_]+")
# Context keys the comment's header already states, from the database.
_SHOWN_ABOVE = frozenset({"question", "author", "organisation", "topics", "severity", "priority", "due_at"})


class ZendeskNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class ZendeskConfig:
    base_url: str
    auth: httpx.BasicAuth
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskConfig:
        if not (settings.zendesk_base_url and settings.zendesk_email and settings.zendesk_api_token):
            raise ZendeskNotConfigured(
                "Zendesk is not configured (FORUM_ZENDESK_BASE_URL, FORUM_ZENDESK_EMAIL, FORUM_ZENDESK_API_TOKEN); "
                "the ticket stays queued until it is"
            )
        return cls(
            base_url=settings.zendesk_base_url.rstrip("/"),
            auth=httpx.BasicAuth(f"{settings.zendesk_email}/token", settings.zendesk_api_token),
            timeout=settings.zendesk_timeout_seconds,
        )


@dataclass(frozen=True)
class TicketFacts:
    """What the forum itself knows about the question behind a ticket (the ticket's context adds the rest)."""

    subject: str
    body: str
    url: str
    author_name: str
    author_email: str
    organisation: str | None
    plan: str | None
    topics: list[str]
    severity: str | None
    priority: str | None
    due_at: datetime | None


async def find_ticket(config: ZendeskConfig, external_id: str) -> int | None:
    response = await send(
        "GET", f"{config.base_url}/api/v2/tickets.json", params={"external_id": external_id},
        auth=config.auth, what="Zendesk", timeout=config.timeout,
    )
    tickets = _json(response).get("tickets") or []
    ids = [int(t["id"]) for t in tickets if isinstance(t, dict) and t.get("external_id") == external_id and "id" in t]
    return min(ids) if ids else None


async def create_ticket(config: ZendeskConfig, body: dict[str, Any]) -> int:
    response = await send(
        "POST", f"{config.base_url}/api/v2/tickets.json", json=body, auth=config.auth, what="Zendesk", timeout=config.timeout
    )
    try:
        return int(_json(response)["ticket"]["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DeliveryError(f"Zendesk answered {response.status_code} without a ticket id") from exc


def ticket_request(
    *, external_id: str, message: str, context: dict[str, Any], facts: TicketFacts, url_field_id: int | None = None
) -> dict[str, Any]:
    severity = facts.severity or _text(context.get("severity"))
    priority = facts.priority or _text(context.get("priority"))
    tags = ["forum"]
    tags += [f"severity_{_tag(severity)}"] if severity else []
    tags += [f"customer_priority_{_tag(priority)}"] if priority else []
    tags += [f"topic_{_tag(slug)}" for slug in facts.topics]
    ticket: dict[str, Any] = {
        "subject": facts.subject,
        # Private: the assessment and its reasons are for agents, not mailed to the customer.
        "comment": {"body": render_comment(message, context, facts, severity, priority), "public": False},
        "external_id": external_id,
        "priority": ZENDESK_PRIORITY.get(severity or "", "normal"),
        "tags": list(dict.fromkeys(tags)),
        "requester": {"name": facts.author_name, "email": facts.author_email},
    }
    if url_field_id:
        ticket["custom_fields"] = [{"id": url_field_id, "value": facts.url}]
    return {"ticket": ticket}


def render_comment(message: str, context: dict[str, Any], facts: TicketFacts, severity: str | None, priority: str | None) -> str:
    who = f"{facts.author_name} <{facts.author_email}>"
    if facts.organisation:
        who += f", {facts.organisation}" + (f" ({facts.plan} plan)" if facts.plan else "")
    lines = [message.strip(), "", f"Question: {facts.subject}", facts.url, f"Asked by {who}"]
    if facts.topics:
        lines.append("Topics: " + ", ".join(facts.topics))
    if severity or priority:
        lines.append(f"Severity: {severity or '?'} / customer priority: {priority or '?'}")
    if facts.due_at is not None:
        lines.append(f"Respond by: {facts.due_at.isoformat(timespec='minutes')}")
    lines += ["", "--- Question ---", facts.body.strip(), "", "--- Context ---"]
    # The rest of what support captured at conversion (team, reasons, suggestions, and whatever it
    # adds later) goes in as it is; copies of the question text are left out.
    rest = {key: value for key, value in context.items() if key not in _SHOWN_ABOVE}
    lines += _render(rest, 0, skip={facts.body.strip(), facts.subject.strip()})
    text = "\n".join(lines).strip()
    return text if len(text) <= _MAX_COMMENT_CHARS else text[: _MAX_COMMENT_CHARS - 20] + "\n[... truncated]"


def _render(value: Any, depth: int, skip: set[str]) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if _empty(item) or (isinstance(item, str) and item.strip() in skip):
                continue
            if isinstance(item, (dict, list)):
                lines.append(f"{pad}{_label(key)}:")
                lines += _render(item, depth + 1, skip)
            else:
                lines += _scalar_lines(f"{pad}{_label(key)}: ", item, pad)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                flat = [f"{_label(k)}: {v}" for k, v in item.items() if not _empty(v) and not isinstance(v, (dict, list))]
                lines.append(f"{pad}- " + ", ".join(flat))
                nested = {k: v for k, v in item.items() if isinstance(v, (dict, list)) and not _empty(v)}
                lines += _render(nested, depth + 1, skip)
            elif not _empty(item):
                lines += _scalar_lines(f"{pad}- ", item, pad)
    elif not _empty(value):
        lines += _scalar_lines(pad, value, pad)
    return lines


def _scalar_lines(prefix: str, value: Any, pad: str) -> list[str]:
    text = str(value)
    if "\n" not in text:
        return [prefix + text]
    return [prefix.rstrip()] + [f"{pad}    {line}" for line in text.strip().splitlines()]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _label(key: Any) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _tag(value: str) -> str:
    # Zendesk splits tags on spaces and lower-cases them.
    return _TAG_UNSAFE.sub("_", value.lower()).strip("_")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise DeliveryError(f"Zendesk answered {response.status_code} with a body that is not JSON") from exc
    return data if isinstance(data, dict) else {}
