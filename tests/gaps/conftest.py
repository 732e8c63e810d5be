"""Docs gaps run for real: questions in the test database, embedded by the packaged model, clustered
and written by the product's detection, read back through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from forum.embeddings.service import Embedder, embed_questions, get_embedder
from forum.models import SupportCase, SuggestionImpression
from tests.conftest import app_client
from tests.factories import make_profile, make_question, make_reply, make_topic

# Two topics the demo's docs do not cover, and two questions of neither.
MASKING = [
    ("How do I mask all text inputs in session recordings?", "Our signup form shows emails in the replays. How do we hide every input field?"),
    ("Hide sensitive form fields from session replays", "Is there a setting to stop recording what users type into inputs?"),
    ("How can I block password fields from being recorded in session replay?", "We need to mask passwords and card numbers in recordings."),
    ("Mask input values in session recordings", "How do I make sure typed values never show up in the recorded sessions?"),
]
MORE_MASKING = [
    ("Session replay shows what users type in our checkout inputs", "How can we mask the text typed into inputs in session replay?"),
    ("Redact typed text from inputs in recordings", "Can session replay mask the values of all input elements by default?"),
]
EXPORTS = [
    ("How do I export a cohort to CSV?", "I want to download the list of people in a cohort as a CSV file."),
    ("Download cohort members as a CSV file", "Is there a way to export everyone in a cohort to a spreadsheet?"),
    ("Export the persons of a cohort to a spreadsheet", "We need a CSV of all users in our churned-users cohort."),
]
OTHERS = [
    ("Which regions does the cloud run in?", "Do you have a data centre in Australia?"),
    ("Our dashboard tiles load slowly on Mondays", "Every Monday morning the dashboards take a minute to load."),
]


@pytest.fixture(scope="session")
def embedder(test_settings) -> Embedder:
    return get_embedder(test_settings)


@pytest.fixture
def settings(test_settings):
    return test_settings.replace(site_base_url="https://forum.example.com", gaps_min_age_days=3)


@pytest.fixture
async def api(settings, sessionmaker):
    async with app_client(settings, sessionmaker) as http:
        yield http


class Forum:
    """Makes questions as the forum would hold them: asked some days ago, embedded by the real model."""

    def __init__(self, session, settings) -> None:
        self.session, self.settings = session, settings
        self.asker = self.helper = self.support = None

    async def people(self) -> Forum:
        self.asker = await make_profile(self.session)
        self.helper = await make_profile(self.session)
        self.support = await make_profile(self.session, role="support", display_name="Devi Support")
        return self

    async def ask(self, subject: str, body: str, *, days_ago: float = 10, topic=None, views: int = 0, **fields):
        created = datetime.now(UTC) - timedelta(days=days_ago)
        question = await make_question(
            self.session, self.asker, subject, body, topics=[topic] if topic else (), created_at=created, view_count=views, **fields
        )
        await embed_questions(self.session, self.settings, [question.id])
        return question

    async def ask_all(self, pairs, **kwargs):
        return [await self.ask(subject, body, **kwargs) for subject, body in pairs]

    async def answer(self, question, body: str, *, by=None, solve: bool = False):
        reply = await make_reply(self.session, question, by or self.helper, body)
        await self.session.execute(
            text(
                "UPDATE questions SET reply_count = reply_count + 1, resolved_by_id = CASE WHEN :solve THEN :r ELSE resolved_by_id END, "
                "status = CASE WHEN :solve THEN 'resolved' ELSE 'answered' END WHERE id = :q"
            ),
            {"q": question.id, "r": reply.id, "solve": solve},
        )
        return reply

    async def tag_docs_gap(self, question, *, state: str = "responded") -> None:
        self.session.add(SupportCase(question_id=question.id, escalation_score=0.2, severity="low", priority="low",
                                     responder="support_hero", state=state, docs_gap=True))
        await self.session.flush()

    async def impression(self, question, *, best_docs_similarity: float | None, helpful: bool | None = None) -> None:
        self.session.add(SuggestionImpression(subject=question.subject, question_id=question.id,
                                              best_docs_similarity=best_docs_similarity, helpful=helpful))
        await self.session.flush()


@pytest.fixture
async def forum(db_session, settings, embedder) -> Forum:
    return await Forum(db_session, settings).people()


@pytest.fixture
async def replay_topic(db_session):
    return await make_topic(db_session, "Session replay")
