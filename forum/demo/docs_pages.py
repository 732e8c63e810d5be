"""The demo's docs: a few pages of the fictitious product's documentation (forum/demo/docs), indexed
so that `make run` shows docs sections beside the suggested questions.

They cover some of the demo questions and deliberately not others (session replay in Electron is
the demo's docs gap). Indexing is incremental, so loading them again encodes nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from docs_index.indexer import IndexReport, index_docs_with_settings
from forum.settings import Settings

DEMO_DOCS = Path(__file__).with_name("docs")


async def index_demo_docs(session: AsyncSession, settings: Settings) -> IndexReport:
    return await index_docs_with_settings(session, DEMO_DOCS, settings)
