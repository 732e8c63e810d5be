"""Hybrid ranking: nearest neighbours by meaning fused with full-text rank, as one scorer for the API and the evals.

Each retriever returns candidates in rank order. Reciprocal rank fusion adds, for every list a
candidate appears in, weight / (k + rank); it needs no score calibration between cosine
distances and ts_rank, which live on unrelated scales. The cosine similarity is kept beside the
fused score so weak matches can be left out whatever their rank.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


#: BM25's term-frequency saturation and length normalisation (the usual Okapi values), for the
#: questions' full text in SQL (forum/suggestions/repository.py) and the docs' in memory (docs_index/snapshot.py).
BM25_K1 = 1.2
BM25_B = 0.75


@dataclass(frozen=True)
class WordCounts:
    """How many of `total` items (questions, or docs chunks) hold a typed word, and the commonest
    words it begins: what a draft's unfinished word is completed from (forum/suggestions/drafts.py)."""

    total: int
    exact: int  # the typed word itself
    longer: list[tuple[str, int]]  # commonest first


@dataclass(frozen=True)
class FusionWeights:
    # Chosen on the dev data (see README "Evaluations"); settings override them. A small k makes
    # the top ranks of each list count most: the vector list is the stronger one, BM25 (whose
    # subject boost already weighs title matches) settles among its top hits.
    vector: float = 1.0
    fulltext: float = 0.5
    title: float = 0.0
    # Questions only: the candidates of the lists above ranked again by the similarity of their
    # subject to the typed subject, and of their answer to the typed question.
    subject: float = 0.5
    answer: float = 0.3
    k: int = 1


@dataclass
class Candidate:
    key: Hashable
    score: float = 0.0
    similarity: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)


def fuse(rankings: Mapping[str, Sequence[Hashable]], weights: Mapping[str, float], k: int = 60) -> list[Candidate]:
    """Reciprocal rank fusion of ranked lists; ties keep the order of first appearance."""
    merged: dict[Hashable, Candidate] = {}
    for name, ranked in rankings.items():
        weight = weights.get(name, 0.0)
        for rank, key in enumerate(ranked, start=1):
            candidate = merged.setdefault(key, Candidate(key))
            candidate.ranks[name] = rank
            candidate.score += weight / (k + rank)
    return sorted(merged.values(), key=lambda c: -c.score)


def fusion_weights(weights: FusionWeights) -> dict[str, float]:
    return {"vector": weights.vector, "fulltext": weights.fulltext, "title": weights.title, "subject": weights.subject, "answer": weights.answer}


def max_score(weights: FusionWeights, systems: Iterable[str]) -> float:
    """The fused score of a candidate ranked first by every list of `systems`: scores are shown divided by it (0..1)."""
    by_name = fusion_weights(weights)
    return sum(by_name[name] for name in set(systems)) / (weights.k + 1)
