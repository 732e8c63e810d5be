"""Evaluation metrics as small pure functions.

Ranking metrics take one ranked list of relevance flags per query, best-ranked first
(``[True, False, True]`` means ranks 1 and 3 are relevant). Means over queries raise
``ValueError`` on an empty input: a score over nothing would silently read as "perfect" or "zero".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

#: SemEval-2016/2017 Task 3 scores only the top 10 of each original question's candidates.
SEMEVAL_CUTOFF = 10


def _mean(values: Iterable[float], what: str) -> float:
    values = list(values)
    if not values:
        raise ValueError(f"{what}: no queries to average over")
    return sum(values) / len(values)


# --- ranking -----------------------------------------------------------------------------


def average_precision(
    relevance: Sequence[bool],
    *,
    k: int | None = None,
    n_relevant: int | None = None,
    semeval: bool = False,
) -> float:
    """Average precision of one ranked list.

    Default (textbook) definition: the sum of precision@i over the ranks i (within the top ``k``
    when given) holding a relevant item, divided by the number of relevant items for the query:
    ``n_relevant`` when given (relevant items the system failed to return at all), else the
    number of relevant flags in the whole ``relevance`` list. 0.0 when that number is 0.

    ``semeval=True`` is the official SemEval-2016 Task 3 scorer (``ev.py`` v2.2/v2.3): only the
    top 10 count (``k`` overrides 10), and the sum is divided by the number of relevant items
    *retrieved within that cutoff*, so relevant items below rank 10 are not penalised. A query
    with no relevant item in the cutoff scores 0.0 (and, in the mean, still counts).
    """
    if semeval:
        cutoff = SEMEVAL_CUTOFF if k is None else k
    else:
        cutoff = len(relevance) if k is None else k
    hits = 0
    precision_sum = 0.0
    for rank, rel in enumerate(relevance[:cutoff], start=1):
        if rel:
            hits += 1
            precision_sum += hits / rank
    if semeval:
        denominator = hits
    else:
        denominator = n_relevant if n_relevant is not None else sum(1 for r in relevance if r)
    return precision_sum / denominator if denominator else 0.0


def mean_average_precision(
    rankings: Iterable[Sequence[bool]],
    *,
    k: int | None = None,
    semeval: bool = False,
) -> float:
    """MAP: the mean of :func:`average_precision` over queries, queries scoring 0 included.

    ``semeval=True`` reproduces the official SemEval Task 3 MAP (see :func:`average_precision`).
    """
    return _mean((average_precision(r, k=k, semeval=semeval) for r in rankings), "MAP")


def reciprocal_rank(relevance: Sequence[bool], *, k: int | None = None) -> float:
    """1 / rank of the first relevant item (within the top ``k`` when given), else 0.0."""
    for rank, rel in enumerate(relevance[:k] if k is not None else relevance, start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def mean_reciprocal_rank(rankings: Iterable[Sequence[bool]], *, k: int | None = None) -> float:
    """MRR as a fraction in [0, 1]; queries without a relevant item count as 0.

    SemEval prints MRR x100 with ``k=10``; scale at display time (see ``report``).
    """
    return _mean((reciprocal_rank(r, k=k) for r in rankings), "MRR")


def precision_at_k(relevance: Sequence[bool], k: int) -> float:
    """Relevant items in the top ``k`` divided by ``k``.

    A list shorter than ``k`` is treated as padded with non-relevant items, so returning fewer
    results does not inflate precision.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    return sum(1 for r in relevance[:k] if r) / k


