"""How suggestions reach the database: the keystroke path's reads go through asyncpg inside the session's
transaction, and connections open with the HNSW settings."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from forum import db


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


async def test_fast_statements_are_inside_the_sessions_transaction_even_when_they_come_first(committed_sessionmaker):
    """A suggestion request can run every statement through db.fetch: its impression must still be
    rolled back with the request when the request fails."""
    from forum.suggestions import repository

    draft = "db-fetch-rollback-draft"
    async with committed_sessionmaker() as session:
        async with session.begin():
            await repository.record_impression(
                session,
                {"draft_id": draft, "profile_id": None, "subject": "rolled back", "shown_question_ids": [], "shown_docs_urls": [],
                 "best_question_similarity": None, "best_docs_similarity": None},
            )
            await session.rollback()
    async with committed_sessionmaker() as session:
        left = (await session.execute(text("SELECT count(*) FROM suggestion_impressions WHERE draft_id = :d"), {"d": draft})).scalar_one()
    assert left == 0
