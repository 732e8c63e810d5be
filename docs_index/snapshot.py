"""The docs index, held in each process's memory for the suggestions asked on every keystroke pause.

Why in memory: a docs index stays in the thousands of chunks (150 PostHog pages: 1,494 chunks,
~5 MB with both vectors), and its PostgreSQL searches were half the database's CPU per suggestion
request on 2 cores, slowing the question searches they ran beside. In memory, both docs searches
are exact, over every chunk, and with the fusion take 1-2 ms of one core:
  - BM25 (Okapi, k1 1.2, b 0.75) over the chunks' search_vector lexemes, with exact document
    frequencies and the corpus' average length; a query's lexemes come from PostgreSQL's own parser
    (store.search_state), so query and chunks are stemmed by the same code.
  - cosine similarity to both vectors of every chunk (text, heading breadcrumb), the nearer counting.
PostgreSQL stays the index's only store. A statement trigger gives the index a new token with every
write (migration 0010); each request reads the token with its query's lexemes, in one round trip, and
a process whose copy has another token reads the index again (0.2-0.5 s for the PostHog docs).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from forum.embeddings.repository import ModelRow
from forum.suggestions.retrieval import BM25_B, BM25_K1, WordCounts

from . import store

#: How much more a word in the page title or headings counts than one in the text: 1 (no boost) did
#: best on the docs relevance set.
HEADING_BOOST = 1.0
#: The most words an unfinished one is read as ("rep" -> replay, report, ...): the most frequent ones.
MAX_COMPLETIONS = 20
#: A word as drafts.unfinished_word reads one.
WORD = re.compile(r"\w+")
#: Copies kept per process: the current one, and one more while two databases or two models are in use.
_KEEP = 2


@dataclass(frozen=True)
class ChunkRow:
    id: int
    url: str
    page_path: str
    page_title: str
    heading_path: list[str]
    text: str


@dataclass(frozen=True)
class TextHit:
    chunk_id: int
    rank: float  # BM25
    title_rank: float  # summed IDF of the query's lexemes found in the page title or headings


@dataclass(frozen=True)
class VectorHits:
    nearest: list[int]  # chunk ids, nearest first
    similarities: dict[int, float]  # cosine, of the nearest and of the extra chunks asked for


@dataclass(frozen=True)
class _Posting:
    rows: np.ndarray  # positions in the snapshot's chunk arrays
    tf: np.ndarray  # weighted occurrences: HEADING_BOOST per heading one, 1 per text one
    in_heading: np.ndarray  # bool
    idf: float


@dataclass
class DocsSnapshot:
    ids: np.ndarray  # chunk ids, ascending
    rows: dict[int, ChunkRow]
    length_norm: np.ndarray  # BM25's 1 - b + b * length / average length, per chunk
    postings: dict[str, _Posting]
    body: np.ndarray  # unit vectors, rows of chunks without one are zero
    heading: np.ndarray
    has_body: np.ndarray  # bool
    has_heading: np.ndarray
    vocabulary: list[str] = field(default_factory=list)  # the postings' lexemes, sorted
    words: dict[str, int] = field(default_factory=dict)  # each word as written (lower case): how many chunks hold it
    word_list: list[str] = field(default_factory=list)  # the same words, sorted
    plain_texts: dict[int, str] = field(default_factory=dict)  # each chunk's text without Markdown, once it is shown

    @classmethod
    def build(cls, chunks: Sequence, postings: Sequence, vectors: Sequence, dim: int) -> DocsSnapshot:
        """From the rows of store.snapshot_chunks, snapshot_postings and snapshot_vectors. Rows of chunks
        missing from `chunks` (the index changed between the reads) are left out."""
        ids = np.array([c["id"] for c in chunks], dtype=np.int64)
        position = {int(chunk_id): i for i, chunk_id in enumerate(ids)}
        lengths = np.array([c["terms"] for c in chunks], dtype=np.float64)
        length_norm = 1 - BM25_B + BM25_B * lengths / max(float(lengths.mean()) if len(lengths) else 1.0, 1.0)
        n = len(ids)
        by_lexeme = {}
        for p in postings:
            kept = [(position[c], h, t) for c, h, t in zip(p["chunk_ids"], p["in_heading"], p["in_text"]) if c in position and h + t > 0]
            if not kept:
                continue
            rows, in_heading, in_text = (np.array(column) for column in zip(*kept))
            df = len(rows)
            by_lexeme[p["lexeme"]] = _Posting(
                rows=rows.astype(np.int64),
                tf=HEADING_BOOST * in_heading + in_text,
                in_heading=in_heading > 0,
                idf=float(np.log(1 + (n - df + 0.5) / (df + 0.5))),
            )
        matrices = {"body": np.zeros((n, dim), dtype=np.float32), "heading": np.zeros((n, dim), dtype=np.float32)}
        present = {"body": np.zeros(n, dtype=bool), "heading": np.zeros(n, dtype=bool)}
        for v in vectors:
            i = position.get(v["chunk_id"])
            if i is None:
                continue
            vector = np.frombuffer(v["vector"], dtype=">f4", offset=4).astype(np.float32)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                matrices[v["kind"]][i] = vector / norm
                present[v["kind"]][i] = True
        return cls(
            ids=ids,
            rows={
                c["id"]: ChunkRow(c["id"], c["url"], c["path"], c["title"], list(c["heading_path"] or []), c["text"]) for c in chunks
            },
            length_norm=length_norm,
            postings=by_lexeme,
            body=matrices["body"],
            heading=matrices["heading"],
            has_body=present["body"],
            has_heading=present["heading"],
            vocabulary=sorted(by_lexeme),
            **_words(chunks),
        )

    def _best(self, scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
        """Positions among `candidates` of the `limit` highest scores, ties by chunk id."""
        if limit <= 0:
            return candidates[:0]
        if len(candidates) > limit:
            # Everything scoring at least the limit-th best, so ties at the cut are settled by id.
            cut = np.partition(scores[candidates], len(candidates) - limit)[len(candidates) - limit]
            candidates = candidates[scores[candidates] >= cut]
        order = np.lexsort((self.ids[candidates], -scores[candidates]))
        return candidates[order[:limit]]

    def completions(self, prefix: str) -> list[tuple[str, float]]:
        """The lexemes that `prefix` begins, each with its share of their chunks: the chance that the
        word being typed is that one, so a frequent completion counts most."""
        start = bisect_left(self.vocabulary, prefix)
        found = []
        for lexeme in self.vocabulary[start:]:
            if not lexeme.startswith(prefix):
                break
            found.append((len(self.postings[lexeme].rows), lexeme))
        found = sorted(found, reverse=True)[:MAX_COMPLETIONS]
        total = sum(df for df, _ in found)
        return [(lexeme, df / total) for df, lexeme in found]

    def word_counts(self, word: str, *, limit: int) -> WordCounts:
        """How many chunks hold `word` (lower case), and the `limit` commonest longer words it begins."""
        start = bisect_left(self.word_list, word)
        longer = []
        for other in self.word_list[start:]:
            if not other.startswith(word):
                break
            if other != word:
                longer.append((self.words[other], other))
        longer = sorted(longer, key=lambda found: (-found[0], found[1]))[:limit]
        return WordCounts(len(self.ids), self.words.get(word, 0), [(other, n) for n, other in longer])

    def bm25(self, lexemes: Sequence[str], *, limit: int, with_title: bool = False, unfinished: str | None = None) -> list[TextHit]:
        """Chunks holding any of `lexemes`, best BM25 first. `unfinished`, one of `lexemes` (the word
        still being typed, as PostgreSQL stems it), counts as the words it begins, each weighted by
        how likely it is: read this way, a title cut inside its last word found the pages of the
        whole title far more often (docs relevance set, README "Evaluations")."""
        weighted = [(lexeme, 1.0) for lexeme in dict.fromkeys(lexemes) if lexeme != unfinished]
        if unfinished is not None and unfinished in lexemes:
            weighted += self.completions(unfinished)
        scores = np.zeros(len(self.ids))
        title = np.zeros(len(self.ids)) if with_title else None
        for lexeme, weight in weighted:
            posting = self.postings.get(lexeme)
            if posting is None:
                continue
            tf = posting.tf
            scores[posting.rows] += weight * posting.idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * self.length_norm[posting.rows])
            if title is not None:
                title[posting.rows[posting.in_heading]] += weight * posting.idf
        best = self._best(scores, np.flatnonzero(scores), limit)
        titles = title[best].tolist() if title is not None else [0.0] * len(best)
        return [TextHit(*hit) for hit in zip(self.ids[best].tolist(), scores[best].tolist(), titles)]

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every chunk to `query` by the nearer of its two vectors; -inf without one."""
        query = np.asarray(query, dtype=np.float32)
        query = query / max(float(np.sqrt(np.einsum("i,i->", query, query))), 1e-12)
        # einsum, not `@`: OpenBLAS splits a matrix-vector product over every core and its threads then
        # spin, waiting for more work; beside PostgreSQL on 2 cores that spinning took 37 ms of CPU
        # per request. einsum's own loop takes ~0.2 ms for 2,000 chunks, on this thread.
        body = np.where(self.has_body, np.einsum("ij,j->i", self.body, query), -np.inf)
        return np.maximum(body, np.where(self.has_heading, np.einsum("ij,j->i", self.heading, query), -np.inf))

    def vector_hits(self, query: np.ndarray, *, limit: int, extra_ids: Sequence[int] = (), search: bool = True) -> VectorHits:
        """The `limit` chunks nearest to `query` (when `search`), with the similarity of those and of
        `extra_ids` (what another retriever found) that have a vector."""
        scores = self.similarities(query)
        nearest = self._best(scores, np.flatnonzero(np.isfinite(scores)), limit) if search else np.array([], dtype=np.int64)
        nearest_ids = self.ids[nearest]
        wanted = np.concatenate([nearest_ids, np.asarray(extra_ids, dtype=np.int64)])
        positions = np.minimum(np.searchsorted(self.ids, wanted), max(len(self.ids) - 1, 0))
        known = (self.ids[positions] == wanted) & np.isfinite(scores[positions]) if len(self.ids) else np.zeros(len(wanted), dtype=bool)
        similarities = dict(zip(wanted[known].tolist(), scores[positions[known]].tolist()))
        return VectorHits(nearest_ids.tolist(), similarities)


