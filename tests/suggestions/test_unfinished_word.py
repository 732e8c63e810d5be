"""Suggestions are asked on every keystroke pause, so the text often ends inside a word."""

import pytest

from forum.suggestions.service import unfinished_word


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
