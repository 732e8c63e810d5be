"""Which cluster of this run is which gap of earlier runs.

A cluster is the same gap as a known one when most of the smaller of the two's questions are
shared (overlap coefficient >= min_overlap: a gap of 5 grown to 12 shares all 5), or when their
centroids are within max_distance (cosine) even with no question in common: last week's
questions were answered and this week's new ones ask the same thing. Each known gap is matched
once, best pairs first, so a gap that split keeps its id in the larger part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KnownGap:
    id: int
    status: str
    members: frozenset[int]
    # None when it was computed with another embedding model: then only members can match it.
    centroid: np.ndarray | None


@dataclass(frozen=True)
class Match:
    gap_id: int
    overlap: float
    centroid_similarity: float | None


def match_clusters(
    clusters: Sequence[tuple[frozenset[int], np.ndarray]],
    known: Sequence[KnownGap],
    *,
    min_overlap: float,
    max_distance: float,
) -> list[Match | None]:
    """For each (members, unit centroid) cluster, the known gap it continues, or None when it is new."""
    if not clusters or not known:
        return [None] * len(clusters)
    by_question: dict[int, list[int]] = {}
    for j, gap in enumerate(known):
        for question_id in gap.members:
            by_question.setdefault(question_id, []).append(j)
    comparable = [j for j, gap in enumerate(known) if gap.centroid is not None and len(gap.centroid) == len(clusters[0][1])]
    similarity = np.zeros((len(clusters), len(known)), dtype=np.float32)
    if comparable:
        centroids = np.stack([known[j].centroid for j in comparable]).astype(np.float32)
        similarity[:, comparable] = np.stack([c for _, c in clusters]).astype(np.float32) @ centroids.T
    has_centroid = np.zeros(len(known), dtype=bool)
    has_centroid[comparable] = True

    candidates: list[tuple[float, int, int, float, float | None]] = []
    for i, (members, _) in enumerate(clusters):
        shared: dict[int, int] = {}
        for question_id in members:
            for j in by_question.get(question_id, ()):
                shared[j] = shared.get(j, 0) + 1
        close = set(np.flatnonzero(has_centroid & (similarity[i] >= 1.0 - max_distance)).tolist())
        for j in set(shared) | close:
            overlap = shared.get(j, 0) / max(1, min(len(members), len(known[j].members)))
            cosine = float(similarity[i, j]) if has_centroid[j] else None
            if overlap >= min_overlap or (cosine is not None and cosine >= 1.0 - max_distance):
                candidates.append((overlap + (cosine or 0.0), i, j, overlap, cosine))
    result: list[Match | None] = [None] * len(clusters)
    taken: set[int] = set()
    for _, i, j, overlap, cosine in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if result[i] is None and j not in taken:
            result[i] = Match(known[j].id, overlap, cosine)
            taken.add(j)
    return result
