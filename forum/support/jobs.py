"""Job handlers of the support workflow, run by forum.jobs.worker (which owns the transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.jobs.worker import current_settings, job_handler
from forum.support import service
from forum.support.targets import ASSESS_QUESTION


@job_handler(ASSESS_QUESTION)
async def assess_question(session: AsyncSession, payload: dict[str, Any]) -> None:
    """payload: {"question_id"} from question.created/edited, or from a plan change of the author's
    organisation; with "follow_up": false from the demo loader (service.assess_question)."""
    await service.assess_question(session, current_settings(), int(payload["question_id"]), follow_up=payload.get("follow_up", True))


@job_handler(service.AUTO_REPLY)
async def auto_reply(session: AsyncSession, payload: dict[str, Any]) -> None:
    """payload: {"question_id"}, queued by the assessment of a question whose responder is 'automated'."""
    await service.post_auto_reply(session, current_settings(), int(payload["question_id"]))
