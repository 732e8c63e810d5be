"""Validates our SemEval AP definition against the official scorer's published dev figures."""

from forum.evals.datasets import load_semeval
from forum.evals.metrics import SEMEVAL_CUTOFF, mean_average_precision, mean_reciprocal_rank


def _ir_order_rankings(shared_data):
    originals = load_semeval(shared_data("semeval-cqa/dev.jsonl"))
    return [[r.relevant for r in sorted(o.related, key=lambda r: r.ir_rank)] for o in originals]


def test_ir_baseline_matches_official_dev_scores(shared_data):
    # Official README table (scorer v2.2): IR baseline MAP 0.7135, MRR 76.67 (x100).
    rankings = _ir_order_rankings(shared_data)
    assert round(mean_average_precision(rankings, semeval=True), 4) == 0.7135
    assert round(mean_reciprocal_rank(rankings, k=SEMEVAL_CUTOFF) * 100, 2) == 76.67


def test_oracle_ceiling_counts_questions_without_relevant(shared_data):
    # 7 of 50 dev questions have no relevant candidate, so the best possible MAP is 43/50.
    rankings = _ir_order_rankings(shared_data)
    assert sum(not any(r) for r in rankings) == 7
    oracle = [sorted(r, reverse=True) for r in rankings]
    assert round(mean_average_precision(oracle, semeval=True), 4) == 0.86
