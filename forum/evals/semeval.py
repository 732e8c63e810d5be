"""`forum eval semeval FILE.jsonl`: SemEval-2016 Task 3 subtask B, question-question reranking.

Every related question of the file is loaded as a forum question and embedded by the product.
For each original question, the product's scorer reranks its ten related questions
(`rank_questions(..., only_ids=those ten)`); MAP and MRR follow the official scorer (ev.py v2.2):
PerfectMatch and Relevant are relevant, only the top 10 count, AP divides by the relevant ones
retrieved, an original with no relevant candidate scores 0. The search-engine order of the file
(ascending ir_rank) is scored the same way beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.evals.datasets import OriginalQuestion, load_semeval, restore_commas
from forum.evals.metrics import SEMEVAL_CUTOFF, mean_average_precision, mean_reciprocal_rank
from forum.evals.runner import EvalQuestion, Stopwatch, analyze, embed_all, load_questions, scratch_database
from forum.settings import Settings
from forum.suggestions.retrieval import FusionWeights
from forum.suggestions.service import ALL_SYSTEMS, encode_query, rank_questions

METRICS = ("map", "mrr")


def question_ids(originals: Sequence[OriginalQuestion]) -> dict[str, int]:
    """Forum ids for the related questions (their SemEval ids are strings such as Q268_R4)."""
    return {rel.id: n for n, rel in enumerate((r for o in originals for r in o.related), start=1)}


async def load(session: AsyncSession, settings: Settings, originals: Sequence[OriginalQuestion]) -> dict[str, int]:
    ids = question_ids(originals)
    # Commas restored: the distribution replaced them with ';', the product will see real ones.
    questions = [
        EvalQuestion(id=ids[r.id], subject=restore_commas(r.subject), body=restore_commas(r.body))
        for o in originals
        for r in o.related
    ]
    await load_questions(session, questions)
    await embed_all(session, settings, [q.id for q in questions])
    return ids


def ir_order(original: OriginalQuestion) -> list[bool]:
    return [r.relevant for r in sorted(original.related, key=lambda r: r.ir_rank)]


async def rerank(
    session: AsyncSession,
    settings: Settings,
    original: OriginalQuestion,
    ids: dict[str, int],
    *,
    systems: Sequence[str] = ALL_SYSTEMS,
    weights: FusionWeights | None = None,
) -> list[bool]:
    """The original's related questions in the product's order, as relevance flags."""
    by_key = {ids[r.id]: r for r in original.related}
    query = await encode_query(session, settings, restore_commas(original.subject), restore_commas(original.body))
    ranked = await rank_questions(
        session, settings, query, limit=len(by_key), only_ids=list(by_key), systems=tuple(systems), weights=weights
    )
    order = [by_key[c.key] for c in ranked if c.key in by_key]
    # A candidate no retriever returned (full text only, no shared word) goes last, in search-engine order.
    seen = {r.id for r in order}
    order += sorted((r for r in original.related if r.id not in seen), key=lambda r: r.ir_rank)
    return [r.relevant for r in order]


def score(relevance: Sequence[Sequence[bool]]) -> dict[str, float]:
    return {
        "map": mean_average_precision(relevance, semeval=True),
        "mrr": mean_reciprocal_rank(relevance, k=SEMEVAL_CUTOFF),
    }


async def run(path: str | Path, settings: Settings) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    watch = Stopwatch()
    originals = load_semeval(path)
    if not originals:
        raise ValueError(f"{path}: no original questions")
    async with scratch_database(settings) as ctx:
        async with watch.phase("load+embed"), ctx.session() as session, session.begin():
            ids = await load(session, ctx.settings, originals)
        async with watch.phase("load+embed"), ctx.session() as session, session.begin():
            await analyze(session, "questions")
        async with watch.phase("rank"), ctx.session() as session:
            ours = [await rerank(session, ctx.settings, o, ids) for o in originals]
    results = {"ours": score(ours), "ir_order": score([ir_order(o) for o in originals])}
    meta = {
        "originals": len(originals),
        "related": sum(len(o.related) for o in originals),
        "seconds": round(watch.total, 1),
        "timing": watch.summary(),
    }
    return results, meta
