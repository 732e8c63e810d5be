"""Suggestions while typing (POST /suggestions), related content of a question, feedback and deflection."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_staff
from forum.fields import Id64
from forum.models import Profile
from forum.ratelimit import BUDGET_OPT, SUGGESTIONS_BUDGET
from forum.questions import service as questions
from forum.settings import Settings
from forum.suggestions import repository, service
from forum.suggestions.schemas import DeflectionOut, FeedbackIn, SuggestionsOut, SuggestIn


class SuggestionController(Controller):
    path = "/api/v1"
    tags = ["suggestions"]

    @post("/suggestions", status_code=200, opt={BUDGET_OPT: SUGGESTIONS_BUDGET})
    async def suggest(self, data: SuggestIn, db_session: AsyncSession, settings: Settings, viewer: Profile | None) -> SuggestionsOut:
        """Call on every keystroke pause while someone writes a question; anonymous readers may call it too."""
        return await service.suggest(db_session, settings, data.subject, data.body, viewer, data.draft_id)

    @post("/suggestions/{impression_id:int}/feedback", status_code=200)
    async def feedback(self, impression_id: Id64, data: FeedbackIn, db_session: AsyncSession) -> dict[str, bool]:
        if not await repository.record_feedback(db_session, impression_id, data.helpful, data.clicked):
            raise NotFoundException(f"No suggestions were shown with id {impression_id}")
        return {"recorded": True}

    @get("/suggestions/deflection")
    async def deflection(
        self, user: Profile, db_session: AsyncSession, days: Annotated[int, Parameter(ge=1, le=365)] = 30
    ) -> DeflectionOut:
        """Drafts that were shown suggestions and never posted count as deflected (support and moderators)."""
        require_staff(user)
        shown, posted, helpful = await repository.deflection_counts(db_session, days)
        rate = round((shown - posted) / shown, 4) if shown else None
        return DeflectionOut(days=days, drafts_with_suggestions=shown, posted_anyway=posted, marked_helpful=helpful, deflection_rate=rate)

    @get("/questions/{ref:str}/related")
    async def related(self, ref: str, db_session: AsyncSession, settings: Settings, viewer: Profile | None) -> SuggestionsOut:
        question, _ = await questions.find_visible(db_session, ref, viewer)
        return await service.related(db_session, settings, question)