def recall_at_k(relevance: Sequence[bool], k: int, *, n_relevant: int | None = None) -> float:
    """Relevant items in the top ``k`` divided by all relevant items for the query.

    The denominator is ``n_relevant`` when given (relevant items missing from the list), else the
    relevant flags in the whole list. 0.0 when the query has no relevant item: recall is undefined
    there, and 0 mirrors how SemEval treats such queries; filter them out first if unwanted.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    total = n_relevant if n_relevant is not None else sum(1 for r in relevance if r)
    return sum(1 for r in relevance[:k] if r) / total if total else 0.0


# --- classification ----------------------------------------------------------------------


class PRF(NamedTuple):
    precision: float
    recall: float
    f1: float
    support: int  # true members of the class, so small classes are visible in reports


def precision_recall_f1(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], *, positive: Hashable = True
) -> PRF:
    """Precision, recall and F1 of the ``positive`` class.

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = their harmonic mean;
    each is 0.0 when its denominator is 0 (the sklearn ``zero_division=0`` convention).
    """
    _check_lengths(y_true, y_pred)
    tp = sum(1 for t, p in zip(y_true, y_pred) if t == positive and p == positive)
    fp = sum(1 for t, p in zip(y_true, y_pred) if t != positive and p == positive)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t == positive and p != positive)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp + fn)


def per_label_prf(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None = None
) -> dict[Hashable, PRF]:
    """One-vs-rest :func:`precision_recall_f1` for each label (labels default as in confusion_matrix)."""
    labels = _labels(y_true, y_pred) if labels is None else list(labels)
    return {label: precision_recall_f1(y_true, y_pred, positive=label) for label in labels}


def accuracy(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> float:
    """Share of items whose prediction equals the truth."""
    _check_lengths(y_true, y_pred)
    if not y_true:
        raise ValueError("accuracy: no items")
    return sum(1 for t, p in zip(y_true, y_pred) if t == p) / len(y_true)


def confusion_matrix(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None = None
) -> tuple[list[Hashable], list[list[int]]]:
    """Counts ``matrix[i][j]`` of items with true label ``labels[i]`` predicted as ``labels[j]``.

    ``labels`` defaults to every label seen, in order of first appearance (truth, then
    predictions) rather than sorted, because labels may mix types such as ``"high"`` and ``None``.
    Pairs whose labels are not in an explicit ``labels`` list are left out.
    """
    _check_lengths(y_true, y_pred)
    labels = _labels(y_true, y_pred) if labels is None else list(labels)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return labels, matrix


def _labels(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> list[Hashable]:
    return list(dict.fromkeys([*y_true, *y_pred]))


def _check_lengths(a: Sequence[object], b: Sequence[object]) -> None:
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} true labels vs {len(b)} predictions")


# --- clustering --------------------------------------------------------------------------
# sklearn is imported lazily: it costs about a second, and most callers only need ranking.


def v_measure(true_labels: Sequence[Hashable], predicted_labels: Sequence[Hashable]) -> float:
    """V-measure (harmonic mean of homogeneity and completeness), ``sklearn.metrics.v_measure_score``.

    Labels are taken as-is: a noise label (-1) is one more cluster, not "unclustered".
    """
    from sklearn.metrics import v_measure_score

    _check_lengths(true_labels, predicted_labels)
    return float(v_measure_score(_codes(true_labels), _codes(predicted_labels)))


def adjusted_rand_index(true_labels: Sequence[Hashable], predicted_labels: Sequence[Hashable]) -> float:
    """Adjusted Rand index, ``sklearn.metrics.adjusted_rand_score`` (noise label = one more cluster)."""
    from sklearn.metrics import adjusted_rand_score

    _check_lengths(true_labels, predicted_labels)
    return float(adjusted_rand_score(_codes(true_labels), _codes(predicted_labels)))


def _codes(labels: Sequence[Hashable]) -> list[int]:
    # sklearn sorts labels internally, which fails on mixed types such as str and None.
    index: dict[Hashable, int] = {}
    return [index.setdefault(label, len(index)) for label in labels]


def groups_kept(
    true_labels: Sequence[Hashable],
    predicted_labels: Sequence[Hashable],
    *,
    noise_label: Hashable = None,
    predicted_noise: Hashable = -1,
) -> float:
    """Share of true groups that a clustering keeps together.

    A true group is the set of items sharing a true label other than ``noise_label``. It is *kept*
    when strictly more than half of its members carry one and the same predicted cluster label;
    items predicted as ``predicted_noise`` (-1, e.g. HDBSCAN's outliers) belong to no cluster but
    still count among the group's members. Result = kept groups / true groups.

    It ignores how clusters mix groups (one giant cluster keeps every group), so read it alongside
    :func:`v_measure` or :func:`adjusted_rand_index`.
    """
    _check_lengths(true_labels, predicted_labels)
    members: dict[Hashable, Counter[Hashable]] = defaultdict(Counter)
    sizes: Counter[Hashable] = Counter()
    for t, p in zip(true_labels, predicted_labels):
        if t == noise_label:
            continue
        sizes[t] += 1
        if p != predicted_noise:
            members[t][p] += 1
    if not sizes:
        raise ValueError("groups_kept: no true groups (every item is noise)")
    kept = sum(
        1 for group, size in sizes.items() if members[group] and 2 * max(members[group].values()) > size
    )
    return kept / len(sizes)
