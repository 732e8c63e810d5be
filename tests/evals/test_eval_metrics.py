import math

import pytest

from forum.evals import metrics as m


def test_average_precision_textbook():
    # relevant at ranks 1 and 3: (1/1 + 2/3) / 2
    assert m.average_precision([True, False, True, False]) == pytest.approx((1 + 2 / 3) / 2)
    # a relevant item never returned lowers AP when the caller says it exists
    assert m.average_precision([True, False, True], n_relevant=4) == pytest.approx((1 + 2 / 3) / 4)
    assert m.average_precision([False, False]) == 0.0
    assert m.average_precision([]) == 0.0


def test_average_precision_cutoff_textbook_vs_semeval():
    ranking = [False] * 10 + [True] + [True]  # relevant only below rank 10 ...
    ranking[1] = True  # ... and at rank 2
    # textbook with k=10: the two relevant items below the cutoff still count in the denominator
    assert m.average_precision(ranking, k=10) == pytest.approx((1 / 2) / 3)
    # SemEval: only relevant items retrieved within the top 10 count
    assert m.average_precision(ranking, semeval=True) == pytest.approx(1 / 2)


def test_semeval_no_relevant_counts_as_zero_in_mean():
    rankings = [[True, False], [False, False], [False, True]]
    # APs 1, 0, 1/2 -> the empty query still divides by 3
    assert m.mean_average_precision(rankings, semeval=True) == pytest.approx(1.5 / 3)
    assert m.mean_reciprocal_rank(rankings) == pytest.approx(1.5 / 3)


def test_mean_of_nothing_raises():
    with pytest.raises(ValueError):
        m.mean_average_precision([])
    with pytest.raises(ValueError):
        m.mean_reciprocal_rank([])


def test_reciprocal_rank():
    assert m.reciprocal_rank([False, False, True]) == pytest.approx(1 / 3)
    assert m.reciprocal_rank([False, False, True], k=2) == 0.0
    assert m.reciprocal_rank([]) == 0.0


def test_precision_and_recall_at_k():
    ranking = [True, False, True, False, True]
    assert m.precision_at_k(ranking, 2) == 0.5
    assert m.precision_at_k([True], 5) == pytest.approx(0.2)  # short lists don't inflate precision
    assert m.recall_at_k(ranking, 3) == pytest.approx(2 / 3)
    assert m.recall_at_k(ranking, 3, n_relevant=4) == 0.5
    assert m.recall_at_k([False], 1) == 0.0
    with pytest.raises(ValueError):
        m.precision_at_k(ranking, 0)


def test_precision_recall_f1():
    y_true = [True, True, True, False, False]
    y_pred = [True, False, True, True, False]
    prf = m.precision_recall_f1(y_true, y_pred)
    assert prf.precision == pytest.approx(2 / 3)
    assert prf.recall == pytest.approx(2 / 3)
    assert prf.f1 == pytest.approx(2 / 3)
    assert prf.support == 3
    assert m.precision_recall_f1([False], [False]) == (0.0, 0.0, 0.0, 0)
    with pytest.raises(ValueError):
        m.precision_recall_f1([True], [True, False])


def test_per_label_and_accuracy():
    y_true = ["high", "low", None, "high"]
    y_pred = ["high", "high", None, "low"]
    scores = m.per_label_prf(y_true, y_pred)
    assert list(scores) == ["high", "low", None]
    assert scores["high"].precision == 0.5 and scores["high"].recall == 0.5
    assert scores[None].f1 == 1.0
    assert m.accuracy(y_true, y_pred) == 0.5


def test_confusion_matrix():
    labels, matrix = m.confusion_matrix(["a", "b", "a", None], ["a", "a", "b", None])
    assert labels == ["a", "b", None]
    assert matrix == [[1, 1, 0], [1, 0, 0], [0, 0, 1]]
    labels, matrix = m.confusion_matrix(["a", "b", "c"], ["a", "b", "a"], labels=["b", "a"])
    assert labels == ["b", "a"] and matrix == [[1, 0], [0, 1]]  # "c" row left out


def test_clustering_wrappers():
    truth = ["x", "x", "y", "y"]
    assert m.v_measure(truth, [5, 5, 7, 7]) == pytest.approx(1.0)
    assert m.adjusted_rand_index(truth, [5, 5, 7, 7]) == pytest.approx(1.0)
    assert m.v_measure(truth, [0, 0, 0, 0]) == pytest.approx(0.0)
    # mixed label types would break sklearn's internal sort
    assert m.adjusted_rand_index(["a", None, "a", None], [1, -1, 1, -1]) == pytest.approx(1.0)
    assert not math.isnan(m.v_measure(["a", "b"], [0, 1]))


def test_groups_kept():
    truth = ["a", "a", "a", "b", "b", "b", "b", "c", "c", None, None]
    pred = [1, 1, 2, 3, 3, -1, -1, 4, 5, 1, 1]
    # a: 2/3 in cluster 1 -> kept; b: 2/4 in cluster 3 is not a majority (noise counts as members);
    # c: 1/2 -> not kept; the None items are noise and form no group.
    assert m.groups_kept(truth, pred) == pytest.approx(1 / 3)
    # a custom true noise label
    assert m.groups_kept([0, 0, -1], [1, 1, 2], noise_label=-1) == 1.0
    # a group entirely predicted as noise is not kept
    assert m.groups_kept(["a", "a"], [-1, -1]) == 0.0
    with pytest.raises(ValueError):
        m.groups_kept([None], [1])
