"""`forum eval docs DIR`: do a tutorial's title find the docs pages the tutorial links to?

`DIR/docs` is indexed by the product's docs index (docs_index), embedded with the product's
model; each tutorial title of `DIR/tutorial_links.json` is a query ranked by the product's
`rank_docs`, to the depth the product ranks (settings.suggestions_candidates chunks). Results are
chunks: they are reduced to pages in rank order (a page counts at the rank of its best chunk), then
page-level Recall@5 and MRR are computed against the pages the tutorial links to that exist in the
corpus.

Three more rows show the suggestions while a title is still being typed: the titles whose last word
has at least runner.CUT_MIN_LETTERS letters, ranked by the hybrid whole, then cut inside that word
(runner.CUT_FRACTION of its letters kept) with the cut word read whole, then read as POST
/suggestions reads a draft (forum/suggestions/drafts.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from docs_index.indexer import index_docs_with_settings
from forum.evals.datasets import TutorialRelevance, load_docs_relevance, normalise_docs_url
from forum.evals.metrics import mean_reciprocal_rank, recall_at_k
from docs_index.frontmatter import split_front_matter
from forum.evals import runner
from forum.evals.runner import Stopwatch, analyze, scratch_database
from forum.settings import Settings
from forum.suggestions.service import DOCS_SYSTEMS, encode_query, rank_docs

SYSTEMS: dict[str, tuple[str, ...]] = {
    "fulltext": ("fulltext",),
    "embedding": ("vector",),
    "hybrid": DOCS_SYSTEMS,
}
METRICS = ("recall_at_5", "mrr")
#: YAML block-scalar markers: tutorial_links.json holds one of these instead of a folded title.
_BLOCK_SCALAR = {">", ">-", ">+", "|", "|-", "|+"}


async def load(session: AsyncSession, settings: Settings, docs_root: Path) -> int:
    """Index the docs tree; returns the number of chunks."""
    return (await index_docs_with_settings(session, docs_root, settings)).chunks


async def chunk_pages(session: AsyncSession) -> dict[int, str]:
    """Chunk id -> URL of its page without anchor, e.g. /docs/product-analytics/funnels."""
    rows = await session.execute(text("SELECT c.id, p.url FROM docs_chunks c JOIN docs_pages p ON p.id = c.page_id"))
    return {r.id: normalise_docs_url(r.url) for r in rows}


def pages_in_order(chunk_ids: Sequence[int], pages: Mapping[int, str]) -> list[str]:
    """Chunks reduced to their pages, each page at the rank of its first (best) chunk."""
    return list(dict.fromkeys(pages[c] for c in chunk_ids if c in pages))


async def ranked_pages(
    session: AsyncSession,
    settings: Settings,
    tutorial: TutorialRelevance,
    pages: Mapping[int, str],
    *,
    systems: Sequence[str] = SYSTEMS["hybrid"],
    as_typed: bool = False,
) -> list[str]:
    query = await encode_query(session, settings, tutorial.title, "", as_typed=as_typed)
    ranked = await rank_docs(session, settings, query, limit=settings.suggestions_candidates, systems=tuple(systems))
    return pages_in_order([c.key for c in ranked], pages)


def score(ranked: Sequence[Sequence[str]], tutorials: Sequence[TutorialRelevance]) -> dict[str, float]:
    relevance = [[page in t.relevant for page in pages] for pages, t in zip(ranked, tutorials)]
    return {
        "recall_at_5": sum(recall_at_k(r, 5, n_relevant=len(t.relevant)) for r, t in zip(relevance, tutorials)) / len(tutorials),
        "mrr": mean_reciprocal_rank(relevance),
    }


def with_titles(tutorials: Sequence[TutorialRelevance], directory: Path) -> list[TutorialRelevance]:
    """Titles written as a folded YAML scalar (`title: >-` + indented lines) reached the relevance
    file as the marker itself; read those from the tutorial's own front matter."""
    fixed = []
    for t in tutorials:
        title = t.title
        if title.strip() in _BLOCK_SCALAR and (directory / t.tutorial).is_file():
            meta, _ = split_front_matter((directory / t.tutorial).read_text(encoding="utf-8"))
            title = " ".join(str(meta.get("title") or title).split())
        fixed.append(TutorialRelevance(t.tutorial, title, t.relevant))
    return fixed


def typed_titles(tutorials: Sequence[TutorialRelevance]) -> list[TutorialRelevance]:
    """The titles whose last word is long enough, each cut inside that word: "How to rename eve"."""
    cut = ((t, runner.cut_inside_last_word(t.title)) for t in tutorials)
    return [TutorialRelevance(t.tutorial, typed, t.relevant) for t, typed in cut if typed is not None]


def answerable(tutorials: Sequence[TutorialRelevance], pages: Mapping[int, str]) -> list[TutorialRelevance]:
    """Tutorials keeping only relevant pages the index holds; ones left with none are dropped."""
    indexed = set(pages.values())
    kept = [TutorialRelevance(t.tutorial, t.title, frozenset(t.relevant & indexed)) for t in tutorials]
    return [t for t in kept if t.relevant]


async def run(directory: str | Path, settings: Settings) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    watch = Stopwatch()
    directory = Path(directory)
    tutorials = with_titles(load_docs_relevance(directory), directory)
    async with scratch_database(settings) as ctx:
        async with watch.phase("index"), ctx.session() as session, session.begin():
            chunks = await load(session, ctx.settings, directory / "docs")
        async with watch.phase("index"), ctx.session() as session, session.begin():
            await analyze(session, "docs_chunks")
        async with watch.phase("rank"), ctx.session() as session:
            pages = await chunk_pages(session)
            queries = answerable(tutorials, pages)
            if not queries:
                raise ValueError(f"{directory}: no tutorial links to a page of the indexed docs")
            results = {}
            for name, retrievers in SYSTEMS.items():
                ranked = [await ranked_pages(session, ctx.settings, t, pages, systems=retrievers) for t in queries]
                results[name] = score(ranked, queries)
            typing = typed_titles(queries)
            # The same titles whole first: what the cut ones would find once typed to the end.
            cut_ones = {t.tutorial for t in typing}
            whole = [t for t in queries if t.tutorial in cut_ones]
            results["hybrid, the same titles whole"] = score([await ranked_pages(session, ctx.settings, t, pages) for t in whole], whole)
            for name, as_typed in (("hybrid, cut mid-word", False), ("hybrid, cut mid-word, as typed", True)):
                ranked = [await ranked_pages(session, ctx.settings, t, pages, as_typed=as_typed) for t in typing]
                results[name] = score(ranked, typing)
    meta = {
        "tutorials": len(queries),
        "skipped": len(tutorials) - len(queries),
        "cut_mid_word": len(typing),
        "pages": len(set(pages.values())),
        "chunks": chunks,
        "seconds": round(watch.total, 1),
        "timing": watch.summary(),
    }
    return results, meta
