"""One detection run's computation, apart from the database: evidence in, planned gaps out.

    plans = plan_gaps(evidence, vectors, known, params, now=now, half_life_days=30, ...)

`forum gaps detect`, the scheduled job, `forum eval gaps` and bench/gaps.py all call this, so
the benchmark measures the code that runs in production. The service (forum/gaps/service.py)
reads the evidence, writes the plans and adds what needs the database (docs placement).

The score ranks gaps by how much fixing the docs would save:
    score = log2(1 + size) * (1 + recency) * (1 + log10(1 + median views)) * (1 + escalation share)
recency is the members' mean of 0.5 ** (age in days / half-life), 1 for questions asked today.
Size counts most but with diminishing returns; a recent, viewed, escalated gap outranks a stale one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from forum.gaps import labelling
from forum.gaps.clustering import ClusterParams, centroid, cluster
from forum.gaps.identity import KnownGap, Match, match_clusters

SIGNALS = ("unanswered", "no_solution", "weak_docs_match", "support_tagged", "suggestions_rejected")


@dataclass(frozen=True)
class Evidence:
    question_id: int
    signals: tuple[str, ...]
    created_at: datetime
    views: int
    escalated: bool
    subject: str
    # Subject and the start of the body: what the labels are drawn from.
    text: str
    topic: str | None = None


@dataclass
class PlannedGap:
    members: list[Evidence]  # most typical (nearest the centroid) first
    similarities: list[float]
    centroid: np.ndarray
    terms: list[str]
    score: float
    score_parts: dict[str, Any]
    area: str | None
    match: Match | None = None
    outline: list[str] = field(default_factory=list)

    @property
    def central(self) -> Evidence:
        return self.members[0]

    @property
    def member_ids(self) -> list[int]:
        return [e.question_id for e in self.members]


def score(members: Sequence[Evidence], now: datetime, half_life_days: float) -> tuple[float, dict[str, Any]]:
    size = len(members)
    ages = [max(0.0, (now - e.created_at).total_seconds() / 86400) for e in members]
    recency = sum(0.5 ** (age / half_life_days) for age in ages) / size if half_life_days > 0 else 1.0
    views = float(np.median([e.views for e in members]))
    escalation_share = sum(e.escalated for e in members) / size
    value = math.log2(1 + size) * (1 + recency) * (1 + math.log10(1 + views)) * (1 + escalation_share)
    signals = {name: sum(name in e.signals for e in members) for name in SIGNALS}
    parts = {
        "size": size,
        "recency": round(recency, 4),
        "median_views": views,
        "escalation_share": round(escalation_share, 4),
        "newest": max(e.created_at for e in members).isoformat(),
        "oldest": min(e.created_at for e in members).isoformat(),
        "signals": {k: v for k, v in signals.items() if v},
    }
    return round(value, 4), parts


def plan_gaps(
    evidence: Sequence[Evidence],
    vectors: np.ndarray,
    known: Sequence[KnownGap],
    params: ClusterParams,
    *,
    now: datetime,
    half_life_days: float,
    min_overlap: float,
    max_distance: float,
    labels: np.ndarray | None = None,
) -> list[PlannedGap]:
    """Cluster, label, score and match to known gaps; ranked by score, best first.

    `labels` skips the clustering (the evaluation clusters once and reports on the same labels).
    """
    if len(evidence) != len(vectors):
        raise ValueError(f"{len(evidence)} evidence questions but {len(vectors)} vectors")
    if labels is None:
        labels = cluster(vectors, params)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    terms = labelling.distinctive_terms([e.text for e in evidence], labels)
    plans: list[PlannedGap] = []
    for label in range(int(labels.max()) + 1 if len(labels) else 0):
        rows = np.flatnonzero(labels == label)
        if len(rows) == 0:
            continue
        middle = centroid(unit[rows])
        similarity = unit[rows] @ middle
        order = np.argsort(-similarity, kind="stable")
        members = [evidence[rows[i]] for i in order]
        value, parts = score(members, now, half_life_days)
        plans.append(
            PlannedGap(
                members=members,
                similarities=[round(float(similarity[i]), 4) for i in order],
                centroid=middle,
                terms=terms.get(label, []),
                score=value,
                score_parts=parts,
                area=labelling.most_common([e.topic for e in members]),
                outline=labelling.outline([e.subject for e in members]),
            )
        )
    matches = match_clusters(
        [(frozenset(p.member_ids), p.centroid) for p in plans], known, min_overlap=min_overlap, max_distance=max_distance
    )
    for plan, found in zip(plans, matches):
        plan.match = found
    plans.sort(key=lambda p: (-p.score, p.central.question_id))
    return plans
