"""Signed outgoing webhooks.

Each POST carries `X-Forum-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
keyed with the endpoint's secret, `X-Forum-Event` and `X-Forum-Delivery` (the same on every retry
of one delivery, so receivers can drop repeats). Receivers check the HMAC over the raw bytes and
reject old timestamps, which stops replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from forum.integrations.delivery import send

SECRET_PREFIX = "whsec_"
# How old a signature a receiver should still accept; verify() below uses it too.
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def encode(body: dict[str, Any]) -> bytes:
    # The exact bytes sent are the bytes signed, so they are produced once, here.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(secret: str, timestamp: int, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    return f"t={timestamp},v1={_mac(secret, timestamp, raw_body)}"


def verify(secret: str, header: str, raw_body: bytes, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """What a receiver does (here for Python receivers; the README shows the same steps)."""
    pairs = [item.strip().split("=", 1) for item in header.split(",") if "=" in item]
    try:
        timestamp = int(next(value for key, value in pairs if key == "t"))
    except (StopIteration, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, raw_body)
    return any(key == "v1" and hmac.compare_digest(expected, value) for key, value in pairs)


async def post(url: str, secret: str, *, event: str, delivery_id: str, body: dict[str, Any], timeout: float) -> int:
    raw = encode(body)
    headers = {
        "Content-Type": "application/json",
        "X-Forum-Event": event,
        "X-Forum-Delivery": delivery_id,
        "X-Forum-Signature": signature(secret, int(time.time()), raw),
    }
    response = await send("POST", url, content=raw, headers=headers, what=f"Webhook {url}", timeout=timeout)
    return response.status_code
