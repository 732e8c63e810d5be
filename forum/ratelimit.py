"""Write rate limits per signed-in user and per client IP, and a suggestions budget per client IP, with
Litestar's rate-limit middleware."""

from __future__ import annotations

import hashlib

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address

from forum.auth import tokens
from forum.settings import Settings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A route handler's `opt` key naming the budget it counts against instead of the write budgets:
#: "suggestions", a POST that reads while someone types, has its own (see Settings).
BUDGET_OPT = "rate_limit_budget"
SUGGESTIONS_BUDGET = "suggestions"


# async, so Litestar calls them inline instead of hopping to a thread on every request.
async def _is_suggestions(request: Request) -> bool:
    return request.route_handler.opt.get(BUDGET_OPT) == SUGGESTIONS_BUDGET


async def _is_write(request: Request) -> bool:
    return request.method in WRITE_METHODS and not await _is_suggestions(request)


async def _has_credentials(request: Request) -> bool:
    return await _is_write(request) and bool(request.headers.get("authorization"))


def _user_identity(secret: str):
    def identify(request: Request) -> str:
        # The limiter runs before the database is consulted: a JWT is verified (cheap, no I/O) for its
        # subject, so fresh tokens of one account share one budget; an API token stands for itself.
        credential = request.headers.get("authorization", "").partition(" ")[2].strip()
        if not tokens.is_api_token(credential):
            try:
                return f"user:{tokens.read_jwt_subject(credential, secret)}"
            except NotAuthorizedException:
                pass
        return "credential:" + hashlib.sha256(credential.encode()).hexdigest()[:32]

    return identify


def _ip_identity(request: Request) -> str:
    return "ip:" + get_remote_address(request)


def _suggestions_ip_identity(request: Request) -> str:
    return "suggestions-ip:" + get_remote_address(request)


def rate_limit_middleware(settings: Settings) -> list:
    per_user = RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_writes_per_user),
        identifier_for_request=_user_identity(settings.jwt_secret),
        check_throttle_handler=_has_credentials,
    )
    per_ip = RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_writes_per_ip),
        identifier_for_request=_ip_identity,
        check_throttle_handler=_is_write,
    )
    suggestions_per_ip = RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_suggestions_per_ip),
        identifier_for_request=_suggestions_ip_identity,
        check_throttle_handler=_is_suggestions,
    )
    return [per_ip.middleware, per_user.middleware, suggestions_per_ip.middleware]
