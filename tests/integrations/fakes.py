"""Local HTTP servers that behave like the services the integrations call: Zendesk, Slack, a webhook receiver.

Each runs http.server on 127.0.0.1 at a free port in a thread of its own, so a deliberately slow
answer never blocks the test's event loop. `plan(...)` scripts the next answers (429 with
Retry-After, 500, a slow reply, ...); after the plan runs out the fake behaves like the real service.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering: longer than the client's timeout, it is a timeout.
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a slow answer still sleeping must not hold up stop()
    allow_reuse_address = True


class FakeService:
    """Base: records every request, answers with the next planned answer or with handle()."""

    slow_seconds = 1.0

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self._plans: dict[str, deque[str]] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, method: str, *answers: str) -> None:
        """answers: "429" (Retry-After: 7; "429:N" for N), "500", "503", "404", "slow" (does the work, answers late)."""
        with self._lock:
            self._plans.setdefault(method, deque()).extend(answers)

    def start(self) -> FakeService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                answer = service._answer(request)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it should

            do_GET = do_POST = do_PUT = _serve

        self._server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name=f"fake-{type(self).__name__}", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def requests(self, method: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if method is None or r.method == method]

    def _answer(self, request: Received) -> Answer:
        with self._lock:
            self.received.append(request)
            planned = self._plans.get(request.method)
            step = planned.popleft() if planned else None
        if step is None:
            return self.handle(request)
        if step == "slow":
            answer = self.handle(request)
            answer.delay = self.slow_seconds
            return answer
        code, _, retry_after = step.partition(":")
        status = int(code)
        headers = {"Retry-After": retry_after or "7"} if status == 429 else {}
        return self.error(status, headers)

    def error(self, status: int, headers: dict[str, str]) -> Answer:
        return Answer(status, b"error", headers)

    def handle(self, request: Received) -> Answer:
        raise NotImplementedError


def _json(status: int, data: Any, **headers: str) -> Answer:
    return Answer(status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=utf-8", **headers})


class FakeZendesk(FakeService):
    """Zendesk Support's tickets API, token auth: `GET /api/v2/tickets.json?external_id=` and `POST /api/v2/tickets.json`."""

    def __init__(self, email: str = "agent@example.com", token: str = "zd-token-123", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.email, self.token = email, token
        self.tickets: dict[int, dict[str, Any]] = {}
        self._next_id = 35436

    def error(self, status: int, headers: dict[str, str]) -> Answer:
        errors = {429: "APIRateLimitExceeded", 500: "InternalServerError", 503: "ServiceUnavailable"}
        return _json(status, {"error": errors.get(status, "Error"), "description": "planned failure"}, **headers)

    def handle(self, request: Received) -> Answer:
        expected = base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return _json(401, {"error": "Couldn't authenticate you"})
        if request.path not in {"/api/v2/tickets.json", "/api/v2/tickets"}:
            return _json(404, {"error": "InvalidEndpoint", "description": "Not found"})
        if request.method == "GET":
            wanted = (request.query.get("external_id") or [None])[0]
            with self._lock:
                found = [t for t in self.tickets.values() if wanted is None or t["external_id"] == wanted]
            return _json(200, {"tickets": found, "count": len(found), "next_page": None, "previous_page": None})
        ticket = (request.json() or {}).get("ticket") or {}
        if not ticket.get("comment", {}).get("body") or not ticket.get("subject"):
            return _json(422, {"error": "RecordInvalid", "description": "Record validation errors"})
        with self._lock:
            ticket_id, self._next_id = self._next_id, self._next_id + 1
            stored = {**ticket, "id": ticket_id, "status": "new", "url": f"{self.url}/api/v2/tickets/{ticket_id}.json"}
            stored["description"] = ticket["comment"]["body"]
            self.tickets[ticket_id] = stored
        return _json(201, {"ticket": stored, "audit": {"ticket_id": ticket_id}}, Location=stored["url"])


class FakeSlack(FakeService):
    """Slack incoming webhooks: `POST /services/T…/B…/…` with a JSON message answers a plain "ok"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.posted: list[tuple[str, dict[str, Any]]] = []

    def error(self, status: int, headers: dict[str, str]) -> Answer:
        text = {404: b"no_service", 429: b"rate_limited", 500: b"internal_error"}.get(status, b"error")
        return Answer(status, text, {"Content-Type": "text/plain", **headers})

    def handle(self, request: Received) -> Answer:
        if request.method != "POST" or not request.path.startswith("/services/"):
            return Answer(404, b"no_service", {"Content-Type": "text/plain"})
        try:
            message = request.json()
        except ValueError:
            return Answer(400, b"invalid_payload", {"Content-Type": "text/plain"})
        if not message.get("text") and not message.get("blocks"):
            return Answer(400, b"no_text", {"Content-Type": "text/plain"})
        with self._lock:
            self.posted.append((request.path, message))
        return Answer(200, b"ok", {"Content-Type": "text/plain"})

    def messages(self, path: str | None = None) -> list[dict[str, Any]]:
        """The messages that reached a channel (not the requests refused on the way)."""
        with self._lock:
            return [message for at, message in self.posted if path is None or at == path]


class FakeReceiver(FakeService):
    """A customer's webhook receiver: 204 for every POST, unless told to fail."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failing_status: int | None = None

    def handle(self, request: Received) -> Answer:
        if self.failing_status is not None:
            return Answer(self.failing_status, b"receiver is broken")
        return Answer(204)
