"""All SQL of the demo loader: finding what an earlier load (or a real user) already created."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from forum.models import Profile, Question

Row = TypeVar("Row")


async def has_questions(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists().where(Question.id.isnot(None)))))


async def rows_by_key(session: AsyncSession, model: type[Row], key: InstrumentedAttribute, keys: list[str]) -> dict[str, Row]:
    rows = await session.scalars(select(model).where(key.in_(keys)))
    return {getattr(row, key.key): row for row in rows}


async def profiles_by_email(session: AsyncSession, emails: list[str]) -> dict[str, Profile]:
    rows = await session.scalars(select(Profile).where(func.lower(Profile.email).in_([e.lower() for e in emails])))
    return {row.email.lower(): row for row in rows}


async def taken_permalinks(session: AsyncSession, permalinks: list[str]) -> set[str]:
    return set(await session.scalars(select(Question.permalink).where(Question.permalink.in_(permalinks))))
