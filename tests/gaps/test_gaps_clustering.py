"""The clustering and identity rules on vectors whose answer is known (no database, no model)."""

from __future__ import annotations

import numpy as np

from forum.gaps.clustering import ClusterParams, centroid, cluster
from forum.gaps.identity import KnownGap, match_clusters
from forum.gaps.knn import knn
from forum.gaps.labelling import distinctive_terms, docs_change_title, outline


def _blobs(sizes, *, spread=0.35, dim=64, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(sizes), dim))
    points = [c + spread * rng.standard_normal((size, dim)) / np.sqrt(dim) * np.linalg.norm(c) for c, size in zip(centres, sizes)]
    x = np.vstack(points).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.repeat(np.arange(len(sizes)), sizes)


def test_a_large_topic_stays_one_gap_and_small_groups_are_noise():
    # 150 near-identical questions would be cut into pieces of about k by CPM alone.
    x, truth = _blobs([150, 12, 6, 2])
    labels = cluster(x, ClusterParams())
    assert len(set(labels[truth == 0])) == 1 and labels[0] == 0  # largest first
    assert len(set(labels[truth == 1])) == 1 and len(set(labels[truth == 2])) == 1
    assert set(labels[truth == 3]) == {-1}  # two questions are not a gap (min size 3)
    assert len({labels[truth == t][0] for t in range(3)}) == 3


def test_clustering_is_repeatable():
    x, _ = _blobs([40, 30, 20, 10, 5], spread=0.6, seed=3)
    assert (cluster(x, ClusterParams()) == cluster(x, ClusterParams())).all()


def test_approximate_neighbours_find_most_exact_ones():
    x, _ = _blobs([300] * 20, spread=0.8, dim=96, seed=1)
    exact, _ = knn(x, 10, exact_limit=len(x))
    approx, sims = knn(x, 10, exact_limit=100)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall > 0.9
    assert (approx != np.arange(len(x))[:, None]).all()  # never a question itself
    assert (np.diff(sims, axis=1) <= 1e-6).all()  # best first


def test_identity_by_overlap_then_by_centroid():
    x, truth = _blobs([10, 10, 10], seed=2)
    old = [KnownGap(7, "open", frozenset(range(0, 5)), centroid(x[:5])), KnownGap(8, "dismissed", frozenset({100, 101}), centroid(x[10:20]))]
    clusters = [(frozenset(range(0, 10)), centroid(x[:10])), (frozenset(range(10, 20)), centroid(x[10:20])), (frozenset(range(20, 30)), centroid(x[20:30]))]
    found = match_clusters(clusters, old, min_overlap=0.5, max_distance=0.2)
    assert found[0].gap_id == 7 and found[0].overlap == 1.0  # grew from 5 to 10
    assert found[1].gap_id == 8 and found[1].overlap == 0.0  # no question in common, same direction
    assert found[2] is None


def test_labels_titles_and_outline():
    texts = ["mask inputs in session replay", "mask inputs in recordings", "session replay mask inputs please",
             "export cohort csv", "export cohort to csv file", "cohort csv export", "pricing page", "login loop sso"]
    labels = np.array([0, 0, 0, 1, 1, 1, -1, -1])
    terms = distinctive_terms(texts, labels, top=3)
    assert "mask inputs" in terms[0] and any("cohort" in t or "csv" in t for t in terms[1])
    assert docs_change_title("How do I mask all inputs?", "Session replay") == "Document how to mask all inputs in Session replay"
    assert docs_change_title("Export a cohort to CSV", None) == "Document how to export a cohort to CSV"
    assert docs_change_title("Is there an Elixir SDK?", "SDKs") == "Document whether there is an Elixir SDK in SDKs"
    assert docs_change_title("Recordings are blank behind a strict CSP", "Session replay").startswith("Add troubleshooting for")
    assert outline(["How do I mask inputs?", "How can I mask inputs?", "Why is my replay blank?"]) == ["Mask inputs", "Why is your replay blank?"]
