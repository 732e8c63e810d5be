"""The OpenAPI document's error responses: each operation lists the problem details it can answer with.

Litestar documents errors in its own shape ({status_code, detail, extra} as application/json): a 400 on
every operation that takes input, and what a handler names in `raises`. Every error here leaves as problem
details instead (forum.errors). Litestar has no setting for that schema, but a handler's `responses`
replace its error responses status by status; this plugin fills them in as routes are registered, from
what each handler shows:

- 400 where it takes input (a body, path or query parameters), 413 and 415 where it takes a body;
- 401 and 403 where it needs a signed-in `user` (roles and authorship are checked on it), only 401 where
  the handler is marked OWN_ACCOUNT_ONLY (anyone signed in may, on their own account: `/me`) or takes an
  optional `viewer` (a bad token is refused, not taken for anonymous);
- 404 where the path names something;
- 429 for writes, which are rate-limited (forum.ratelimit), with Retry-After;
- whatever the handler names in `raises`, for what its signature cannot show (409, 422, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from forum.errors import PROBLEM_JSON, ProblemDetails
from forum.ratelimit import WRITE_METHODS

if TYPE_CHECKING:
    from litestar._kwargs import KwargsModel
    from litestar.handlers import HTTPRouteHandler

#: A handler's opt key: any signed-in user may call it, on their own account, so it never answers 403.
OWN_ACCOUNT_ONLY = "own_account_only"

DESCRIPTIONS = {
    400: "The request is malformed or a value is invalid; `errors` names the fields at fault",
    401: "Not signed in, or the token is invalid, revoked or expired",
    403: "Signed in, but not allowed to do this",
    404: "What the path names does not exist or is hidden from you",
    409: "Conflicts with the current state (already exists, already done, or edited meanwhile)",
    413: "The request body is larger than the server accepts",
    415: "The request body was not sent as JSON (Content-Type: application/json)",
    422: "A field names something that does not exist or cannot be used here; `errors` names it",
    429: "Too many requests: retry after the number of seconds in Retry-After",
}


@dataclass
class _Operation(Operation):
    # A ResponseSpec has no headers; the operation, once built, has its 429 response to add one to.
    def __post_init__(self) -> None:
        too_many = (self.responses or {}).get("429")
        if isinstance(too_many, OpenAPIResponse):
            retry_after = OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER), description="Seconds to wait", required=True)
            too_many.headers = {"Retry-After": retry_after}


def _error_statuses(handler: HTTPRouteHandler, kwargs: KwargsModel) -> set[int]:
    signature = handler.parsed_fn_signature.parameters
    statuses = {exc.status_code for exc in handler.raises or ()}
    if "data" in signature:
        statuses |= {400, 413, 415}
    if kwargs.expected_path_params or kwargs.expected_query_params or kwargs.expected_header_params:
        statuses.add(400)
    if kwargs.expected_path_params:
        statuses.add(404)
    if "user" in signature:
        statuses |= {401} if handler.opt.get(OWN_ACCOUNT_ONLY) else {401, 403}
    if "viewer" in signature:
        statuses.add(401)
    if handler.http_methods & WRITE_METHODS:
        statuses.add(429)
    return statuses


def _problem(status: int) -> ResponseSpec:
    description = DESCRIPTIONS.get(status, HTTPStatus(status).phrase)
    return ResponseSpec(ProblemDetails, generate_examples=False, media_type=PROBLEM_JSON, description=description)


class ProblemResponses(ReceiveRoutePlugin):
    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler, kwargs in route.route_handler_map.values():
            documented = {status: _problem(status) for status in sorted(_error_statuses(handler, kwargs))}
            # What a handler spells out in its own `responses` wins.
            handler.responses = documented | dict(handler.responses or {})
            if handler.operation_class is Operation:
                handler.operation_class = _Operation
