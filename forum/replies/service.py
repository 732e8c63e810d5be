"""The rules of answering: who may reply, edit, hide and vote, and what each does to the question."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar.exceptions import NotFoundException, PermissionDeniedException
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import ConflictError, FieldError
from forum.jobs.queue import emit
from forum.markdown import render_markdown
from forum.models import Profile, Question, Reply, SpamReport
from forum.questions import repository as questions
from forum.questions import service as question_rules
from forum.replies import repository
from forum.replies.schemas import ReplyIn, ReplyPatch
from forum.support import clock as support_clock
from forum.topics import repository as moderation


def can_see(reply: Reply, viewer: Profile | None) -> bool:
    return reply.published or (viewer is not None and (viewer.is_staff or viewer.id == reply.author_id))


async def find_visible(session: AsyncSession, reply_id: int, viewer: Profile | None, *, for_update: bool = False) -> Reply:
    reply = await repository.get_reply(session, reply_id, for_update=for_update)
    if reply is None or not can_see(reply, viewer):
        raise NotFoundException(f"No reply {reply_id}")
    question = await questions.get_question(session, reply.question_id)
    if question is None or not question_rules.can_see(question, viewer):
        raise NotFoundException(f"No reply {reply_id}")
    return reply


async def post(session: AsyncSession, author: Profile, ref: str, data: ReplyIn) -> Reply:
    if data.website:
        raise FieldError("website", "this field must be left empty")
    if not data.body.strip():
        raise FieldError("body", "must not be blank")
    question = await question_rules.find_for_write(session, ref, author)
    if question.locked and not author.is_staff:
        raise PermissionDeniedException("This question is locked: no new replies")
    if question.archived and not author.is_staff:
        raise PermissionDeniedException("This question is archived: no new replies")
    reply = Reply(question_id=question.id, author_id=author.id, body=data.body, body_html=render_markdown(data.body))
    session.add(reply)
    await session.flush()
    await questions.bump_reply_count(session, question.id, 1, touch=True)
    await questions.refresh_status(session, question.id)
    await support_clock.on_reply(session, question, author, reply)
    await emit(session, "reply.created", {"question_id": question.id, "reply_id": reply.id, "author_id": author.id})
    return reply


async def edit(session: AsyncSession, viewer: Profile, reply_id: int, data: ReplyPatch) -> Reply:
    reply = await find_visible(session, reply_id, viewer, for_update=True)
    if not (viewer.is_staff or viewer.id == reply.author_id):
        raise PermissionDeniedException("Only the author or a moderator can edit this reply")
    if data.version is not UNSET and data.version != reply.version:
        raise ConflictError(f"The reply was edited meanwhile (now version {reply.version}); reload and retry")
    if not data.body.strip():
        raise FieldError("body", "must not be blank")
    reply.body = data.body
    reply.body_html = render_markdown(data.body)
    reply.edited_at = datetime.now(UTC)
    reply.version += 1
    await session.flush()
    return reply


async def _lock_question(session: AsyncSession, question_id: int) -> Question:
    question = await questions.get_question(session, question_id, for_update=True)
    assert question is not None
    return question


async def delete(session: AsyncSession, viewer: Profile, reply_id: int) -> None:
    reply = await find_visible(session, reply_id, viewer)
    if not (viewer.is_staff or viewer.id == reply.author_id):
        raise PermissionDeniedException("Only the author or a moderator can delete this reply")
    question = await _lock_question(session, reply.question_id)
    if question.resolved_by_id == reply.id:
        question.resolved_by_id = None
    was_published = reply.published
    await session.delete(reply)
    await session.flush()
    if was_published:
        await questions.bump_reply_count(session, question.id, -1, touch=False)
    await questions.refresh_status(session, question.id)


async def set_published(session: AsyncSession, viewer: Profile, reply_id: int, published: bool) -> Reply:
    reply = await find_visible(session, reply_id, viewer)
    question = await _lock_question(session, reply.question_id)
    if reply.published == published:
        return reply
    reply.published = published
    if not published and question.resolved_by_id == reply.id:
        # A hidden reply cannot stand as the solution everyone is pointed to.
        question.resolved_by_id = None
    await session.flush()
    await questions.bump_reply_count(session, question.id, 1 if published else -1, touch=False)
    await questions.refresh_status(session, question.id)
    return reply


async def vote(session: AsyncSession, viewer: Profile, reply_id: int, value: int) -> tuple[int, int]:
    reply = await find_visible(session, reply_id, viewer)
    if reply.author_id == viewer.id:
        raise PermissionDeniedException("You cannot vote on your own reply")
    if await repository.cast_vote(session, reply.id, viewer.id, value) is None:
        raise ConflictError("You have already cast this vote")
    return await repository.vote_counts(session, reply.id)


async def retract(session: AsyncSession, viewer: Profile, reply_id: int) -> tuple[int, int]:
    reply = await find_visible(session, reply_id, viewer)
    if await repository.retract_vote(session, reply.id, viewer.id) is None:
        raise ConflictError("You have not voted on this reply")
    return await repository.vote_counts(session, reply.id)


async def report(session: AsyncSession, viewer: Profile, reply_id: int, reason: str) -> SpamReport:
    reply = await find_visible(session, reply_id, viewer)
    return await moderation.add_report(session, viewer.id, reason, reply_id=reply.id)
