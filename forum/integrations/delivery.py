"""What every outgoing call shares: one bounded HTTP request, and its answer read as done, retry, or retry later.

Failures raise, so the worker rolls the attempt back and reschedules the job: DeliveryError takes
the exponential backoff, RetryLater (a 429 or 503 that says when) waits as long as it was told.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from forum.jobs.worker import RetryLater

USER_AGENT = "forum-integrations/1.0"
# What a 429 without a (readable) Retry-After waits: long enough not to hammer a limited API.
DEFAULT_RETRY_AFTER_SECONDS = 60.0


class DeliveryError(Exception):
    """The other side did not take the request; worth retrying later."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RateLimited(RetryLater):
    def __init__(self, seconds: float, message: str, status_code: int) -> None:
        super().__init__(seconds, message)
        self.status_code = status_code


def retry_after_seconds(value: str | None, default: float = DEFAULT_RETRY_AFTER_SECONDS) -> float:
    """Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value or not value.strip():
        return default
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def check(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    status = response.status_code
    excerpt = response.text[:300].strip()
    if status == 429 or (status == 503 and "retry-after" in response.headers):
        seconds = retry_after_seconds(response.headers.get("retry-after"))
        raise RateLimited(seconds, f"{what} answered {status} (retry after {seconds:.0f}s): {excerpt}", status)
    raise DeliveryError(f"{what} answered {status}: {excerpt}", status)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes longer than most deliveries; one context serves every client.
    return httpx.create_ssl_context()


async def send(method: str, url: str, *, what: str, timeout: float, **kwargs: Any) -> httpx.Response:
    """One request, bounded as a whole (httpx's timeout is per phase: a trickling reply could outlast it)."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    try:
        async with asyncio.timeout(timeout), httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=_ssl_context()) as client:
            response = await client.request(method, url, headers=headers, **kwargs)
    except (TimeoutError, httpx.TimeoutException) as exc:
        # The request may still have been taken; callers that must not repeat it look it up first.
        raise DeliveryError(f"{what} did not answer within {timeout:g}s") from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{what} could not be reached: {type(exc).__name__}: {exc}") from exc
    check(response, what)
    return response
