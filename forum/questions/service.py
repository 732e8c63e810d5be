"""The rules of asking, editing, moderating and solving questions. Services flush; the request commits."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from litestar.exceptions import NotFoundException, PermissionDeniedException
from msgspec import UNSET
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import ConflictError, FieldError, UnprocessableError
from forum.fields import looks_like_id, path_id
from forum.jobs.queue import emit
from forum.markdown import render_markdown
from forum.models import Profile, Question, Reply, SpamReport, Topic
from forum.questions import repository
from forum.questions.repository import ListFilters
from forum.questions.schemas import ModerationIn, QuestionIn, QuestionPatch
from forum.slugs import slugify
from forum.topics import repository as moderation
from forum.suggestions import repository as suggestions


def can_see(question: Question, viewer: Profile | None) -> bool:
    """Unpublished posts are visible only to their author and to staff."""
    if question.published:
        return True
    return viewer is not None and (viewer.is_staff or viewer.id == question.author_id)


def may_edit(question: Question, viewer: Profile) -> bool:
    return viewer.is_staff or (viewer.id == question.author_id and not question.locked)


async def find_visible(session: AsyncSession, ref: str, viewer: Profile | None) -> tuple[Question, Profile]:
    question_id = path_id(ref, "ref")
    found = await repository.get_question_by_ref(session, ref if question_id is None else question_id)
    if found is None or not can_see(found[0], viewer):
        # A hidden question is reported as missing, so its existence does not leak.
        raise NotFoundException(f"No question {ref!r}")
    return found


async def find_for_write(session: AsyncSession, ref: str, viewer: Profile) -> Question:
    """The question row locked for this transaction, so concurrent writers queue instead of overwriting."""
    question, _ = await find_visible(session, ref, viewer)
    locked = await repository.get_question(session, question.id, for_update=True)
    assert locked is not None
    return locked


def list_filters(
    viewer: Profile | None,
    *,
    topic_id: int | None,
    status: str | None,
    unanswered: bool,
    author_id: int | None,
    page_slug: str | None,
    archived: bool,
    query: str | None,
) -> ListFilters:
    if archived and (viewer is None or not viewer.is_staff):
        raise PermissionDeniedException("Only moderators can list archived questions")
    return ListFilters(
        topic_id=topic_id,
        status=status,
        unanswered=unanswered,
        author_id=author_id,
        page_slug=page_slug,
        archived=archived,
        query=query.strip() if query and query.strip() else None,
        include_unpublished=viewer is not None and viewer.is_staff,
        viewer_id=viewer.id if viewer else None,
    )


async def _topics(session: AsyncSession, slugs: list[str], field: str = "topics") -> list[Topic]:
    wanted = list(dict.fromkeys(slugs))
    topics = await repository.topics_by_slugs(session, wanted)
    missing = sorted(set(wanted) - {t.slug for t in topics})
    if missing:
        raise UnprocessableError(field, f"unknown topic(s): {', '.join(missing)}")
    return topics


def _base_permalink(subject: str) -> str:
    slug = slugify(subject) or "question"
    # Purely numeric permalinks would be read as ids.
    return f"q-{slug}" if looks_like_id(slug) else slug


async def _insert_with_unique_permalink(session: AsyncSession, question: Question) -> None:
    base = _base_permalink(question.subject)
    taken = await repository.taken_permalinks(session, base)
    candidate = base if base not in taken else next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)
    for _ in range(5):
        question.permalink = candidate
        try:
            async with session.begin_nested():
                session.add(question)
                await session.flush()
            return
        except IntegrityError:
            # Someone took the same permalink between our check and insert; the savepoint rollback
            # has already detached the pending row.
            candidate = f"{base}-{secrets.token_hex(3)}"
    raise ConflictError("Could not allocate a permalink; try again")


async def ask(session: AsyncSession, author: Profile, data: QuestionIn) -> Question:
    if data.website:
        raise FieldError("website", "this field must be left empty")
    topics = await _topics(session, data.topics)
    question = Question(
        subject=data.subject.strip(),
        body=data.body,
        body_html=render_markdown(data.body),
        author_id=author.id,
        page_slugs=list(dict.fromkeys(data.page_slugs)),
    )
    await _insert_with_unique_permalink(session, question)
    await repository.set_topics(session, question.id, [t.id for t in topics])
    if data.draft_id:
        await suggestions.link_draft_to_question(session, data.draft_id, question.id, author.id)
    await emit(session, "question.created", {"question_id": question.id})
    return question


async def edit(session: AsyncSession, viewer: Profile, ref: str, data: QuestionPatch) -> Question:
    question = await find_for_write(session, ref, viewer)
    if not may_edit(question, viewer):
        raise PermissionDeniedException("Only the author (while the question is unlocked) or a moderator can edit it")
    if data.version is not UNSET and data.version != question.version:
        raise ConflictError(f"The question was edited meanwhile (now version {question.version}); reload and retry")
    if data.subject is not UNSET:
        question.subject = data.subject.strip()
    if data.body is not UNSET:
        question.body = data.body
        question.body_html = render_markdown(data.body)
    if data.topics is not UNSET:
        topics = await _topics(session, data.topics)
        await repository.set_topics(session, question.id, [t.id for t in topics])
    question.version += 1
    question.updated_at = datetime.now(UTC)
    await session.flush()
    await emit(session, "question.edited", {"question_id": question.id})
    return question


async def moderate(session: AsyncSession, viewer: Profile, ref: str, data: ModerationIn) -> Question:
    question = await find_for_write(session, ref, viewer)
    for name in ("archived", "locked", "published"):
        value = getattr(data, name)
        if value is not UNSET:
            setattr(question, name, value)
    question.updated_at = datetime.now(UTC)
    await session.flush()
    return question


async def delete(session: AsyncSession, viewer: Profile, ref: str) -> None:
    question = await find_for_write(session, ref, viewer)
    await repository.delete_question(session, question.id)


async def pin(session: AsyncSession, viewer: Profile, ref: str, topic_slug: str, pinned: bool) -> None:
    question = await find_for_write(session, ref, viewer)
    topic_id = await repository.topic_id_by_slug(session, topic_slug)
    if topic_id is None or not await repository.set_pin(session, question.id, topic_id, pinned):
        raise NotFoundException(f"The question is not in topic {topic_slug!r}")


async def mark_solution(session: AsyncSession, viewer: Profile, ref: str, reply_id: int) -> Question:
    question = await find_for_write(session, ref, viewer)
    if not (viewer.is_staff or viewer.id == question.author_id):
        raise PermissionDeniedException("Only the asker or a moderator can mark the solution")
    reply = await session.get(Reply, reply_id)
    if reply is None or reply.question_id != question.id or not reply.published:
        raise UnprocessableError("reply_id", "no published reply with this id on this question")
    question.resolved_by_id = reply.id
    question.active_at = datetime.now(UTC)
    await session.flush()
    await repository.refresh_status(session, question.id)
    await emit(session, "question.solved", {"question_id": question.id, "reply_id": reply.id})
    await session.refresh(question)
    return question


async def unmark_solution(session: AsyncSession, viewer: Profile, ref: str) -> Question:
    question = await find_for_write(session, ref, viewer)
    if not (viewer.is_staff or viewer.id == question.author_id):
        raise PermissionDeniedException("Only the asker or a moderator can undo the solution")
    if question.resolved_by_id is None:
        raise ConflictError("The question has no solution to undo")
    question.resolved_by_id = None
    await session.flush()
    await repository.refresh_status(session, question.id)
    await emit(session, "question.unsolved", {"question_id": question.id})
    await session.refresh(question)
    return question


async def upvote(session: AsyncSession, viewer: Profile, ref: str) -> int:
    question, _ = await find_visible(session, ref, viewer)
    if not await repository.add_upvote(session, question.id, viewer.id):
        raise ConflictError("You have already upvoted this question")
    return await repository.upvote_count(session, question.id)


async def remove_upvote(session: AsyncSession, viewer: Profile, ref: str) -> int:
    question, _ = await find_visible(session, ref, viewer)
    if not await repository.remove_upvote(session, question.id, viewer.id):
        raise ConflictError("You have not upvoted this question")
    return await repository.upvote_count(session, question.id)


async def follow(session: AsyncSession, viewer: Profile, ref: str, following: bool) -> None:
    question, _ = await find_visible(session, ref, viewer)
    if following:
        await repository.follow(session, viewer.id, question_id=question.id)
    else:
        await repository.unfollow(session, viewer.id, question_id=question.id)


async def report(session: AsyncSession, viewer: Profile, ref: str, reason: str) -> SpamReport:
    question, _ = await find_visible(session, ref, viewer)
    return await moderation.add_report(session, viewer.id, reason, question_id=question.id)
