"""Questions: list, search, show, ask, edit, moderate, solve, vote, follow, report.

`{ref}` is a question's id or its permalink, so links the website already has keep working.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_staff
from forum.errors import ConflictError, UnprocessableError
from forum.fields import OptionalId32
from forum.models import Profile
from forum.questions import repository, service
from forum.questions.schemas import (
    FollowState,
    ModerationIn,
    QuestionDetail,
    QuestionIn,
    QuestionPage,
    QuestionPatch,
    ReportIn,
    ReportOut,
    SolutionIn,
    Sort,
    Status,
    ViewerState,
    VoteState,
    detail_out,
    summary_out,
)


async def load_detail(session: AsyncSession, ref: str, viewer: Profile | None) -> QuestionDetail:
    question, author = await service.find_visible(session, ref, viewer)
    include_unpublished = viewer is not None and viewer.is_staff
    replies = await repository.replies_of(session, question.id, include_unpublished, viewer.id if viewer else None)
    topics = (await repository.topics_for(session, [question.id])).get(question.id, [])
    state = None
    if viewer is not None:
        state = ViewerState(*await repository.viewer_state(session, question.id, viewer.id))
    return detail_out(question, author, topics, replies, state)


class QuestionController(Controller):
    path = "/api/v1/questions"
    tags = ["questions"]

    @get("/", raises=[PermissionDeniedException, NotFoundException])
    async def list_questions(
        self,
        db_session: AsyncSession,
        viewer: Profile | None,
        topic: str | None = None,
        status: Status | None = None,
        unanswered: bool = False,
        author: OptionalId32 = None,
        page_slug: str | None = None,
        archived: bool = False,
        q: Annotated[str | None, Parameter(max_length=200, description="Full-text search, ranked")] = None,
        sort: Annotated[Sort | None, Parameter(description="Default: relevance with q, else newest")] = None,
        page: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> QuestionPage:
        topic_id = None
        if topic is not None:
            topic_id = await repository.topic_id_by_slug(db_session, topic)
            if topic_id is None:
                raise NotFoundException(f"No topic {topic!r}")
        filters = service.list_filters(
            viewer,
            topic_id=topic_id,
            status=status,
            unanswered=unanswered,
            author_id=author,
            page_slug=page_slug,
            archived=archived,
            query=q,
        )
        chosen_sort = sort or ("relevance" if filters.query else "newest")
        rows, total = await repository.list_questions(db_session, filters, chosen_sort, page_size, (page - 1) * page_size)
        topics = await repository.topics_for(db_session, [row.id for row in rows])
        items = [summary_out(row, topics.get(row.id, [])) for row in rows]
        return QuestionPage(items=items, total=total, page=page, page_size=page_size)

    @post("/", raises=[ConflictError, UnprocessableError])
    async def ask(self, data: QuestionIn, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        question = await service.ask(db_session, user, data)
        return await load_detail(db_session, str(question.id), user)

    @get("/{ref:str}")
    async def show(self, ref: str, request: Request, db_session: AsyncSession, viewer: Profile | None) -> QuestionDetail:
        detail = await load_detail(db_session, ref, viewer)
        request.app.state.view_counter.record(detail.id)
        return detail

    @patch("/{ref:str}", raises=[ConflictError, UnprocessableError])
    async def edit(self, ref: str, data: QuestionPatch, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        question = await service.edit(db_session, user, ref, data)
        return await load_detail(db_session, str(question.id), user)

    @delete("/{ref:str}")
    async def delete_question(self, ref: str, user: Profile, db_session: AsyncSession) -> None:
        require_staff(user)
        await service.delete(db_session, user, ref)

    @patch("/{ref:str}/moderation")
    async def moderate(self, ref: str, data: ModerationIn, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        """Archive, lock or unpublish (moderators)."""
        require_staff(user)
        question = await service.moderate(db_session, user, ref, data)
        return await load_detail(db_session, str(question.id), user)

    @put("/{ref:str}/pins/{topic_slug:str}")
    async def pin(self, ref: str, topic_slug: str, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        require_staff(user)
        await service.pin(db_session, user, ref, topic_slug, True)
        return await load_detail(db_session, ref, user)

    @delete("/{ref:str}/pins/{topic_slug:str}", status_code=200)
    async def unpin(self, ref: str, topic_slug: str, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        require_staff(user)
        await service.pin(db_session, user, ref, topic_slug, False)
        return await load_detail(db_session, ref, user)

    @post("/{ref:str}/solution", status_code=200, raises=[UnprocessableError])
    async def mark_solution(self, ref: str, data: SolutionIn, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        question = await service.mark_solution(db_session, user, ref, data.reply_id)
        return await load_detail(db_session, str(question.id), user)

    @delete("/{ref:str}/solution", status_code=200, raises=[ConflictError])
    async def unmark_solution(self, ref: str, user: Profile, db_session: AsyncSession) -> QuestionDetail:
        question = await service.unmark_solution(db_session, user, ref)
        return await load_detail(db_session, str(question.id), user)

    @post("/{ref:str}/upvote", status_code=200, raises=[ConflictError])
    async def upvote(self, ref: str, user: Profile, db_session: AsyncSession) -> VoteState:
        return VoteState(upvotes=await service.upvote(db_session, user, ref), upvoted=True)

    @delete("/{ref:str}/upvote", status_code=200, raises=[ConflictError])
    async def remove_upvote(self, ref: str, user: Profile, db_session: AsyncSession) -> VoteState:
        return VoteState(upvotes=await service.remove_upvote(db_session, user, ref), upvoted=False)

    @post("/{ref:str}/follow", status_code=200)
    async def follow(self, ref: str, user: Profile, db_session: AsyncSession) -> FollowState:
        await service.follow(db_session, user, ref, True)
        return FollowState(following=True)

    @delete("/{ref:str}/follow", status_code=200)
    async def unfollow(self, ref: str, user: Profile, db_session: AsyncSession) -> FollowState:
        await service.follow(db_session, user, ref, False)
        return FollowState(following=False)

    @post("/{ref:str}/report")
    async def report(self, ref: str, data: ReportIn, user: Profile, db_session: AsyncSession) -> ReportOut:
        spam_report = await service.report(db_session, user, ref, data.reason)
        return ReportOut(id=spam_report.id, reason=spam_report.reason, created_at=spam_report.created_at)
