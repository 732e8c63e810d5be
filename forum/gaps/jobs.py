"""Job handlers of docs gaps, run by forum.jobs.worker (which owns the transaction, retries and dead letters).

gaps_detect runs the detection and queues the next run (migration 0007 queued the first), so the
schedule keeps itself going; a run that dies in the dead-letter list still queues the next one.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.gaps import github, issue_writer, issues_repository, repository, service
from forum.gaps.issues_repository import DETECT_JOB
from forum.gaps.service import CHECK_DOCS_JOB, GITHUB_ISSUE_JOB
from forum.jobs.worker import current_settings, job_handler

log = logging.getLogger(__name__)


async def _detect_failed(session: AsyncSession, payload: dict[str, Any], exc: BaseException, dead: bool) -> None:
    if dead and payload.get("scheduled"):
        await service.schedule_next_detection(session, current_settings())


@job_handler(DETECT_JOB, on_failure=_detect_failed)
async def detect(session: AsyncSession, payload: dict[str, Any]) -> None:
    """payload: {"scheduled": true} from the schedule, {} when asked for (API, CLI)."""
    settings = current_settings()
    report = await service.detect(session, settings)
    log.info("docs-gap detection: %s", report.summary())
    if payload.get("scheduled"):
        await service.schedule_next_detection(session, settings)


@job_handler(CHECK_DOCS_JOB)
async def check_docs(session: AsyncSession, payload: dict[str, Any]) -> None:
    """After a docs re-index: which gaps did it possibly address?"""
    marked = await service.check_addressed(session, current_settings())
    log.info("docs re-index possibly addressed %d docs gap(s)", marked)


async def _issue_failed(session: AsyncSession, payload: dict[str, Any], exc: BaseException, dead: bool) -> None:
    await issues_repository.note_issue_failure(session, int(payload["gap_id"]), payload["repo"], str(exc) or type(exc).__name__, dead)


@job_handler(GITHUB_ISSUE_JOB, on_failure=_issue_failed)
async def post_github_issue(session: AsyncSession, payload: dict[str, Any]) -> None:
    """payload: {"gap_id", "repo"}, queued by `forum gaps export --github-repo`."""
    gap_id, repo = int(payload["gap_id"]), payload["repo"]
    row = await issues_repository.issue(session, gap_id, repo)
    gap = await repository.get_gap(session, gap_id)
    if row is None or gap is None or row.status == "posted":
        return  # deleted meanwhile, or an earlier attempt got through
    settings = current_settings()
    config = github.GitHubConfig.from_settings(settings)
    issue = issue_writer.render(await service.gap_detail(session, gap_id), issue_writer.Links.from_settings(settings))
    # Looked up first, every time: the create of an attempt that timed out may have gone through.
    posted = await github.find_issue(config, repo, issue_writer.marker(gap_id))
    if posted is None:
        posted = await github.create_issue(config, repo, issue.github_payload())
    await issues_repository.mark_issue_posted(session, gap_id, repo, posted.number, posted.url)
    if gap.status in ("open", "vanished"):
        await repository.set_status(session, gap_id, "filed", actor_id=None, url=posted.url)
    log.info("docs gap %d is %s#%d", gap_id, repo, posted.number)
