"""`forum eval gaps PATH`: docs-gap clustering on real data, in a scratch database.

PATH a SemEval-2016 3B file (dev.jsonl, train.jsonl): each original question with its related
questions labelled PerfectMatch or Relevant is one true topic, the Irrelevant ones are noise.
All of them are loaded as forum questions, embedded by the product and clustered with the same
code and settings as `forum gaps detect`; V-measure, adjusted Rand index (noise is one more
label on both sides) and groups_kept (share of true topics mostly in one cluster) are printed.

PATH a Stack Exchange folder: its unanswered questions are loaded (asked when they were asked,
viewed as often, under a topic per first tag), the product's detection runs as of the dump's
last day, and the top gaps it would file are printed for a person to judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from forum.embeddings.repository import active_model
from forum.evals.datasets import OriginalQuestion, load_semeval, load_stackexchange, restore_commas
from forum.evals.metrics import adjusted_rand_index, groups_kept, v_measure
from forum.evals.runner import EvalQuestion, Stopwatch, embed_all, load_questions, scratch_database
from forum.gaps import issue_writer, repository, service
from forum.gaps.clustering import ClusterParams, cluster
from forum.settings import Settings

METRICS = ("v_measure", "ari", "groups_kept", "clustered")


def semeval_items(originals: Sequence[OriginalQuestion]) -> tuple[list[EvalQuestion], list[str | None]]:
    """Every original and related question as a forum question, with its true topic (None = noise)."""
    questions, truth = [], []
    for original in originals:
        questions.append(EvalQuestion(len(questions) + 1, restore_commas(original.subject), restore_commas(original.body)))
        truth.append(original.id)
        for related in original.related:
            questions.append(EvalQuestion(len(questions) + 1, restore_commas(related.subject), restore_commas(related.body)))
            truth.append(original.id if related.relevant else None)
    return questions, truth


def scores(truth: Sequence[str | None], labels: np.ndarray) -> dict[str, float]:
    predicted = labels.tolist()
    return {
        "v_measure": v_measure(truth, predicted),
        "ari": adjusted_rand_index(truth, predicted),
        "groups_kept": groups_kept(truth, predicted),
        "clusters": float(labels.max() + 1) if len(labels) else 0.0,
        "clustered": float((labels >= 0).mean()) if len(labels) else 0.0,
    }


async def run_semeval(path: Path, settings: Settings, methods: Sequence[str]) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    watch = Stopwatch()
    originals = load_semeval(path)
    if not originals:
        raise ValueError(f"{path}: no original questions")
    questions, truth = semeval_items(originals)
    async with scratch_database(settings) as ctx:
        async with watch.phase("load+embed"), ctx.session() as session, session.begin():
            await load_questions(session, questions)
            await embed_all(session, ctx.settings, [q.id for q in questions])
        async with ctx.session() as session:
            model = await active_model(session)
            vectors = await repository.question_vectors(session, model.name, [q.id for q in questions])
    results = {}
    base = ClusterParams.from_settings(settings)
    for method in methods:
        async with watch.phase(f"cluster {method}"):
            labels = cluster(vectors, ClusterParams(**{**base.as_dict(), "method": method}))
        results[method] = scores(truth, labels)
    meta = {
        "questions": len(questions),
        "topics": len({t for t in truth if t is not None}),
        "noise": sum(t is None for t in truth),
        "seconds": round(watch.total, 1),
        "timing": watch.summary(),
    }
    return results, meta


@dataclass(frozen=True)
class TopGap:
    title: str
    score: float
    size: int
    terms: list[str]
    area: str | None
    evidence: list[tuple[str, str, str]]  # (asked on, subject, link)
    markdown: str


async def run_stackexchange(directory: Path, settings: Settings, *, top: int = 5) -> tuple[list[TopGap], dict[str, Any]]:
    watch = Stopwatch()
    data = load_stackexchange(directory)
    unanswered = [q for q in data.questions if q.answer_count == 0]
    if not unanswered:
        raise ValueError(f"{directory}: no unanswered question")
    site = directory.name
    links = issue_writer.Links(lambda question_id, _permalink: f"https://{site}/q/{question_id}")
    now = max(q.created_at for q in data.questions) + timedelta(days=1)
    async with scratch_database(settings) as ctx:
        async with watch.phase("load+embed"), ctx.session() as session, session.begin():
            await load_questions(session, [EvalQuestion(q.id, q.title, q.body) for q in unanswered])
            await repository.set_question_history(
                session, [(q.id, q.created_at, q.view_count, q.tags[0] if q.tags else None) for q in unanswered]
            )
            await embed_all(session, ctx.settings, [q.id for q in unanswered])
        async with watch.phase("detect"), ctx.session() as session, session.begin():
            report = await service.detect(session, ctx.settings, now=now)
            rows, _ = await service.list_gaps(session, status="open", limit=top)
            gaps = []
            for row in rows:
                detail = await service.gap_detail(session, row.id)
                gaps.append(
                    TopGap(
                        row.title, row.score, row.size, row.terms, row.area,
                        [(m.created_at.date().isoformat(), m.subject, links.question(m.question_id, m.permalink)) for m in detail.members],
                        issue_writer.render(detail, links).markdown(),
                    )
                )
    meta = {
        "questions": len(data.questions),
        "unanswered": len(unanswered),
        "gaps": report.gaps,
        "clustered": report.clustered,
        "seconds": round(watch.total, 1),
        "timing": watch.summary(),
    }
    return gaps, meta


def format_top(gaps: Sequence[TopGap], meta: dict[str, Any], site: str) -> str:
    lines = [f"Top {len(gaps)} docs gaps, {site}: {meta['unanswered']} unanswered of {meta['questions']} questions, "
             f"{meta['clustered']} in {meta['gaps']} gaps"]
    for rank, gap in enumerate(gaps, start=1):
        lines += ["", f"{rank}. {gap.title}  (score {gap.score:.2f}, {gap.size} questions, area {gap.area or '-'})",
                  f"   terms: {', '.join(gap.terms)}"]
        lines += [f"   - {day}  {subject}  {link}" for day, subject, link in gap.evidence[:6]]
        if len(gap.evidence) > 6:
            lines.append(f"   - ...and {len(gap.evidence) - 6} more")
    return "\n".join(lines)
