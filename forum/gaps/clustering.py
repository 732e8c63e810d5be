"""Cluster evidence questions' embeddings into candidate gaps. Pure computation: no database.

    params = ClusterParams.from_settings(settings)
    labels = cluster(vectors, params)        # one label per row, -1 = in no gap, 0.. by size

Method 'leiden' (the default, chosen on SemEval dev with `forum eval gaps`):
1. a k-nearest-neighbour graph (forum/gaps/knn.py), keeping edges of cosine >= edge_similarity,
   weighted by the cosine;
2. Leiden communities under the Constant Potts Model: a community must be denser (in summed
   edge weight per pair) than the resolution, which, unlike modularity, does not depend on the
   size of the graph, so 1,000 and 100,000 questions are cut the same way;
3. CPM on a graph of k neighbours cannot keep a community much larger than about 2k (its pair
   count grows faster than its edges), so a popular topic arrives in pieces: neighbouring
   communities are joined, average-linkage style, while the mean cosine between their members
   stays >= merge_similarity;
4. clusters smaller than min_cluster_size are noise (-1).

Method 'hdbscan' runs scikit-learn's exact HDBSCAN (quadratic time; for comparison on small data).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from forum.gaps.knn import knn
from forum.settings import Settings

METHODS = ("leiden", "hdbscan")
HDBSCAN_MAX = 20_000
# Iterating Leiden to convergence takes 8x as long on 100,000 questions for the same communities.
_LEIDEN_ITERATIONS = 3


@dataclass(frozen=True)
class ClusterParams:
    method: str = "leiden"
    min_cluster_size: int = 3
    k: int = 10
    edge_similarity: float = 0.35
    resolution: float = 0.45
    merge_similarity: float = 0.6
    exact_limit: int = 5000
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterParams:
        return cls(
            method=settings.gaps_method,
            min_cluster_size=settings.gaps_min_cluster_size,
            k=settings.gaps_knn,
            edge_similarity=settings.gaps_edge_similarity,
            resolution=settings.gaps_resolution,
            merge_similarity=settings.gaps_merge_similarity,
            exact_limit=settings.gaps_exact_knn_limit,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def cluster(vectors: np.ndarray, params: ClusterParams) -> np.ndarray:
    """Labels 0..m-1, largest cluster first (ties by first member), -1 for questions in no cluster."""
    n = len(vectors)
    if params.method not in METHODS:
        raise ValueError(f"unknown clustering method {params.method!r} (one of {', '.join(METHODS)})")
    if n < max(2, params.min_cluster_size):
        return np.full(n, -1, dtype=np.int64)
    vectors = _unit(np.asarray(vectors, dtype=np.float32))
    if params.method == "hdbscan":
        labels = _hdbscan(vectors, params)
    else:
        labels = _leiden(vectors, params)
    return _relabel(labels, params.min_cluster_size)


def centroid(vectors: np.ndarray) -> np.ndarray:
    """The normalised mean: the direction a cluster points in, comparable by cosine."""
    return _unit(np.asarray(vectors, dtype=np.float32).mean(axis=0, keepdims=True))[0]


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def _relabel(labels: np.ndarray, min_size: int) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    valid = labels >= 0
    if not valid.any():
        return out
    ids, first, counts = np.unique(labels[valid], return_index=True, return_counts=True)
    keep = counts >= min_size
    # Deterministic order: biggest first, then by where the cluster first appears.
    order = sorted(np.flatnonzero(keep), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): new for new, i in enumerate(order)}
    for old, new in mapping.items():
        out[labels == old] = new
    return out


# -- leiden --------------------------------------------------------------------------------------
def _edges(idx: np.ndarray, sims: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges (i < j) of the kNN graph with cosine >= threshold, each once, and their weights."""
    n, k = idx.shape
    rows = np.repeat(np.arange(n), k)
    cols, weights = idx.ravel(), sims.ravel()
    keep = (cols >= 0) & (weights >= threshold)
    a, b, w = np.minimum(rows[keep], cols[keep]), np.maximum(rows[keep], cols[keep]), weights[keep]
    key = a.astype(np.int64) * n + b
    key, first = np.unique(key, return_index=True)
    return np.stack([key // n, key % n], axis=1), w[first].astype(np.float64)


def _leiden(vectors: np.ndarray, params: ClusterParams) -> np.ndarray:
    import igraph

    n = len(vectors)
    idx, sims = knn(vectors, params.k, exact_limit=params.exact_limit, seed=params.seed)
    edges, weights = _edges(idx, sims, params.edge_similarity)
    if len(edges) == 0:
        return np.full(n, -1, dtype=np.int64)
    graph = igraph.Graph(n=n, edges=edges)
    # igraph draws from one process-wide generator: a seeded one makes runs repeatable, which
    # stable gap identities across runs rely on, and the default is put back for other users.
    igraph.set_random_number_generator(random.Random(params.seed))
    try:
        partition = graph.community_leiden(
            objective_function="CPM", weights=weights, resolution=params.resolution, n_iterations=_LEIDEN_ITERATIONS
        )
    finally:
        igraph.set_random_number_generator(random)
    labels = np.asarray(partition.membership, dtype=np.int64)
    return _merge_neighbours(vectors, labels, edges, params.merge_similarity)


def _merge_neighbours(vectors: np.ndarray, labels: np.ndarray, edges: np.ndarray, threshold: float) -> np.ndarray:
    """Join communities linked by an edge while their mean cross cosine stays >= threshold.

    The mean cosine between two groups is sum_a . sum_b / (|a| |b|) for unit vectors, so each
    group needs only its vector sum. After a merge the mean to a third group is the size-weighted
    mean of the two parts' means, never above the larger: only pairs already at the threshold can
    ever reach it, so the heap starts with those and nothing else.
    """
    import torch

    count = int(labels.max()) + 1
    sums = torch.zeros((count, vectors.shape[1]), dtype=torch.float64)
    sums.index_add_(0, torch.from_numpy(labels), torch.from_numpy(vectors).to(torch.float64))
    sums = sums.numpy()
    sizes = np.bincount(labels, minlength=count).astype(np.float64)
    a, b = labels[edges[:, 0]], labels[edges[:, 1]]
    between = a != b
    pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)[between], axis=0)
    if len(pairs) == 0:
        return labels
    # In slices: gathering both sides of 400,000 pairs at once would take gigabytes.
    cross = np.concatenate([
        np.einsum("ij,ij->i", sums[chunk[:, 0]], sums[chunk[:, 1]]) / (sizes[chunk[:, 0]] * sizes[chunk[:, 1]])
        for chunk in np.array_split(pairs, max(1, len(pairs) // 20_000))
    ])
    strong = cross >= threshold
    neighbours: dict[int, set[int]] = {}
    # Entries carry both sides' versions: one that changed since makes the entry stale.
    version = [0] * count
    heap: list[tuple[float, int, int, int, int]] = []
    for (x, y), value in zip(pairs[strong].tolist(), cross[strong].tolist()):
        neighbours.setdefault(x, set()).add(y)
        neighbours.setdefault(y, set()).add(x)
        heap.append((-value, x, y, 0, 0))
    heapq.heapify(heap)
    parent = np.arange(count)
    while heap:
        _, x, y, vx, vy = heapq.heappop(heap)
        if parent[x] != x or parent[y] != y or version[x] != vx or version[y] != vy:
            continue
        sums[x] += sums[y]
        sizes[x] += sizes[y]
        parent[y] = x
        version[x] += 1
        joined = (neighbours.pop(y, set()) | neighbours.get(x, set())) - {x, y}
        neighbours[x] = set()
        for z in joined:
            neighbours[z].discard(y)
            value = float(sums[x] @ sums[z]) / (sizes[x] * sizes[z])
            if value >= threshold:
                neighbours[x].add(z)
                neighbours[z].add(x)
                first, second = (x, z) if x < z else (z, x)
                heapq.heappush(heap, (-value, first, second, version[first], version[second]))
            else:
                neighbours[z].discard(x)
    roots = parent.copy()
    for i in range(count):
        root = i
        while roots[root] != root:
            root = roots[root]
        roots[i] = root
    return roots[labels]


# -- hdbscan -------------------------------------------------------------------------------------
def _hdbscan(vectors: np.ndarray, params: ClusterParams) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    if len(vectors) > HDBSCAN_MAX:
        raise ValueError(f"method 'hdbscan' is quadratic; it is limited to {HDBSCAN_MAX} questions (use 'leiden')")
    # Euclidean distance between unit vectors orders pairs as cosine does.
    model = HDBSCAN(min_cluster_size=params.min_cluster_size, min_samples=2, copy=True)
    return model.fit_predict(vectors.astype(np.float64))
