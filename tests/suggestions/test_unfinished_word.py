"""Suggestions are asked on every keystroke pause, so the text often ends inside a word."""

import pytest

from forum.suggestions.drafts import likeliest_word, unfinished_word
from forum.suggestions.retrieval import WordCounts


@pytest.mark.parametrize(
    ("subject", "body", "word"),
    [
        ("feature flags flick", None, "flick"),
        ("feature flags flick ", None, ""),  # a space typed after it: the word is finished
        ("why does my flag flicker?", None, ""),
        ("flags flicker", "", "flicker"),  # no way to tell a finished last word: it counts whole and as a beginning
        ("flags flicker", "   ", "flicker"),
        ("flags flick", "It happens on the first page lo", "lo"),  # typing in the body now
        ("flags flick", "It happens on the first page load.\n", ""),
        ("feature flags f", None, ""),
    ],
)
def test_the_word_being_typed_is_the_end_of_the_field_typed_in(subject, body, word):
    assert unfinished_word(subject, body) == word


def docs(exact: int, *longer: tuple[str, int], total: int = 1500) -> WordCounts:
    return WordCounts(total, exact, list(longer))


def questions(exact: int, *longer: tuple[str, int], total: int = 100_000) -> WordCounts:
    return WordCounts(total, exact, list(longer))


def test_a_cut_word_is_embedded_as_the_likeliest_word_it_begins():
    assert likeliest_word("bootstr", [docs(0, ("bootstrap", 12), ("bootstrapping", 5)), questions(0)]) == "bootstrap"
    assert likeliest_word("rep", [docs(0, ("replay", 300), ("report", 40)), questions(3, ("replay", 9000))]) == "replay"


def test_each_source_counts_by_its_shares_not_its_size():
    # 40 of 1,500 docs chunks say "report", 900 of 100,000 questions say "replay": the docs' share is larger.
    assert likeliest_word("rep", [docs(0, ("report", 40)), questions(0, ("replay", 900))]) == "report"


def test_a_word_typed_whole_stays_unless_a_longer_one_is_far_commoner():
    assert likeliest_word("cap", [docs(8, ("capture", 400)), questions(0)]) == "cap", "billing caps are not captures"
    assert likeliest_word("flag", [docs(200, ("flags", 500))]) == "flag"


def test_a_word_nobody_uses_stays_as_typed():
    assert likeliest_word("zqx", [docs(0), questions(0)]) == "zqx"
    assert likeliest_word("bootstr", [docs(0, total=0), questions(0, total=0)]) == "bootstr", "an empty forum and no docs"
