from __future__ import annotations

from litestar import Controller, delete, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_staff
from forum.errors import ConflictError
from forum.fields import Id64
from forum.models import Profile, Reply
from forum.questions.repository import get_question
from forum.questions.schemas import ReplyOut, ReportIn, ReportOut, reply_out
from forum.replies import repository, service
from forum.replies.schemas import ReplyIn, ReplyModerationIn, ReplyPatch, ReplyVoteState, VoteIn


async def _out(session: AsyncSession, reply: Reply) -> ReplyOut:
    question = await get_question(session, reply.question_id)
    return reply_out(reply, await repository.author_of(session, reply), question.resolved_by_id if question else None)


class ReplyController(Controller):
    path = "/api/v1"
    tags = ["replies"]

    @post("/questions/{ref:str}/replies")
    async def post_reply(self, ref: str, data: ReplyIn, user: Profile, db_session: AsyncSession) -> ReplyOut:
        return await _out(db_session, await service.post(db_session, user, ref, data))

    @patch("/replies/{reply_id:int}", raises=[ConflictError])
    async def edit_reply(self, reply_id: Id64, data: ReplyPatch, user: Profile, db_session: AsyncSession) -> ReplyOut:
        return await _out(db_session, await service.edit(db_session, user, reply_id, data))

    @delete("/replies/{reply_id:int}")
    async def delete_reply(self, reply_id: Id64, user: Profile, db_session: AsyncSession) -> None:
        await service.delete(db_session, user, reply_id)

    @patch("/replies/{reply_id:int}/moderation")
    async def moderate_reply(self, reply_id: Id64, data: ReplyModerationIn, user: Profile, db_session: AsyncSession) -> ReplyOut:
        """Publish or unpublish (moderators)."""
        require_staff(user)
        return await _out(db_session, await service.set_published(db_session, user, reply_id, data.published))

    @post("/replies/{reply_id:int}/vote", status_code=200, raises=[ConflictError])
    async def vote(self, reply_id: Id64, data: VoteIn, user: Profile, db_session: AsyncSession) -> ReplyVoteState:
        upvotes, downvotes = await service.vote(db_session, user, reply_id, data.value)
        return ReplyVoteState(upvotes=upvotes, downvotes=downvotes, my_vote=data.value)

    @delete("/replies/{reply_id:int}/vote", status_code=200, raises=[ConflictError])
    async def retract_vote(self, reply_id: Id64, user: Profile, db_session: AsyncSession) -> ReplyVoteState:
        upvotes, downvotes = await service.retract(db_session, user, reply_id)
        return ReplyVoteState(upvotes=upvotes, downvotes=downvotes, my_vote=0)

    @post("/replies/{reply_id:int}/report")
    async def report(self, reply_id: Id64, data: ReportIn, user: Profile, db_session: AsyncSession) -> ReportOut:
        spam_report = await service.report(db_session, user, reply_id, data.reason)
        return ReportOut(id=spam_report.id, reason=spam_report.reason, created_at=spam_report.created_at)
