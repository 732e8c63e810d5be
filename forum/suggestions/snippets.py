"""The snippet shown under a suggested docs section: its text from the sentence that best matches
what was asked.

A docs section can run to a couple of thousand characters, and the sentence that answers a question
is often not its first ("Why does step 2 of my funnel have more users..." is answered in the section's
third paragraph). Search engines show the matching passage; so does this, from the query's lexemes
(PostgreSQL's English stems, as the full-text search read them) and the section's plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Where a sentence ends: after . ! or ? and a space, or at a block's end (a heading, list item, paragraph).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+")
#: Stems shorter than this match whole words only: "us" is not a start of "user".
_MIN_PREFIX = 4


def _matches(words: set[str], lexeme: str) -> bool:
    if len(lexeme) < _MIN_PREFIX:
        return lexeme in words
    # A stem is (nearly always) the start of the words it stands for: "flag" of "flags", "retent" of "retention".
    return any(word.startswith(lexeme) for word in words)


def _best_start(text: str, lexemes: Sequence[str]) -> int:
    """Where the sentence holding the most distinct query lexemes starts; 0 unless a later sentence
    holds more than the first (a section's opening usually says what it is about)."""
    if not lexemes:
        return 0
    best_start, best_score, first_score = 0, 0, None
    start = 0
    for match in [*_SENTENCE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        words = {word.lower() for word in _WORD.findall(text[start:end])}
        score = sum(1 for lexeme in set(lexemes) if _matches(words, lexeme)) if words else 0
        if first_score is None and words:
            first_score = best_score = score
        elif score > best_score:
            best_start, best_score = start, score
        if match is not None:
            start = match.end()
    return best_start


def snippet(text: str, lexemes: Sequence[str], length: int = 240) -> str:
    """`text` (plain, one block a line) from its best-matching sentence, cut at a word boundary within
    `length` characters; an ellipsis marks each cut."""
    start = _best_start(text, lexemes)
    shown = " ".join(text[start:].split())
    lead = "…" if start else ""
    if len(shown) <= length:
        return lead + shown
    return lead + shown[:length].rsplit(" ", 1)[0] + "…"
