"""`forum eval duplicates DIR`: find the original of each question closed as a duplicate.

Every question of a Stack Exchange dump is loaded as a forum question (answers as replies, the
accepted one as the solution) and embedded by the product. For each duplicate pair, the
duplicate's title + body is the query and the original must come back: it is ranked among all
other questions (the query question itself excluded) by the product's scorer, three ways, to the
depth the product ranks (settings.suggestions_candidates, 40): an original ranked lower counts as
missed. With one relevant question per query, MAP equals MRR; both are printed as the issue asks.

Three more rows show the suggestions while a subject is still being typed: the duplicates' titles
whose last word is long enough, no body yet, ranked by the hybrid whole, then cut inside that word
(forum.evals.runner.cut_inside_last_word) with the cut word read whole, then read as POST
/suggestions reads a draft (forum/suggestions/drafts.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.evals.datasets import DuplicatePair, StackExchangeData, load_stackexchange
from forum.evals.metrics import mean_average_precision, mean_reciprocal_rank, precision_at_k, recall_at_k
from forum.evals.runner import (
    EvalAnswer, EvalQuestion, Stopwatch, analyze, cut_inside_last_word, embed_all, load_questions, scratch_database,
)
from forum.settings import Settings
from forum.suggestions.repository import refresh_vocabulary
from forum.suggestions.retrieval import FusionWeights
from forum.suggestions.service import ALL_SYSTEMS, encode_query, rank_questions

#: name in the report -> retrievers handed to rank_questions
SYSTEMS: dict[str, tuple[str, ...]] = {
    "fulltext": ("fulltext",),
    "embedding": ("vector",),
    "hybrid": ALL_SYSTEMS,
}
METRICS = ("map", "mrr", "p_at_1", "recall_at_10")


def eval_questions(data: StackExchangeData) -> list[EvalQuestion]:
    answers = data.answers_by_question()
    return [
        EvalQuestion(
            id=q.id,
            subject=q.title,
            body=q.body,
            answers=tuple(EvalAnswer(a.id, a.body, accepted=a.id == q.accepted_answer_id) for a in answers.get(q.id, [])),
        )
        for q in data.questions
    ]


async def load(session: AsyncSession, settings: Settings, data: StackExchangeData) -> None:
    await load_questions(session, eval_questions(data))
    await embed_all(session, settings, [q.id for q in data.questions])


async def rankings(
    session: AsyncSession,
    settings: Settings,
    data: StackExchangeData,
    *,
    pairs: Sequence[DuplicatePair] | None = None,
    systems: Mapping[str, Sequence[str]] = SYSTEMS,
    weights: FusionWeights | None = None,
) -> dict[str, list[list[bool]]]:
    """For each system, one relevance list per duplicate pair (True where the original is)."""
    by_id = {q.id: q for q in data.questions}
    pairs = data.duplicates if pairs is None else pairs
    depth = settings.suggestions_candidates
    out: dict[str, list[list[bool]]] = {name: [] for name in systems}
    for pair in pairs:
        duplicate = by_id[pair.question_id]
        query = await encode_query(session, settings, duplicate.title, duplicate.body)
        for name, retrievers in systems.items():
            ranked = await rank_questions(
                session, settings, query, limit=depth, exclude_ids=[duplicate.id], systems=tuple(retrievers), weights=weights
            )
            out[name].append([c.key == pair.duplicate_of_id for c in ranked])
    return out


async def typed_rankings(
    session: AsyncSession, settings: Settings, typed: Sequence[tuple[DuplicatePair, str]], *, as_typed: bool
) -> list[list[bool]]:
    """The hybrid for each pair's duplicate title (cut inside its last word, as a subject paused
    mid-word), no body yet, with that word read whole or, `as_typed`, as the draft is read (drafts.py)."""
    out = []
    for pair, subject in typed:
        query = await encode_query(session, settings, subject, None, as_typed=as_typed)
        ranked = await rank_questions(session, settings, query, limit=settings.suggestions_candidates, exclude_ids=[pair.question_id])
        out.append([c.key == pair.duplicate_of_id for c in ranked])
    return out


def score(relevance: Sequence[Sequence[bool]]) -> dict[str, float]:
    # Exactly one relevant question per query; one the ranking never reached still counts as missed.
    return {
        "map": mean_average_precision(relevance),
        "mrr": mean_reciprocal_rank(relevance),
        "p_at_1": sum(precision_at_k(r, 1) for r in relevance) / len(relevance),
        "recall_at_10": sum(recall_at_k(r, 10, n_relevant=1) for r in relevance) / len(relevance),
    }


def usable_pairs(data: StackExchangeData) -> list[DuplicatePair]:
    ids = {q.id for q in data.questions}
    return [p for p in data.duplicates if p.question_id in ids and p.duplicate_of_id in ids and p.question_id != p.duplicate_of_id]


async def run(directory: str | Path, settings: Settings) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """The whole evaluation in a scratch database: (system -> metrics, facts about the run)."""
    watch = Stopwatch()
    data = load_stackexchange(directory)
    pairs = usable_pairs(data)
    if not pairs:
        raise ValueError(f"{directory}: no duplicate pair whose two questions are both in questions.jsonl")
    async with scratch_database(settings) as ctx:
        async with watch.phase("load+embed"), ctx.session() as session, session.begin():
            await load(session, ctx.settings, data)
        async with watch.phase("load+embed"), ctx.session() as session, session.begin():
            await analyze(session, "questions")
            await refresh_vocabulary(session)
        async with watch.phase("rank"), ctx.session() as session:
            relevance = await rankings(session, ctx.settings, data, pairs=pairs)
            titles = {q.id: q.title for q in data.questions}
            cut = [(p, typed) for p in pairs if (typed := cut_inside_last_word(titles[p.question_id])) is not None]
            if cut:
                # The same titles whole first: what the cut ones would find once typed to the end.
                whole = [(p, titles[p.question_id]) for p, _ in cut]
                relevance["hybrid, the same titles whole"] = await typed_rankings(session, ctx.settings, whole, as_typed=False)
                for name, as_typed in (("hybrid, title cut mid-word", False), ("hybrid, title cut mid-word, as typed", True)):
                    relevance[name] = await typed_rankings(session, ctx.settings, cut, as_typed=as_typed)
    results = {name: score(lists) for name, lists in relevance.items()}
    meta = {
        "questions": len(data.questions),
        "pairs": len(pairs),
        "cut_mid_word": len(cut),
        "depth": settings.suggestions_candidates,
        "seconds": round(watch.total, 1),
        "timing": watch.summary(),
    }
    return results, meta
