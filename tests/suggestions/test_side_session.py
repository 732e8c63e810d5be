"""How suggestions reach the database: reads that can run beside a request's own (the docs index) get a second
connection, but never so many that requests holding one could wait on each other for the pool; the keystroke
path's reads go through asyncpg inside the session's transaction; connections open with the HNSW settings."""

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


async def test_fast_reads_see_the_sessions_own_uncommitted_writes(db_session):
    """db.fetch (asyncpg itself, for the keystroke path) runs inside the session's transaction."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.types import BigInteger

    from tests.factories import make_profile, make_question

    question = await make_question(db_session, await make_profile(db_session), "Uncommitted subject", "Only this transaction sees it.")
    statement = text("SELECT id, subject FROM questions WHERE id = ANY(:ids) AND subject = :subject").bindparams(
        bindparam("ids", type_=ARRAY(BigInteger))
    )
    rows = await db.fetch(db_session, statement, {"ids": [question.id, -1], "subject": "Uncommitted subject"})
    assert [(r["id"], r["subject"]) for r in rows] == [(question.id, "Uncommitted subject")]


async def test_connections_open_with_the_hnsw_search_settings(engine):
    async with AsyncSession(engine) as session:
        settings = (await session.execute(text("SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan')"))).one()
    assert tuple(settings) == ("200", "relaxed_order")
