"""Slack incoming webhooks: one message per new question, posted to its topic's channel."""

from __future__ import annotations

from typing import Any

from forum.integrations.delivery import DeliveryError, send


def escape(text: str) -> str:
    # Slack's mrkdwn treats these three as control characters; everything else is literal.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def announcement(subject: str, url: str, topics: list[str], author: str) -> dict[str, Any]:
    about = " · ".join(escape(t) for t in topics) or "No topic"
    return {
        # Shown in notifications and by clients that do not draw blocks.
        "text": f"New question: {subject}",
        "unfurl_links": False,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{url}|{escape(subject)}>*"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{about} · asked by {escape(author)}"}]},
        ],
    }


async def post(webhook_url: str, message: dict[str, Any], timeout: float) -> None:
    response = await send("POST", webhook_url, json=message, what="Slack", timeout=timeout)
    # Slack answers a plain "ok"; anything else on a 2xx is a proxy or a wrong URL, not Slack.
    if response.text.strip() != "ok":
        raise DeliveryError(f"Slack answered {response.status_code} {response.text[:200]!r} instead of 'ok'", response.status_code)
