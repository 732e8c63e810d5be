"""A draft being typed. Suggestions are asked on every keystroke pause, so the draft's text often ends
inside a word ("how do I bootstr").

- The full text reads that word as the words it begins, weighted by how common each is
  (repository._bm25_sql for questions, DocsSnapshot.bm25 for docs).
- The embedding model needs a whole word: it splits "bootstr" into pieces that mean little, and the
  draft's vector lands too far from what it asks about to pass the similarity floor. So the draft is
  embedded with that word completed to the likeliest word it begins in the docs and the questions
  ("bootstrap"). On the docs relevance set, titles cut inside their last word found the linked pages
  far more often this way (README "Evaluations").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from docs_index.snapshot import DocsSnapshot
from forum.suggestions import repository
from forum.suggestions.retrieval import WordCounts

#: Longer words looked at per source: the likeliest is nearly always among the commonest few.
LONGER_WORDS = 4
#: A word typed whole is kept unless a word it begins is this many times as common: "cap" stays
#: "cap" beside "capture", while "rep", a word a few questions use, still becomes "replay".
FINISHED_WORD_ODDS = 100.0


def unfinished_word(subject: str, body: str | None) -> str:
    """The word the asker is still typing: the end of the field they type in (the body once it has
    text), when that field ends inside a word. Sent as typed, "flags flick" ends inside "flick" and
    "flags flick " does not."""
    typing = body if body and body.strip() else subject
    word = re.search(r"\w+$", typing)
    # One letter begins too many words to say anything (and to list them all on every keystroke).
    return word.group() if word and len(word.group()) >= 2 else ""


def likeliest_word(typed: str, sources: Sequence[WordCounts]) -> str:
    """`typed`, or the word it begins that the sources use most, each source counting by shares of
    its items so that 1,500 docs chunks weigh as much as 100,000 questions."""
    sources = [s for s in sources if s.total > 0]
    as_typed = sum(s.exact / s.total for s in sources)
    longer: dict[str, float] = defaultdict(float)
    for source in sources:
        for word, count in source.longer:
            longer[word] += count / source.total
    if not longer:
        return typed
    best = min(longer, key=lambda word: (-longer[word], word))
    return best if longer[best] > FINISHED_WORD_ODDS * as_typed else typed


async def completed_draft(
    session: AsyncSession, docs_index: DocsSnapshot, subject: str, body: str | None, word: str
) -> tuple[str, str | None]:
    """The draft with `word`, its unfinished_word, completed (unchanged when no word is likelier)."""
    typed = word.lower()
    docs = docs_index.word_counts(typed, limit=LONGER_WORDS)
    sources = [docs]
    # A word the docs use often enough stays whatever the questions say (no longer word can reach
    # FINISHED_WORD_ODDS times its share: two sources give a share of 2 at most), so their read is skipped.
    if not (docs.total and FINISHED_WORD_ODDS * docs.exact / docs.total >= 2):
        sources.append(await repository.question_word_counts(session, typed, limit=LONGER_WORDS))
    best = likeliest_word(typed, sources)
    if best == typed:
        return subject, body
    # The letters as typed, then the rest of the word.
    completed = word + best[len(typed):]
    if body and body.strip():
        return subject, body[: -len(word)] + completed
    return subject[: -len(word)] + completed, body