def _words(chunks: Sequence) -> dict:
    """The words of the chunks' text, headings and page titles as written, with how many chunks hold each."""
    counts: Counter[str] = Counter()
    for c in chunks:
        counts.update(set(WORD.findall(f"{c['title']} {' '.join(c['heading_path'] or [])} {c['text']}".lower())))
    return {"words": dict(counts), "word_list": sorted(counts)}


@dataclass(frozen=True)
class DocsSearch:
    """What a request needs to rank the docs for its text: the snapshot, the text's lexemes, and the
    lexeme of the word still being typed, if any."""

    snapshot: DocsSnapshot
    lexemes: list[str]
    unfinished: str | None = None


_snapshots: OrderedDict[tuple[str, str], DocsSnapshot] = OrderedDict()
#: Reads in progress, by the same key: a burst of requests after a re-index reads the index once.
_loading: dict[tuple[str, str], tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}


async def load_snapshot(session: AsyncSession, model: ModelRow) -> DocsSnapshot:
    chunks = await store.snapshot_chunks(session)
    postings = await store.snapshot_postings(session)
    vectors = await store.snapshot_vectors(session, model)
    # Building takes a good part of the read's time in Python: off the event loop, so the process's
    # other requests go on meanwhile.
    return await asyncio.to_thread(DocsSnapshot.build, chunks, postings, vectors, model.dim)


