"""The response clock of a support case: it runs from the moment a question is asked until the
first staff reply, a conversion to a ticket or a resolution, whichever comes first.

forum/replies/service.py calls on_reply after every new reply, in the request's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.models import Profile, Question, Reply, SupportCase
from forum.support import repository


def stop(case: SupportCase, at: datetime) -> None:
    if case.clock_stopped_at is None:
        case.clock_stopped_at = at


def within_target(case: SupportCase, at: datetime) -> bool:
    return case.due_at is None or at <= case.due_at


async def on_reply(session: AsyncSession, question: Question, author: Profile, reply: Reply) -> None:
    """The first published reply by staff (not by the asker) is the first response."""
    if not author.is_staff or author.id == question.author_id or not reply.published:
        return
    case = await repository.get_case(session, question.id, for_update=True)
    if case is None or case.first_response_at is not None:
        # Not assessed yet: the assessment finds this reply when it runs.
        return
    case.first_response_at = reply.created_at
    stop(case, reply.created_at)
    if case.state == "open":
        case.state = "responded"
    if case.owner_id is None:
        case.owner_id = author.id
    case.updated_at = reply.created_at
    await session.flush()
    detail = {"reply_id": reply.id, "within_target": within_target(case, reply.created_at)}
    await repository.add_event(session, question.id, "responded", author.id, detail)
