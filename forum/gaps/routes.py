"""Docs gaps for support and admins: the ranked list, one gap with its evidence, dismiss, mark filed."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_support
from forum.errors import ConflictError
from forum.fields import Id64
from forum.gaps import issue_writer, service
from forum.gaps.issues_repository import DETECT_JOB
from forum.gaps.repository import GapRow
from forum.gaps.schemas import (
    AddressedBy,
    DetectQueued,
    DismissIn,
    DocsPlace,
    EvidenceQuestion,
    FiledIn,
    GapDetailOut,
    GapPage,
    GapStatus,
    GapSummary,
    GivenAnswer,
    IssueOut,
)
from forum.jobs.queue import enqueue
from forum.models import Profile
from forum.settings import Settings


def summary_out(gap: GapRow) -> GapSummary:
    addressed = msgspec.convert(gap.addressed_by, AddressedBy, strict=False) if gap.addressed_by else None
    return GapSummary(
        id=gap.id, status=gap.status, title=gap.title, area=gap.area, terms=gap.terms, size=gap.size, score=gap.score,
        score_parts=gap.score_parts, central_question_id=gap.central_question_id, possibly_addressed=gap.possibly_addressed,
        addressed_by=addressed, first_seen_at=gap.first_seen_at, last_seen_at=gap.last_seen_at,
        dismissed_reason=gap.dismissed_reason, filed_url=gap.filed_url,
    )


def detail_out(detail: service.GapDetail, links: issue_writer.Links) -> GapDetailOut:
    issue = issue_writer.render(detail, links)
    return GapDetailOut(
        gap=summary_out(detail.gap),
        summary=issue_writer.summary(detail),
        evidence=[
            EvidenceQuestion(
                id=m.question_id, subject=m.subject, url=links.question(m.question_id, m.permalink), status=m.status,
                asked_at=m.created_at, views=m.views, replies=m.reply_count, signals=m.signals, escalated=m.escalated,
                similarity=m.similarity, in_gap_since=m.added_at,
            )
            for m in detail.members
        ],
        placement=[msgspec.convert(p, DocsPlace, strict=False) for p in detail.gap.placement],
        outline=detail.outline,
        answers=[
            GivenAnswer(
                reply_id=a.reply_id, question_id=a.question_id, author=a.author, by_support=a.staff, accepted=a.accepted,
                votes=a.votes, created_at=a.created_at, excerpt=issue_writer.excerpt(a.body),
            )
            for a in detail.answers
        ],
        issue=IssueOut(title=issue.title, body=issue.body),
    )


class GapController(Controller):
    path = "/api/v1/gaps"
    tags = ["docs gaps"]

    @get("/")
    async def list_gaps(
        self,
        user: Profile,
        db_session: AsyncSession,
        status: Annotated[GapStatus | Literal["all"], Parameter(description="Default: open (the ones proposed)")] = "open",
        addressed: Annotated[bool | None, Parameter(description="Only possibly addressed (true) or not (false)")] = None,
        page: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> GapPage:
        """Docs gaps ranked by score (size, recency, views, share of escalations), best first."""
        require_support(user)
        rows, total = await service.list_gaps(
            db_session, status=None if status == "all" else status, addressed=addressed, limit=page_size, offset=(page - 1) * page_size
        )
        return GapPage(items=[summary_out(g) for g in rows], total=total, page=page, page_size=page_size)

    @get("/{gap_id:int}")
    async def get_gap(self, gap_id: Id64, user: Profile, db_session: AsyncSession, settings: Settings) -> GapDetailOut:
        """One gap with its evidence questions, where the answer belongs, an outline, answers given, and the issue text."""
        require_support(user)
        return detail_out(await service.gap_detail(db_session, gap_id), issue_writer.Links.from_settings(settings))

    @post("/{gap_id:int}/dismiss", status_code=200, raises=[ConflictError])
    async def dismiss(self, gap_id: Id64, data: DismissIn, user: Profile, db_session: AsyncSession) -> GapSummary:
        """Not a docs problem: later runs keep it dismissed instead of proposing it again."""
        require_support(user)
        return summary_out(await service.dismiss(db_session, user, gap_id, data.reason))

    @post("/{gap_id:int}/filed", status_code=200, raises=[ConflictError])
    async def filed(self, gap_id: Id64, data: FiledIn, user: Profile, db_session: AsyncSession) -> GapSummary:
        """Filed as an issue (by hand): later runs keep it filed."""
        require_support(user)
        return summary_out(await service.mark_filed(db_session, user, gap_id, data.url))

    @post("/{gap_id:int}/reopen", status_code=200)
    async def reopen(self, gap_id: Id64, user: Profile, db_session: AsyncSession) -> GapSummary:
        require_support(user)
        return summary_out(await service.reopen(db_session, gap_id))

    @post("/detect", status_code=202)
    async def detect(self, user: Profile, db_session: AsyncSession) -> DetectQueued:
        """Run the detection now, in the worker (it also runs on its schedule)."""
        require_support(user)
        await enqueue(db_session, DETECT_JOB, {}, dedupe_key="gaps-detect-now", max_attempts=3)
        return DetectQueued(queued=True)
