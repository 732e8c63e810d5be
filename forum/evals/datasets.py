"""Loaders for the evaluation datasets under ``shared/data`` (read in place, never copied).

Each loader returns frozen dataclasses so evaluation code can't mutate the gold data by accident.
Formats are described in each dataset's README.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from forum.evals.html_text import html_to_text

# --- Stack Exchange (questions, answers, duplicate links) ---------------------------------


@dataclass(frozen=True)
class SEQuestion:
    id: int
    title: str
    body: str  # plain text converted from body_html, code kept
    tags: tuple[str, ...]
    created_at: datetime  # UTC
    answer_count: int
    accepted_answer_id: int | None
    view_count: int
    score: int


@dataclass(frozen=True)
class SEAnswer:
    id: int
    question_id: int
    body: str
    created_at: datetime
    score: int
    is_accepted: bool


@dataclass(frozen=True)
class DuplicatePair:
    question_id: int  # the question closed as a duplicate
    duplicate_of_id: int  # the original it duplicates


@dataclass(frozen=True)
class StackExchangeData:
    questions: list[SEQuestion]
    answers: list[SEAnswer]
    duplicates: list[DuplicatePair]

    def answers_by_question(self) -> dict[int, list[SEAnswer]]:
        grouped: dict[int, list[SEAnswer]] = {}
        for answer in self.answers:
            grouped.setdefault(answer.question_id, []).append(answer)
        return grouped


def _se_time(value: str) -> datetime:
    # The dump writes UTC without a zone suffix; make it aware so it compares with timestamptz values.
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if line.strip():
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: invalid JSON: {exc}") from exc


def load_stackexchange(directory: str | Path) -> StackExchangeData:
    """Read ``questions.jsonl``, ``answers.jsonl`` and ``duplicates.jsonl`` of one site dump."""
    directory = Path(directory)
    questions = [
        SEQuestion(
            id=int(row["id"]),
            title=row["title"],
            body=html_to_text(row["body_html"]),
            tags=tuple(row["tags"]),
            created_at=_se_time(row["created_at"]),
            answer_count=int(row["answer_count"]),
            accepted_answer_id=row["accepted_answer_id"],
            view_count=int(row["view_count"]),
            score=int(row["score"]),
        )
        for _, row in _jsonl(directory / "questions.jsonl")
    ]
    answers = [
        SEAnswer(
            id=int(row["id"]),
            question_id=int(row["question_id"]),
            body=html_to_text(row["body_html"]),
            created_at=_se_time(row["created_at"]),
            score=int(row["score"]),
            is_accepted=bool(row["is_accepted"]),
        )
        for _, row in _jsonl(directory / "answers.jsonl")
    ]
    duplicates = [
        DuplicatePair(int(row["question_id"]), int(row["duplicate_of_id"]))
        for _, row in _jsonl(directory / "duplicates.jsonl")
    ]
    return StackExchangeData(questions, answers, duplicates)


# --- SemEval-2016 Task 3 subtask B (question-question similarity) -------------------------

SEMEVAL_LABELS = ("PerfectMatch", "Relevant", "Irrelevant")
#: The official scorer counts both PerfectMatch and Relevant as relevant ("true").
SEMEVAL_RELEVANT = frozenset({"PerfectMatch", "Relevant"})


def restore_commas(text: str) -> str:
    """Undo the SemEval distribution's comma -> ';' substitution, for text fed to retrieval.

    The "cleansed" release replaced every comma with ';', so a real semicolon can't be told apart;
    mapping all of them back is right far more often than not in forum English. It matters because
    embedding models and tokenisers were trained on natural punctuation, and the product will see
    real commas. Keep the verbatim text (the dataclass fields) for ids and anything compared with
    the official files.
    """
    return text.replace(";", ",")


@dataclass(frozen=True)
class RelatedQuestion:
    id: str
    subject: str
    body: str
    label: str  # PerfectMatch | Relevant | Irrelevant
    ir_rank: int  # search-engine rank, 1..99 (not 1..10); ascending = IR baseline order

    @property
    def relevant(self) -> bool:
        return self.label in SEMEVAL_RELEVANT

    def text(self) -> str:
        """Subject and body with commas restored, as a retrieval system should see them."""
        return restore_commas(f"{self.subject}\n{self.body}".strip())


@dataclass(frozen=True)
class OriginalQuestion:
    id: str
    subject: str
    body: str
    related: tuple[RelatedQuestion, ...]  # file order = ascending ir_rank

    def text(self) -> str:
        return restore_commas(f"{self.subject}\n{self.body}".strip())


def load_semeval(path: str | Path) -> list[OriginalQuestion]:
    """Read one SemEval split (``train.jsonl`` or ``dev.jsonl``): originals with their related questions."""
    path = Path(path)
    originals = []
    for lineno, row in _jsonl(path):
        related = []
        for rel in row["related"]:
            if rel["label"] not in SEMEVAL_LABELS:
                raise ValueError(f"{path}:{lineno}: unknown label {rel['label']!r} on {rel['id']}")
            related.append(
                RelatedQuestion(rel["id"], rel["subject"], rel["body"], rel["label"], int(rel["ir_rank"]))
            )
        originals.append(OriginalQuestion(row["id"], row["subject"], row["body"], tuple(related)))
    return originals


# --- PostHog docs: tutorial -> linked docs pages ------------------------------------------


@dataclass(frozen=True)
class TutorialRelevance:
    tutorial: str  # path of the tutorial file, e.g. "tutorials/aa-testing.md"
    title: str  # used as the query
    relevant: frozenset[str]  # docs pages in URL form, e.g. "/docs/product-analytics/funnels"


_DOC_SUFFIX = re.compile(r"\.mdx?$")


def docs_file_to_url(path: str) -> str:
    """``docs/x/y.mdx`` or ``docs/x/y/index.md`` -> ``/docs/x/y`` (how posthog.com serves them)."""
    url = "/" + _DOC_SUFFIX.sub("", path.strip("/"))
    if url.endswith("/index"):
        url = url[: -len("/index")]
    return url


def normalise_docs_url(link: str) -> str:
    """``/docs/x/y/#anchor?q=1`` -> ``/docs/x/y``: drop anchor, query and trailing slash."""
    url = re.split(r"[#?]", link, maxsplit=1)[0].rstrip("/")
    return url if url.startswith("/") else "/" + url


