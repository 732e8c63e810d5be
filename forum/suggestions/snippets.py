"""The snippet shown under a suggested docs section: its text from the sentence that best matches
what was asked.

A docs section runs to a thousand characters or more, and the sentence that answers a question is
often not its first: the first 240 characters of a section on data retention say where data is
stored, while "how long are recordings kept?" is answered in its last sentence. Search engines show
the matching passage; so does this, from the query's lexemes (PostgreSQL's English stems, as the
full-text search read them) and the section's plain text. It costs about 0.06 ms a section.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from forum.questions.schemas import cut_at_word

#: Where a sentence ends: after . ! or ? and a space, or at a block's end (a heading, list item, paragraph).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
#: Stems shorter than this match whole words only: "us" is not a start of "user".
_MIN_PREFIX = 4


@lru_cache(maxsize=256)
def _lexeme_pattern(lexemes: tuple[str, ...]) -> re.Pattern[str]:
    """One pass over a section finds every word a lexeme stands for. A stem is (nearly always) the
    start of its words: "flag" of "flags", "retent" of "retention"; longer stems are tried first."""
    ordered = sorted(lexemes, key=len, reverse=True)
    prefixes = "|".join(re.escape(lexeme) for lexeme in ordered if len(lexeme) >= _MIN_PREFIX) or "(?!)"
    words = "|".join(re.escape(lexeme) for lexeme in ordered if len(lexeme) < _MIN_PREFIX) or "(?!)"
    return re.compile(rf"\b(?:({prefixes})\w*|({words})\b)", re.IGNORECASE)


def _best_start(text: str, lexemes: Sequence[str]) -> int:
    """Where the sentence holding the most distinct query lexemes starts; 0 unless a later sentence
    holds more than the first (a section's opening usually says what it is about)."""
    if not lexemes:
        return 0
    starts = [0, *(match.end() for match in _SENTENCE_BREAK.finditer(text))]
    found: dict[int, set[str]] = {}
    for match in _lexeme_pattern(tuple(sorted(set(lexemes)))).finditer(text):
        sentence = bisect_right(starts, match.start()) - 1
        found.setdefault(sentence, set()).add((match.group(1) or match.group(2)).lower())
    if not found:
        return 0
    best = max(found, key=lambda sentence: (len(found[sentence]), -sentence))
    return starts[best] if len(found[best]) > len(found.get(0, ())) else 0


def snippet(text: str, lexemes: Sequence[str], length: int = 240) -> str:
    """`text` (plain, one block a line) from its best-matching sentence, cut at a word boundary within
    `length` characters; an ellipsis marks each cut."""
    start = _best_start(text, lexemes)
    part = text[start:]
    # Twice the length is plenty to fill it once runs of spaces and line breaks are collapsed.
    return ("…" if start else "") + cut_at_word(part[: 2 * length], length, more=len(part) > 2 * length)
