from __future__ import annotations

from litestar import Controller, Request, delete, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from forum.auth import repository, service
from forum.auth.schemas import ApiTokenIn, ApiTokenOut, LoginIn, RegisterIn, TokenOut
from forum.errors import ConflictError
from forum.fields import Id32
from forum.models import ApiToken, Profile
from forum.openapi import OWN_ACCOUNT_ONLY
from forum.profiles.schemas import MeOut, me_out
from forum.settings import Settings


def _token_out(token: ApiToken, secret: str | None = None) -> ApiTokenOut:
    return ApiTokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        token=secret,
    )


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/register", raises=[ConflictError])
    async def register(self, data: RegisterIn, db_session: AsyncSession) -> MeOut:
        return me_out(await service.register(db_session, data))

    @post("/auth/login", status_code=200, raises=[NotAuthorizedException])
    async def login(self, data: LoginIn, db_session: AsyncSession, settings: Settings) -> TokenOut:
        token, expires_in = await service.login(db_session, settings, data.email, data.password)
        return TokenOut(access_token=token, token_type="Bearer", expires_in=expires_in)

    @get("/me/tokens", opt={OWN_ACCOUNT_ONLY: True})
    async def list_tokens(self, user: Profile, db_session: AsyncSession) -> list[ApiTokenOut]:
        return [_token_out(t) for t in await repository.tokens_of(db_session, user.id)]

    @post("/me/tokens", opt={OWN_ACCOUNT_ONLY: True})
    async def create_token(self, data: ApiTokenIn, user: Profile, db_session: AsyncSession) -> ApiTokenOut:
        token, secret = await service.create_api_token(db_session, user, data.name)
        return _token_out(token, secret)

    @delete("/me/tokens/{token_id:int}", opt={OWN_ACCOUNT_ONLY: True})
    async def revoke_token(self, token_id: Id32, user: Profile, db_session: AsyncSession, request: Request) -> None:
        if await service.revoke_api_token(db_session, user, token_id) is None:
            raise NotFoundException(f"No token {token_id}")
