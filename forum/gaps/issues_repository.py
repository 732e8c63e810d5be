"""All SQL of what docs gaps send out: GitHub issue records and the scheduled detection's jobs.

Kept apart from forum/gaps/repository.py (the gaps themselves); the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from forum.jobs import repository as jobs_repository

DETECT_JOB = "gaps_detect"


# -- GitHub issues ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IssueRow:
    gap_id: int
    repo: str
    status: str
    number: int | None
    url: str | None


async def ensure_issue(session: AsyncSession, gap_id: int, repo: str) -> IssueRow:
    await session.execute(
        text("INSERT INTO docs_gap_issues (gap_id, repo) VALUES (:gap, :repo) ON CONFLICT (gap_id, repo) DO NOTHING"),
        {"gap": gap_id, "repo": repo},
    )
    found = await issue(session, gap_id, repo)
    assert found is not None
    return found


async def issue(session: AsyncSession, gap_id: int, repo: str) -> IssueRow | None:
    row = (
        await session.execute(
            text("SELECT gap_id, repo, status, number, url FROM docs_gap_issues WHERE gap_id = :gap AND repo = :repo"),
            {"gap": gap_id, "repo": repo},
        )
    ).first()
    return None if row is None else IssueRow(**row._mapping)


async def mark_issue_posted(session: AsyncSession, gap_id: int, repo: str, number: int, url: str) -> None:
    await session.execute(
        text(
            "UPDATE docs_gap_issues SET status = 'posted', number = :number, url = :url, posted_at = now(), last_error = NULL "
            "WHERE gap_id = :gap AND repo = :repo"
        ),
        {"gap": gap_id, "repo": repo, "number": number, "url": url},
    )


async def note_issue_failure(session: AsyncSession, gap_id: int, repo: str, error: str, dead: bool) -> None:
    await session.execute(
        text(
            "UPDATE docs_gap_issues SET last_error = :error, status = CASE WHEN :dead THEN 'failed' ELSE status END "
            "WHERE gap_id = :gap AND repo = :repo AND status <> 'posted'"
        ),
        {"gap": gap_id, "repo": repo, "error": error[:2000], "dead": dead},
    )


# -- the schedule -----------------------------------------------------------------------------------
async def schedule_detection(session: AsyncSession, run_at: datetime) -> bool:
    """Queue the next scheduled detection unless one is already waiting for a later time."""
    return await jobs_repository.schedule_next_run(session, DETECT_JOB, run_at)