def load_docs_relevance(directory: str | Path) -> list[TutorialRelevance]:
    """Read ``tutorial_links.json``: each tutorial's title and the docs pages in the corpus it links to.

    Only ``relevant_docs_in_corpus`` is used; ``docs_links_all`` also holds links to pages that are
    not in the corpus, which no retrieval system could return.
    """
    path = Path(directory) / "tutorial_links.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [
        TutorialRelevance(
            tutorial=entry["tutorial"],
            title=entry["title"],
            relevant=frozenset(normalise_docs_url(doc["url"]) for doc in entry["relevant_docs_in_corpus"]),
        )
        for entry in entries
    ]


# --- escalation labels (hand-labelled questions) ------------------------------------------

SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class EscalationLabel:
    subject: str
    body: str
    escalate: bool
    severity: str | None  # one of SEVERITIES, or None when not rated


def load_escalation_labels(path: str | Path) -> list[EscalationLabel]:
    """Read JSONL lines ``{"subject", "body", "escalate": bool, "severity": "critical|high|medium|low"|null}``.

    Values are checked strictly (``"false"`` is not a bool) because a mistyped gold label would
    silently skew precision and recall.
    """
    path = Path(path)
    labels = []
    for lineno, row in _jsonl(path):
        escalate, severity = row.get("escalate"), row.get("severity")
        if not isinstance(escalate, bool):
            raise ValueError(f"{path}:{lineno}: 'escalate' must be true or false, got {escalate!r}")
        if severity is not None and severity not in SEVERITIES:
            raise ValueError(f"{path}:{lineno}: unknown severity {severity!r}")
        if not isinstance(row.get("subject"), str) or not isinstance(row.get("body"), str):
            raise ValueError(f"{path}:{lineno}: 'subject' and 'body' must be strings")
        labels.append(EscalationLabel(row["subject"], row["body"], escalate, severity))
    return labels