async def _snapshot(session: AsyncSession, model: ModelRow, token: str) -> DocsSnapshot:
    key = (token, model.name)
    loop = asyncio.get_running_loop()
    while key not in _snapshots and (loading := _loading.get(key)) is not None and loading[0] is loop:
        # Another request of this process is reading this very index: wait for it. Should that read
        # fail (its request cancelled), the first waiter to wake reads it instead.
        await loading[1].wait()
    snapshot = _snapshots.get(key)
    if snapshot is not None:
        _snapshots.move_to_end(key)
        return snapshot
    done = asyncio.Event()
    _loading[key] = (loop, done)
    try:
        snapshot = await load_snapshot(session, model)
        # The reads are separate statements: a change committed between them may have mixed old and
        # new rows. Such a copy serves this request only.
        if await store.index_token(session) == token:
            _snapshots[key] = snapshot
            while len(_snapshots) > _KEEP:
                _snapshots.popitem(last=False)
        return snapshot
    finally:
        if _loading.get(key, (None, None))[1] is done:
            del _loading[key]
        done.set()


async def docs_search(
    session: AsyncSession, model: ModelRow, query_text: str, *, max_terms: int, unfinished_word: str = ""
) -> DocsSearch:
    """The current snapshot for `model` (read again when the index's token has changed), the lexemes
    of `query_text`, and the lexeme of `unfinished_word` (the word the text ends inside, if any)."""
    token, lexemes, unfinished = await store.search_state(session, query_text, max_terms=max_terms, unfinished_word=unfinished_word)
    return DocsSearch(await _snapshot(session, model, token), lexemes, unfinished)
