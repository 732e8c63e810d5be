from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum.models import ApiToken, Profile


async def profile_by_email(session: AsyncSession, email: str) -> Profile | None:
    return await session.scalar(select(Profile).where(func.lower(Profile.email) == email.lower()))


async def profile_by_id(session: AsyncSession, profile_id: int) -> Profile | None:
    return await session.get(Profile, profile_id)


async def profile_by_api_token(session: AsyncSession, token_hash: str) -> Profile | None:
    row = (
        await session.execute(
            select(Profile, ApiToken)
            .join(ApiToken, ApiToken.profile_id == Profile.id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    profile, token = row
    now = datetime.now(UTC)
    # Touch last_used_at at most every few minutes so reads do not turn into a write each time.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        await session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return profile


async def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)
    await session.flush()


async def tokens_of(session: AsyncSession, profile_id: int) -> list[ApiToken]:
    result = await session.scalars(select(ApiToken).where(ApiToken.profile_id == profile_id).order_by(ApiToken.id))
    return list(result)


async def token_of(session: AsyncSession, profile_id: int, token_id: int) -> ApiToken | None:
    return await session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.profile_id == profile_id))
