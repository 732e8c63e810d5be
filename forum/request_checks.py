"""What every request must be before a handler reads it, checked once for all routes: a body where the
handler takes one, sent as JSON and decodable by msgspec, and no NUL character in any string.

PostgreSQL stores no NUL (U+0000) in text or jsonb and fails the statement (a 500), so a NUL in a body
field, a query parameter or a path segment is refused here with a 400 naming where it is.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, HTTPException

from forum.errors import FieldError

NUL = "\x00"


class UnsupportedMediaType(HTTPException):
    status_code = 415


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _nul_error(field: str, source: str | None = None) -> FieldError:
    return FieldError(field, "must not contain the NUL character (U+0000)", source=source)


def _first_nul(value: Any) -> str | None:
    """Where the first string holding a NUL is, in msgspec's notation (`topics[1]`, `cells[0].note`); None if nowhere.

    A loop, not recursion: what was decoded may be nested nearly as deep as the decoder allows."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return path
        elif isinstance(item, dict):
            for key, inner in reversed(item.items()):
                if NUL in key:
                    return path
                pending.append((f"{path}.{key}" if path else key, inner))
        elif isinstance(item, list):
            pending.extend((f"{path}[{i}]", inner) for i, inner in reversed(list(enumerate(item))))
    return None


class ForumRequest(Request):
    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            # msgspec stops at its own nesting limit (about a thousand levels) with a RecursionError.
            raise ClientException("The request body is nested too deeply to read") from None
        if (where := _first_nul(value)) is not None:
            raise _nul_error(where or "body")
        return value


async def check_request(request: Request) -> None:
    """The app's before_request hook: runs after routing, before any parameter is parsed."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise _nul_error(name, "path")
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise _nul_error(name, "query")
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    # Litestar would report the missing body as a failed lookup of its parameter: "data: 'data'".
    if data is None:
        return
    body = await request.body()
    if data.is_required and not body:
        raise ClientException("The request body is required: a JSON object")
    # Litestar decodes any body as JSON. A form post (curl -d without a Content-Type) or text/plain
    # would be read as JSON when it happens to parse, which hides a client bug until it doesn't.
    media_type = request.content_type[0]
    if body and not _is_json(media_type):
        sent = f"was sent as {media_type}" if media_type else "has no Content-Type"
        raise UnsupportedMediaType(f"The request body {sent}; send JSON with Content-Type: application/json")
