"""The test database, per-test transactions and the API client.

One database is created and migrated with Alembic once per run. Each test runs inside a
transaction on one connection that is rolled back at the end; the app's request sessions
join that transaction through savepoints, so a request that fails rolls back only itself.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from forum import db, migrate  # noqa: E402
from forum.app import create_app  # noqa: E402
from forum.embeddings.embedder import get_embedder  # noqa: E402
from forum.settings import PROJECT_ROOT, Settings  # noqa: E402

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _server_url() -> str:
    """FORUM_TEST_DATABASE_URL or DATABASE_URL when given, else the embedded server under .data/test-pg."""
    explicit = os.environ.get("FORUM_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    settings = Settings(database_url=explicit, data_dir=PROJECT_ROOT / ".data" / "test-pg")
    return db.resolve_database_url(settings)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    server = make_url(_server_url())
    name = f"forum_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_asyncpg_dsn(server.render_as_string(hide_password=False)))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        # Alembic's env.py runs its own event loop, so it gets a thread of its own.
        await asyncio.to_thread(migrate.upgrade, url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
def test_settings(database_url: str) -> Settings:
    # Limits high enough that only the rate-limit tests, with their own settings, ever hit them.
    return Settings(
        database_url=database_url,
        jwt_secret="test-secret-that-is-long-enough-for-hs256",
        rate_limit_writes_per_user=10_000,
        rate_limit_writes_per_ip=10_000,
        view_flush_seconds=3600,
    )


@pytest.fixture(scope="session", autouse=True)
def model_loaded_before_the_first_test(test_settings: Settings) -> None:
    """The app starts loading the model on a thread as it starts, and does not wait for it. On a fresh
    clone that load includes the ONNX export (seconds, importing and patching torch's modules), which
    then ran beside whatever tests came next, and once broke one of them ("dictionary changed size
    during iteration"). Loaded here, every app the tests start finds it ready."""
    get_embedder(test_settings)


@pytest.fixture(scope="session")
async def engine(database_url: str, test_settings: Settings) -> AsyncIterator[AsyncEngine]:
    # Opened as the app opens its connections (the HNSW search settings sent at start-up).
    engine = db.create_engine(database_url, pool_size=5, hnsw_ef_search=test_settings.embedding_ef_search)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture
async def db_session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def committed_sessionmaker(engine: AsyncEngine) -> Iterator[async_sessionmaker[AsyncSession]]:
    """Real commits, for tests of concurrency and of separate processes; they clean up after themselves."""
    yield async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def app_client(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx.AsyncClient]:
    """An async client calling the app in this event loop.

    Litestar's AsyncTestClient runs the app on a portal thread with its own loop, where the
    test's open connection (and its transaction) cannot be used.
    """
    app = create_app(settings, sessionmaker=sessionmaker)
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        # Entered and exited in one task, as anyio's task groups inside the lifespan require.
        async with app.lifespan():
            started.set()
            await stopping.wait()

    lifespan = asyncio.create_task(run_lifespan())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({lifespan, ready}, return_when=asyncio.FIRST_COMPLETED)
    if lifespan.done():
        ready.cancel()
        await lifespan  # start-up failed: raise its error instead of waiting forever
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            yield http
    finally:
        stopping.set()
        await lifespan


@pytest.fixture
async def client(test_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(test_settings, sessionmaker) as http:
        yield http


@pytest.fixture
def shared_data():
    """Maps a path under ../shared/data to a Path, skipping the test when the shared data is absent."""

    def require(relative: str):
        path = SHARED_DATA / relative
        if not path.exists():
            pytest.skip(f"shared dataset not available: {path} (expected ../shared/data next to the repo)")
        return path

    return require
