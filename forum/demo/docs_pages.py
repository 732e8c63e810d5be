"""The demo's docs: a few pages of the fictitious product's documentation (forum/demo/docs), indexed
so that `make run` shows docs sections beside the suggested questions.

They cover some of the demo questions and deliberately not others (session replay in Electron is
the demo's docs gap). Indexing is incremental, so loading them again encodes nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from docs_index.indexer import IndexReport, index_docs_with_settings
from forum.models import DocsPage
from forum.settings import Settings

DEMO_DOCS = Path(__file__).with_name("docs")


def demo_page_paths() -> set[str]:
    return {path.relative_to(DEMO_DOCS).as_posix() for path in DEMO_DOCS.rglob("*") if path.suffix in {".md", ".mdx"}}


async def index_demo_docs(session: AsyncSession, settings: Settings) -> IndexReport | None:
    """None, and nothing changed, when the index holds other pages: the docs index mirrors one
    tree, and indexing the demo's would delete a forum's own docs (`forum docs index PATH`)."""
    indexed = set(await session.scalars(select(DocsPage.path)))
    if not indexed <= demo_page_paths():
        return None
    return await index_docs_with_settings(session, DEMO_DOCS, settings)
