"""Docs-gap detection and what support does with gaps. Services flush; the caller owns the transaction.

    report = await detect(session, settings)            # forum gaps detect, the scheduled job
    addressed = await check_addressed(session, settings)  # after a docs re-index (also part of detect)
    detail = await gap_detail(session, settings, gap_id)  # a gap with its evidence and answers
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from docs_index import store as docs_store
from forum.embeddings import repository as embeddings
from forum.embeddings.repository import ModelRow
from forum.errors import ConflictError
from forum.gaps import issues_repository, labelling, repository
from forum.gaps.clustering import ClusterParams
from forum.gaps.detection import PlannedGap, plan_gaps
from forum.gaps.repository import AnswerRow, GapRow, MemberRow
from forum.markdown import markdown_to_text
from forum.models import Profile
from forum.settings import Settings
from forum.suggestions.service import Query, docs_suggestions

log = logging.getLogger(__name__)
ANSWERS_SHOWN = 5


@dataclass
class DetectReport:
    run_id: int | None
    evidence: int = 0
    clustered: int = 0
    gaps: int = 0
    new: int = 0
    matched: int = 0
    vanished: int = 0
    addressed: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.evidence} evidence questions, {self.clustered} in {self.gaps} gaps "
            f"({self.new} new, {self.matched} seen before), {self.vanished} vanished, "
            f"{self.addressed} possibly addressed; {self.seconds:.1f}s"
        )


def _docs_area(urls: list[str]) -> str | None:
    """The docs folder most of the nearest chunks live in: "/docs/session-replay"."""
    folders = []
    for url in urls:
        parts = [p for p in url.split("#")[0].split("/") if p]
        if len(parts) >= 2:
            folders.append("/" + "/".join(parts[:2]))
    return labelling.most_common(folders)


async def _place(session: AsyncSession, settings: Settings, model: ModelRow, plan: PlannedGap) -> tuple[list[dict], float | None, str | None]:
    """Where the answer belongs (the suggestions' docs for the gap), the best similarity any docs
    chunk has to it now (the baseline for "possibly addressed"), and the docs folder nearest it."""
    nearest = await docs_store.nearest_chunks(session, model, plan.centroid, limit=5, ef_search=settings.embedding_ef_search)
    if not nearest:
        return [], None, None
    # The centroid stands for both the whole text and the subject: docs have no subject field.
    query = Query(f"{plan.central.subject}\n{' '.join(plan.terms)}", plan.centroid, plan.centroid, model)
    placement = [
        {"url": d.url, "page_title": d.page_title, "heading_path": d.heading_path, "snippet": d.snippet, "similarity": d.similarity}
        for d in await docs_suggestions(session, settings, query)
    ]
    return placement, round(max(h.score for h in nearest), 4), _docs_area([h.page_url for h in nearest])


async def detect(session: AsyncSession, settings: Settings, *, now: datetime | None = None) -> DetectReport:
    """Cluster today's evidence, carry each cluster to the gap it continues (or a new one), rank them."""
    started = time.perf_counter()
    await repository.lock_detection(session)
    model = await embeddings.active_model(session)
    if model is None:
        log.warning("no active embedding model; docs-gap detection skipped")
        return DetectReport(run_id=None)
    now = now or datetime.now(UTC)
    params = ClusterParams.from_settings(settings)
    run_id = await repository.start_run(session, model.name, params.method, params.as_dict())
    evidence, vectors = await repository.evidence(
        session, model.name, now - timedelta(days=settings.gaps_min_age_days), settings.gaps_weak_docs_similarity
    )
    known = await repository.known_gaps(session, model.name)
    # Seconds of CPU for a large forum: off the event loop, so an in-process worker keeps serving.
    plans = await asyncio.to_thread(
        plan_gaps, evidence, vectors, known, params, now=now, half_life_days=settings.gaps_recency_half_life_days,
        min_overlap=settings.gaps_match_min_overlap, max_distance=settings.gaps_match_max_distance,
    ) if evidence else []
    report = DetectReport(run_id, evidence=len(evidence), gaps=len(plans), clustered=sum(len(p.members) for p in plans))
    for plan in plans:
        placement, baseline, docs_area = await _place(session, settings, model, plan)
        area = plan.area or docs_area
        values = {
            "model": model.name,
            "centroid": plan.centroid,
            "size": len(plan.members),
            "score": plan.score,
            "score_parts": plan.score_parts,
            "terms": plan.terms,
            "central_question_id": plan.central.question_id,
            "title": labelling.best_title([e.subject for e in plan.members], area),
            "area": area,
            "placement": placement,
            "docs_baseline_similarity": baseline,
            "run_id": run_id,
        }
        if plan.match is None:
            gap_id = await repository.insert_gap(session, values, model.dim)
            report.new += 1
        else:
            gap_id = plan.match.gap_id
            await repository.update_gap(session, gap_id, values, model.dim)
            report.matched += 1
        await repository.replace_members(
            session, gap_id, [(e.question_id, e.signals, e.escalated, s) for e, s in zip(plan.members, plan.similarities)]
        )
    report.vanished = await repository.vanish_unseen(session, run_id)
    report.addressed = await check_addressed(session, settings, model)
    report.seconds = round(time.perf_counter() - started, 2)
    await repository.finish_run(
        session, run_id, evidence=report.evidence, clustered=report.clustered, gaps=report.gaps, new_gaps=report.new, seconds=report.seconds
    )
    return report


async def check_addressed(session: AsyncSession, settings: Settings, model: ModelRow | None = None) -> int:
    """Mark open and filed gaps "possibly addressed" when a docs chunk changed since they were found
    now comes close to them, clearly closer than anything did then. Returns how many were marked."""
    model = model or await embeddings.active_model(session)
    if model is None:
        return 0
    marked = 0
    for gap in await repository.gaps_to_check(session, model.name):
        chunk = await repository.nearest_changed_chunk(session, model, gap.centroid, gap.since)
        if chunk is None or chunk["similarity"] < settings.gaps_addressed_similarity:
            continue
        if gap.baseline is not None and chunk["similarity"] < gap.baseline + settings.gaps_addressed_margin:
            continue
        chunk["snippet"] = docs_store.snippet(markdown_to_text(chunk.pop("text")))
        await repository.mark_addressed(session, gap.id, chunk)
        marked += 1
    return marked


# -- reading gaps -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GapDetail:
    gap: GapRow
    members: list[MemberRow]
    answers: list[AnswerRow]

    @property
    def outline(self) -> list[str]:
        return labelling.outline([m.subject for m in self.members])

    @property
    def central(self) -> MemberRow | None:
        by_id = {m.question_id: m for m in self.members}
        return by_id.get(self.gap.central_question_id or -1) or (self.members[0] if self.members else None)

    def signal_counts(self) -> Counter[str]:
        return Counter(s for m in self.members for s in m.signals)


async def get_gap(session: AsyncSession, gap_id: int, *, for_update: bool = False) -> GapRow:
    gap = await repository.get_gap(session, gap_id, for_update=for_update)
    if gap is None:
        raise NotFoundException(f"No docs gap {gap_id}")
    return gap


async def gap_detail(session: AsyncSession, gap_id: int) -> GapDetail:
    gap = await get_gap(session, gap_id)
    members = await repository.members(session, gap_id)
    answers = await repository.answers(session, [m.question_id for m in members], ANSWERS_SHOWN)
    return GapDetail(gap, members, answers)


async def list_gaps(
    session: AsyncSession, *, status: str | None = "open", addressed: bool | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[GapRow], int]:
    return await repository.list_gaps(session, status=status, addressed=addressed, limit=limit, offset=offset)


# -- what support does ------------------------------------------------------------------------------
async def dismiss(session: AsyncSession, viewer: Profile, gap_id: int, reason: str) -> GapRow:
    """Not a docs problem: the gap keeps matching its questions in later runs but is never proposed again."""
    gap = await get_gap(session, gap_id, for_update=True)
    # Both say the gap is settled, in opposite ways: changing one's mind goes through reopen, so
    # that the history never shows a gap both dismissed and filed.
    if gap.status == "filed":
        raise ConflictError(f"Docs gap {gap_id} is filed as {gap.filed_url}; reopen it first to dismiss it")
    await repository.set_status(session, gap_id, "dismissed", actor_id=viewer.id, reason=reason.strip())
    return await get_gap(session, gap_id)


async def mark_filed(session: AsyncSession, viewer: Profile | None, gap_id: int, url: str) -> GapRow:
    gap = await get_gap(session, gap_id, for_update=True)
    if gap.status == "filed" and gap.filed_url and gap.filed_url != url:
        raise ConflictError(f"Docs gap {gap_id} is already filed as {gap.filed_url}")
    if gap.status == "dismissed":
        raise ConflictError(f"Docs gap {gap_id} was dismissed ({gap.dismissed_reason}); reopen it first to file it")
    await repository.set_status(session, gap_id, "filed", actor_id=viewer.id if viewer else None, url=url.strip())
    return await get_gap(session, gap_id)


async def reopen(session: AsyncSession, gap_id: int) -> GapRow:
    await get_gap(session, gap_id, for_update=True)
    await repository.set_status(session, gap_id, "open", actor_id=None)
    return await get_gap(session, gap_id)


# -- delivery ---------------------------------------------------------------------------------------
GITHUB_ISSUE_JOB = "gaps_github_issue"
CHECK_DOCS_JOB = "gaps_check_docs"


async def queue_github_issue(session: AsyncSession, settings: Settings, gap_id: int, repo: str) -> bool:
    """Post the gap to `repo` through the queue: once per (gap, repository), however often asked.
    Returns False when it is already posted (nothing queued)."""
    from forum.jobs.queue import enqueue

    await get_gap(session, gap_id)
    row = await issues_repository.ensure_issue(session, gap_id, repo)
    if row.status == "posted":
        return False
    await enqueue(
        session, GITHUB_ISSUE_JOB, {"gap_id": gap_id, "repo": repo}, dedupe_key=f"gaps-github:{repo}:{gap_id}",
        max_attempts=settings.delivery_max_attempts,
    )
    return True


async def schedule_next_detection(session: AsyncSession, settings: Settings) -> bool:
    if settings.gaps_detect_interval_hours <= 0:
        return False
    return await issues_repository.schedule_detection(session, datetime.now(UTC) + timedelta(hours=settings.gaps_detect_interval_hours))
