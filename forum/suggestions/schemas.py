from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from forum.fields import Input

DraftId = Annotated[str, Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class SuggestIn(Input):
    subject: Annotated[str, Meta(min_length=1, max_length=300)]
    body: Annotated[str, Meta(max_length=20_000)] | None = None
    # Chosen by the website once per ask form and sent again with the question when it is posted.
    draft_id: DraftId | None = None


class QuestionSuggestion(msgspec.Struct):
    id: int
    permalink: str
    subject: str
    status: str
    reply_count: int
    # Fused rank score, 0..1 (1: first in every ranking); similarity is the cosine of the embeddings.
    score: float
    similarity: float
    # The start of the accepted solution, else of the best-voted answer.
    answer_excerpt: str | None


class DocSuggestion(msgspec.Struct):
    url: str
    page_title: str
    heading: str | None
    heading_path: list[str]
    snippet: str
    score: float
    similarity: float


class SuggestionsOut(msgspec.Struct):
    # Send it back with feedback; None for the related list of an existing question.
    impression_id: int | None
    questions: list[QuestionSuggestion]
    docs: list[DocSuggestion]

    def to_payload(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> SuggestionsOut:
        return msgspec.convert(payload, cls)


class FeedbackIn(Input):
    # True: a suggestion answered me; False: none did.
    helpful: bool | None = None
    # The URL or permalink the person opened.
    clicked: Annotated[str, Meta(min_length=1, max_length=500)] | None = None


class DeflectionOut(msgspec.Struct):
    days: int
    drafts_with_suggestions: int
    posted_anyway: int
    marked_helpful: int
    deflection_rate: float | None
