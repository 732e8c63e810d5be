from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from forum.auth import repository, tokens
from forum.auth.schemas import RegisterIn
from forum.errors import ConflictError, FieldError
from forum.models import ApiToken, Profile
from forum.settings import Settings


async def register(session: AsyncSession, data: RegisterIn) -> Profile:
    if data.website:
        raise FieldError("website", "this field must be left empty")
    if await repository.profile_by_email(session, data.email):
        raise ConflictError("An account with this email already exists")
    profile = Profile(
        email=data.email.strip(), password_hash=tokens.hash_password(data.password), display_name=data.display_name.strip()
    )
    await repository.add(session, profile)
    await session.refresh(profile)
    return profile


async def login(session: AsyncSession, settings: Settings, email: str, password: str) -> tuple[str, int]:
    profile = await repository.profile_by_email(session, email)
    if not tokens.verify_password(profile.password_hash if profile else None, password) or profile is None:
        raise NotAuthorizedException("Wrong email or password")
    ttl = timedelta(minutes=settings.jwt_ttl_minutes)
    return tokens.issue_jwt(profile.id, settings.jwt_secret, ttl), int(ttl.total_seconds())


async def viewer_from_bearer(session: AsyncSession, settings: Settings, bearer: str) -> Profile:
    if tokens.is_api_token(bearer):
        profile = await repository.profile_by_api_token(session, tokens.hash_api_token(bearer))
    else:
        profile = await repository.profile_by_id(session, tokens.read_jwt_subject(bearer, settings.jwt_secret))
    if profile is None:
        raise NotAuthorizedException("Invalid, revoked or expired token")
    return profile


async def create_api_token(session: AsyncSession, profile: Profile, name: str) -> tuple[ApiToken, str]:
    secret, token_hash, prefix = tokens.new_api_token()
    token = ApiToken(profile_id=profile.id, name=name, token_hash=token_hash, prefix=prefix)
    await repository.add(session, token)
    await session.refresh(token)
    return token, secret


async def revoke_api_token(session: AsyncSession, profile: Profile, token_id: int) -> ApiToken | None:
    token = await repository.token_of(session, profile.id, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        await session.flush()
    return token
