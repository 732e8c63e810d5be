"""Words for a gap: its most distinctive terms (class-based TF-IDF), a title phrased as the docs
change, and outline headings drawn from its questions. Pure functions of text.

c-TF-IDF (as in BERTopic): all texts of a cluster form one document; a term scores
tf(term, cluster) * log(1 + A / f(term)), where tf is the term's share of the cluster's words, A
the average number of words per cluster and f the term's count over all clusters. The questions
in no cluster form one more class, so words common to every question ("event", "error") score
low everywhere instead of labelling every gap.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

# Words of asking rather than of the topic; sklearn's English list misses these.
_ASKING_WORDS = {
    "able", "anybody", "anyone", "appreciate", "advance", "cant", "did", "does", "doesn", "dont", "getting",
    "hello", "help", "hey", "hi", "idea", "im", "ive", "just", "know", "like", "need", "possible", "problem",
    "question", "questions", "thank", "thanks", "trying", "try", "use", "using", "want", "way", "work",
    "working", "works", "wondering", "ve", "ll", "isn", "didn", "won", "wont", "got", "tried",
    # Pasted links and code.
    "http", "https", "www", "com", "org", "html", "var", "const", "let", "function", "return", "null", "true", "false",
}
_TOKEN = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z0-9_.+#-]*[a-zA-Z0-9+#]\b")


def _unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy's hash-based unique was tens of times slower on millions of integers."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _term_counts(texts: Sequence[str], stop: frozenset[str]):  # noqa: ANN202 - (doc ids, term ids, vocabulary)
    """Every unigram and bigram occurrence as (document, term) id pairs, stop words removed first
    (a bigram spans a removed word, as in scikit-learn). Hand-rolled with numpy because
    CountVectorizer spends most of a 100,000-question run building n-gram strings in Python:
    here Python only splits the texts, words become ids in C (dict lookups through map) and
    bigrams are pairs of word ids."""
    tokens: list[str] = []
    lengths = np.empty(len(texts), dtype=np.int64)
    for doc, text in enumerate(texts):
        found = _TOKEN.findall(text.lower())
        tokens.extend(found)
        lengths[doc] = len(found)
    names = list(dict.fromkeys(tokens))
    index = {word: i for i, word in enumerate(names)}
    unigrams = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keep = ~np.fromiter((word in stop for word in names), dtype=bool, count=len(names))[unigrams] if names else np.empty(0, bool)
    docs, unigrams = docs[keep], unigrams[keep]
    width = max(len(names), 1)
    same_doc = docs[1:] == docs[:-1]
    pairs = unigrams[:-1][same_doc] * width + unigrams[1:][same_doc]
    pair_keys = _unique(pairs)
    pair_ids = np.searchsorted(pair_keys, pairs)
    words = np.array(names, dtype=object)
    vocabulary = np.concatenate([words, words[pair_keys // width] + " " + words[pair_keys % width]])
    return np.concatenate([docs, docs[1:][same_doc]]), np.concatenate([unigrams, len(names) + pair_ids]), vocabulary


def distinctive_terms(texts: Sequence[str], labels: Sequence[int], *, top: int = 6) -> dict[int, list[str]]:
    """The `top` terms of each cluster label >= 0 (label -1 is the background class)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    labels = np.asarray(labels)
    clusters = sorted(int(label) for label in set(labels.tolist()) if label >= 0)
    if not clusters:
        return {}
    docs, terms, vocabulary = _term_counts(texts, frozenset(ENGLISH_STOP_WORDS | _ASKING_WORDS))
    if len(terms) == 0:
        return {label: [] for label in clusters}
    # One row per class (the clusters, then the background); everything stays sparse, as the
    # vocabulary of 100,000 questions with bigrams runs to millions of terms.
    classes = np.where(labels >= 0, labels, len(clusters))
    shape = (len(clusters) + 1, len(vocabulary))
    per_class = sparse.csr_matrix((np.ones(len(terms)), (classes[docs], terms)), shape=shape)
    # A term must occur in two of a cluster's questions to describe it, not in one of them.
    once_per_doc = _unique(docs * len(vocabulary) + terms)
    in_docs = sparse.csr_matrix((np.ones(len(once_per_doc)), (classes[once_per_doc // len(vocabulary)], once_per_doc % len(vocabulary))), shape=shape)
    # Same sparsity (a term is in a class exactly when one of its questions has it): with sorted
    # indices, row i of both lines up entry by entry.
    per_class.sum_duplicates()
    in_docs.sum_duplicates()
    words = np.asarray(per_class.sum(axis=1)).ravel()
    idf = np.log(1 + words.mean() / np.maximum(np.asarray(per_class.sum(axis=0)).ravel(), 1))
    sizes = np.bincount(classes, minlength=len(clusters) + 1)
    result = {}
    for label in clusters:
        start, end = per_class.indptr[label], per_class.indptr[label + 1]
        ids, tf = per_class.indices[start:end], per_class.data[start:end] / max(words[label], 1)
        in_questions = in_docs.data[in_docs.indptr[label] : in_docs.indptr[label + 1]]
        scores = np.where(in_questions >= min(2, sizes[label]), tf * idf[ids], 0)
        result[label] = _pick(vocabulary[ids], scores, top)
    return result


def _pick(vocabulary: np.ndarray, scores: np.ndarray, top: int) -> list[str]:
    """Best terms. A bigram replaces a chosen word of it when it scores at least half as well (the
    words mostly come as that phrase: "session replay"), else it is left out ("inside electron")."""
    chosen: dict[str, float] = {}
    for index in np.argsort(-scores, kind="stable")[: top * 6]:
        if scores[index] <= 0 or len(chosen) == top:
            break
        term, score = str(vocabulary[index]), float(scores[index])
        if any(" " in other and term in other.split() for other in chosen):
            continue
        if " " in term:
            inside = {word for word in term.split() if word in chosen}
            if any(score < 0.5 * chosen[word] for word in inside):
                continue
            for word in inside:
                del chosen[word]
        chosen[term] = score
    return list(chosen)[:top]


# -- titles and headings ---------------------------------------------------------------------------
_HOW = re.compile(r"^(?:how\s+(?:do|can|should|would|could)\s+(?:i|we|you|one)|how\s+to|what(?:'s| is) the (?:best |right )?way to|"
                  r"is there a way to|is it possible to|best way to)\s+(.+)$", re.I)
_CAN = re.compile(r"^can\s+(?:i|we|you)\s+(.+)$", re.I)
_THERE = re.compile(r"^(is|are)\s+there\s+(.+)$", re.I)
_WHAT_IS = re.compile(r"^what(?:'s|\s+is|\s+are)\s+(the\s+.+)$", re.I)
_QUESTION = re.compile(r"^(?:how|why|what|which|when|where|who|is|are|does|do|did|can|will|should|could|would|has|have)\b", re.I)
# A subject that starts with one of these is an instruction ("Export a cohort to CSV"): a how-to.
_IMPERATIVE = frozenset(
    "add allow block build capture change configure connect create debug delete deploy disable download enable exclude export "
    "filter get hide import include install integrate invite join limit make mask merge migrate move query record redact "
    "remove rename reset restore run send set share show skip stop sync test track transfer update upgrade upload use".split()
)
_PRONOUNS = [(r"\bI'm\b", "you're"), (r"\bwe're\b", "you're"), (r"\bmy\b", "your"), (r"\bour\b", "your"), (r"\bI\b", "you"),
             (r"\bwe\b", "you"), (r"\bme\b", "you"), (r"\bus\b", "you")]


def _second_person(text: str) -> str:
    for pattern, replacement in _PRONOUNS:
        text = re.sub(pattern, replacement, text, flags=re.I)
    return text


def _clean(subject: str) -> str:
    subject = " ".join(subject.replace("\u201c", '"').replace("\u201d", '"').split())
    return subject.strip(" ?!.:;").strip()


def docs_change_title(subject: str, area: str | None) -> str:
    """The central question as the change the docs need: "Document how to ... in Session replay"."""
    text = _clean(subject)
    if not text:
        return f"Document a missing topic in {area}" if area else "Document a missing topic"
    named = area is not None and area.lower() in text.lower()
    inside = f" in {area}" if area and not named else ""
    docs = f" to the {area} docs" if area and not named else ""
    if match := _HOW.match(text):
        return f"Document how to {_second_person(match.group(1))}{inside}"
    if text.split()[0].lower() in _IMPERATIVE:
        return f"Document how to {_second_person(text[0].lower() + text[1:])}{inside}"
    if match := _CAN.match(text):
        return f"Document whether you can {_second_person(match.group(1))}{inside}"
    if match := _THERE.match(text):
        return f"Document whether there {match.group(1).lower()} {_second_person(match.group(2))}{inside}"
    if match := _WHAT_IS.match(text):
        return f"Document {_second_person(match.group(1))}{inside}"
    if _QUESTION.match(text):
        return f'Answer "{text}?" in the {area} docs' if area and not named else f'Answer "{text}?" in the docs'
    # A symptom ("Recordings are blank behind a strict CSP"): the docs need its troubleshooting.
    return f'Add troubleshooting for "{text}"{docs}'


def heading(subject: str) -> str:
    """A question subject as a docs heading: "How do I mask inputs?" -> "Mask inputs"."""
    text = _clean(subject)
    if match := _HOW.match(text):
        rest = _second_person(match.group(1))
        return rest[0].upper() + rest[1:]
    if text.split()[0].lower() in _IMPERATIVE:
        return _second_person(text)
    if _QUESTION.match(text):
        return _second_person(text) + "?"
    return f"Troubleshooting: {_second_person(text[0].lower() + text[1:])}" if text else text


def _kind(subject: str) -> int:
    """Where a heading goes on a docs page: how-tos first, then questions, then troubleshooting."""
    text = _clean(subject)
    if not text:
        return 2
    if _HOW.match(text) or text.split()[0].lower() in _IMPERATIVE:
        return 0
    return 1 if _QUESTION.match(text) else 2


def outline(subjects: Sequence[str], *, limit: int = 6) -> list[str]:
    """Headings from the questions (most typical first), near-repeats dropped, in docs-page order."""
    seen: list[set[str]] = []
    chosen = []
    for subject in subjects:
        words = {w for w in re.findall(r"[a-z0-9]+", subject.lower()) if len(w) > 2 and w not in _ASKING_WORDS}
        if any(len(words & other) >= max(2, math.ceil(0.8 * min(len(words), len(other)))) for other in seen if words and other):
            continue
        seen.append(words)
        chosen.append(subject)
        if len(chosen) == limit:
            break
    return [heading(subject) for subject in sorted(chosen, key=_kind)]


def best_title(subjects: Sequence[str], area: str | None, *, consider: int = 3) -> str:
    """The title from the most typical questions, preferring one that reads as a how-to: a docs
    change is easier to act on as "Document how to X" than as a quoted symptom."""
    candidates = [docs_change_title(s, area) for s in subjects[:consider]]
    return next((t for t in candidates if t.startswith("Document how to")), candidates[0] if candidates else docs_change_title("", area))


def most_common(values: Sequence[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None
