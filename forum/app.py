"""create_app(settings) builds the whole API; nothing global is created at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum import db
from forum.auth.routes import AuthController
from forum.dependencies import provide_settings, provide_user, provide_viewer
from forum.embeddings.embedder import get_embedder
from forum.errors import EXCEPTION_HANDLERS
from forum.gaps.routes import GapController
from forum.health import health
from forum.openapi import ProblemResponses
from forum.integrations.routes import IntegrationsController
from forum.profiles.routes import ProfileController
from forum.questions.routes import QuestionController
from forum.questions.views import ViewCounter
from forum.ratelimit import rate_limit_middleware
from forum.request_checks import ForumRequest, check_request
from forum.replies.routes import ReplyController
from forum.settings import Settings
from forum.suggestions.routes import SuggestionController
from forum.suggestions.service import load_docs_index
from forum.support.routes import SupportController
from forum.topics.routes import ModerationController, TopicController

log = logging.getLogger(__name__)

ROUTE_HANDLERS = [
    health,
    AuthController,
    ProfileController,
    QuestionController,
    ReplyController,
    SuggestionController,
    TopicController,
    ModerationController,
    IntegrationsController,
    SupportController,
    GapController,
]


def _preload_embedder(settings: Settings) -> None:
    try:
        get_embedder(settings)
    except Exception:  # noqa: BLE001 - the first request that needs the model reports the error
        log.warning("could not load the embedding model %s at start-up", settings.embedding_model, exc_info=True)


async def _keep_docs_index_loaded(sessionmaker: async_sessionmaker[AsyncSession], check_seconds: float) -> None:
    """Reads the docs index into memory at start-up, then again whenever it has changed (checked every
    `check_seconds`, one small query), so suggestion requests find it there."""
    failed_before = False
    while True:
        try:
            async with sessionmaker() as session:
                await load_docs_index(session)
            failed_before = False
        except Exception:  # noqa: BLE001 - the next suggestion request reads it instead
            if not failed_before:  # once per outage, not every few seconds
                log.warning("could not read the docs index", exc_info=True)
            failed_before = True
        if check_seconds <= 0:
            return
        await asyncio.sleep(check_seconds)


def create_app(settings: Settings | None = None, sessionmaker: async_sessionmaker[AsyncSession] | None = None) -> Litestar:
    """Tests pass their own sessionmaker (bound to a rolled-back transaction); otherwise one is built at start-up."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        state = app.state
        engine = None
        preloads = []
        if state.get("sessionmaker") is None:
            engine = db.create_engine(db.resolve_database_url(settings), settings.db_pool_size, hnsw_ef_search=settings.embedding_ef_search)
            state.engine = engine
            state.sessionmaker = db.create_sessionmaker(engine)
            # Read the docs index into memory (suggestions search it there) now and after each change,
            # rather than in the first suggestion request after it. Not with the tests' sessionmaker:
            # its one connection is the test's.
            preloads.append(asyncio.create_task(_keep_docs_index_loaded(state.sessionmaker, settings.docs_index_check_seconds)))
        state.view_counter = ViewCounter(state.sessionmaker, settings.view_flush_seconds)
        await state.view_counter.start()
        # Load the embedding model now, off the event loop, rather than in the first suggestion
        # request (seconds); a request arriving meanwhile waits for this same load.
        preloads.append(asyncio.create_task(asyncio.to_thread(_preload_embedder, settings)))
        worker = None
        if settings.worker_in_process:
            from forum.jobs.worker import Worker

            worker = Worker(state.sessionmaker, settings)
            await worker.start()
        try:
            yield
        finally:
            for preload in preloads:
                preload.cancel()  # stops the docs index checks; a no-op for a load that is done
            # Before the engine closes: a docs read still running holds one of its connections.
            await asyncio.gather(*preloads, return_exceptions=True)
            if worker is not None:
                await worker.stop()
            await state.view_counter.stop()
            if engine is not None:
                await engine.dispose()

    initial_state: dict = {"settings": settings, "sessionmaker": sessionmaker}
    if sessionmaker is not None:
        initial_state["engine"] = sessionmaker.kw["bind"]

    return Litestar(
        route_handlers=ROUTE_HANDLERS,
        state=State(initial_state),
        lifespan=[lifespan],
        dependencies={
            "db_session": Provide(db.provide_db_session),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "viewer": Provide(provide_viewer),
            "user": Provide(provide_user),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=ForumRequest,
        before_request=check_request,
        middleware=rate_limit_middleware(settings),
        plugins=[ProblemResponses()],
        request_max_body_size=settings.max_request_bytes,
        cors_config=CORSConfig(allow_origins=["*"], allow_headers=["Authorization", "Content-Type"]),
        openapi_config=OpenAPIConfig(
            title="forum API",
            version="1.0.0",
            description="Community questions: ask, answer, vote, moderate, and get suggestions.",
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT or API token")}
            ),
            security=[{"bearer": []}],
        ),
        debug=settings.debug,
    )
