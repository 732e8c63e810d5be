"""The pure parts of the database-backed evaluations: scoring, chunk-to-page reduction, title repair."""

from __future__ import annotations

import pytest

from forum.evals import docs, duplicates, semeval
from forum.evals.datasets import OriginalQuestion, RelatedQuestion, TutorialRelevance
from forum.evals.runner import SUBJECT_MAX, truncate_subject


def test_duplicates_score_counts_an_original_never_reached_as_missed():
    figures = duplicates.score([[False, True], [True], [False] * 40])
    assert figures["map"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert figures["map"] == pytest.approx(figures["mrr"])
    assert figures["p_at_1"] == pytest.approx(1 / 3)
    assert figures["recall_at_10"] == pytest.approx(2 / 3)


def test_semeval_ir_order_sorts_by_search_engine_rank():
    related = (
        RelatedQuestion("Q1_R9", "s", "b", "Irrelevant", 9),
        RelatedQuestion("Q1_R2", "s", "b", "Relevant", 2),
        RelatedQuestion("Q1_R5", "s", "b", "PerfectMatch", 5),
    )
    original = OriginalQuestion("Q1", "s", "b", related)
    assert semeval.ir_order(original) == [True, True, False]
    # Official definition: AP over the relevant ones retrieved, MRR x1 here.
    assert semeval.score([[False, True, True]]) == {"map": pytest.approx((1 / 2 + 2 / 3) / 2), "mrr": pytest.approx(0.5)}


def test_chunks_reduce_to_pages_at_their_best_rank():
    pages = {1: "/docs/a", 2: "/docs/b", 3: "/docs/a", 4: "/docs/c"}
    assert docs.pages_in_order([3, 2, 1, 4, 99], pages) == ["/docs/a", "/docs/b", "/docs/c"]


def test_docs_score_is_recall_at_5_over_linked_pages_and_mrr():
    tutorials = [
        TutorialRelevance("t1", "One", frozenset({"/docs/a", "/docs/z"})),
        TutorialRelevance("t2", "Two", frozenset({"/docs/f"})),
    ]
    ranked = [["/docs/x", "/docs/a", "/docs/b"], ["/docs/a", "/docs/b", "/docs/c", "/docs/d", "/docs/e", "/docs/f"]]
    figures = docs.score(ranked, tutorials)
    assert figures["recall_at_5"] == pytest.approx((0.5 + 0.0) / 2)
    assert figures["mrr"] == pytest.approx((1 / 2 + 1 / 6) / 2)


def test_tutorials_keep_only_indexed_pages_and_drop_unanswerable_ones():
    tutorials = [TutorialRelevance("t1", "One", frozenset({"/docs/a", "/docs/gone"})), TutorialRelevance("t2", "Two", frozenset({"/docs/gone"}))]
    kept = docs.answerable(tutorials, {1: "/docs/a"})
    assert [(t.tutorial, t.relevant) for t in kept] == [("t1", frozenset({"/docs/a"}))]


def test_folded_yaml_titles_are_read_from_the_tutorial(tmp_path):
    (tmp_path / "tutorials").mkdir()
    (tmp_path / "tutorials" / "envs.mdx").write_text(
        "---\ntitle: >-\n  How to setup PostHog for multiple environments (development, staging,\n  production)\n---\n\nBody\n",
        encoding="utf-8",
    )
    fixed = docs.with_titles([TutorialRelevance("tutorials/envs.mdx", ">-", frozenset({"/docs/a"}))], tmp_path)
    assert fixed[0].title == "How to setup PostHog for multiple environments (development, staging, production)"
    plain = docs.with_titles([TutorialRelevance("tutorials/missing.md", "A title", frozenset())], tmp_path)
    assert plain[0].title == "A title"


def test_long_subjects_are_cut_at_a_word_to_fit_the_column():
    subject = "word " * 40
    cut = truncate_subject(subject)
    assert len(cut) <= SUBJECT_MAX and not cut.endswith(" ") and cut.startswith("word word")
    assert truncate_subject("  short   title ") == "short title"


def test_titles_are_cut_inside_their_last_word_when_it_is_long_enough():
    tutorials = [
        TutorialRelevance("a.md", "How to rename events", frozenset({"/docs/a"})),
        TutorialRelevance("b.md", "How to do A/A testing", frozenset({"/docs/b"})),
        TutorialRelevance("c.md", "Tracking pageviews in SPA", frozenset({"/docs/c"})),
    ]

    cut = docs.typed_titles(tutorials)

    assert [t.title for t in cut] == ["How to rename eve", "How to do A/A test"]
    assert [t.relevant for t in cut] == [frozenset({"/docs/a"}), frozenset({"/docs/b"})]
