"""Every error leaves as RFC 9457 problem details (application/problem+json), with the fields at fault."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from msgspec import UNSET, UnsetType

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ConflictError(HTTPException):
    status_code = 409


class FieldError(ValidationException):
    """A request that is well formed but whose field breaks a rule the schema cannot express."""

    def __init__(self, field: str, message: str, status_code: int | None = None, source: str | None = None) -> None:
        error = {"key": field, "message": message} | ({"source": source} if source else {})
        super().__init__(detail=f"Invalid {field}: {message}", extra=[error])
        self.status_code = status_code or self.status_code


class UnprocessableError(FieldError):
    """A field that is valid on its own but names what does not exist, or what cannot be used there."""

    status_code = 422


# The body of every error response, built by problem_response below; these structs are also the OpenAPI
# document's schema of it (forum.openapi), so the two cannot drift apart.
class FieldProblem(msgspec.Struct):
    """One field at fault."""

    field: Annotated[str, msgspec.Meta(description="Dotted for a nested field; empty for the body as a whole")]
    pointer: Annotated[str, msgspec.Meta(description="Where it is in the body, as #/subject")]
    detail: str
    source: Annotated[str, msgspec.Meta(description="path, query or header; absent for the body")] | UnsetType = UNSET


class ProblemDetails(msgspec.Struct):
    """RFC 9457 problem details (application/problem+json)."""

    type: Annotated[str, msgspec.Meta(description="about:blank: the status says what kind of problem it is")]
    title: str
    status: int
    detail: str
    instance: Annotated[str, msgspec.Meta(description="The request's path")]
    errors: Annotated[list[FieldProblem], msgspec.Meta(description="When fields are at fault")] | UnsetType = UNSET


# msgspec names the body as a whole "data" (the handler's parameter) when the fault is a missing or unknown
# key, or a blank text field (forum.fields.Input); the key is in the message. Other faults of the whole
# body (null, a list) are the body's, not a field's.
_NAMED_FIELD = re.compile(r"(?:missing required field|unknown field|^Field) `([^`]+)`")


def _field_errors(extra: Any) -> list[dict[str, str]]:
    if not isinstance(extra, list):
        return []
    errors = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        field = str(item.get("key") or "")
        if field in {"", "data"}:
            named = _NAMED_FIELD.search(message)
            field = named.group(1) if named else ""
        entry = {"field": field, "pointer": f"#/{field.replace('.', '/')}" if field else "#", "detail": message}
        source = item.get("source")
        source = getattr(source, "value", source)
        if source and source != "body":
            entry["source"] = str(source)
        errors.append(entry)
    return errors


def problem_response(
    status: int, detail: str, instance: str, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None
) -> Response[ProblemDetails]:
    body = ProblemDetails(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=[FieldProblem(**error) for error in errors] if errors else UNSET,
    )
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def http_exception_handler(request: Request, exc: HTTPException) -> Response[ProblemDetails]:
    headers = dict(exc.headers or {})
    if exc.status_code == 429:
        # Litestar's limiter sends RateLimit-Reset (seconds); clients and proxies understand Retry-After.
        headers.setdefault("Retry-After", headers.get("RateLimit-Reset", "60"))
    errors = _field_errors(exc.extra)
    detail = exc.detail
    if errors and detail in {"Validation failed for POST", "Validation failed"} or detail.startswith("Validation failed for"):
        detail = "; ".join(f"{e['field'] or 'body'}: {e['detail']}" for e in errors) or detail
    return problem_response(exc.status_code, detail, request.url.path, errors, headers)


def internal_error_handler(request: Request, exc: Exception) -> Response[ProblemDetails]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "An unexpected error occurred; it has been logged.", request.url.path)


EXCEPTION_HANDLERS = {HTTPException: http_exception_handler, Exception: internal_error_handler}
