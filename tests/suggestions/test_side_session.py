"""Reads that can run beside a request's own (the docs index in suggestions) get a second connection,
but never so many that requests holding one connection could wait on each other for the pool."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from forum import db


async def test_side_sessions_take_at_most_half_the_pool(engine):
    # The test engine's pool holds 5 connections: 2 side sessions at a time.
    async with AsyncSession(engine) as request:
        async with db.side_session(request) as first, db.side_session(request) as second, db.side_session(request) as third:
            assert first is not None and second is not None
            assert third is None, "the caller reads through its own session instead of waiting"
            assert (await first.execute(text("SELECT pg_backend_pid()"))).scalar() != (await second.execute(text("SELECT pg_backend_pid()"))).scalar()
        async with db.side_session(request) as again:
            assert again is not None, "slots come back when side sessions end"


async def test_a_session_bound_to_one_connection_has_no_side_session(db_session):
    async with db.side_session(db_session) as side:
        assert side is None
