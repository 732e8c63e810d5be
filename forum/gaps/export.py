"""`forum gaps export`: gaps as files (Markdown, or GitHub's issue payload) and as queued GitHub issues."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from forum.gaps import issue_writer, service
from forum.settings import Settings

FORMATS = ("markdown", "github")


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    queued: int = 0
    already_posted: int = 0


async def export_gaps(
    session: AsyncSession,
    settings: Settings,
    *,
    fmt: str = "markdown",
    out_dir: Path | None = None,
    github_repo: str | None = None,
    gap_ids: Sequence[int] = (),
    limit: int = 20,
    include_addressed: bool = False,
) -> ExportReport:
    """One file per gap in out_dir, and one queued GitHub issue per gap not yet posted to github_repo.

    Without gap_ids: the best `limit` open gaps, leaving out the possibly addressed unless asked.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if gap_ids:
        ids = list(dict.fromkeys(gap_ids))
        for gap_id in ids:
            await service.get_gap(session, gap_id)
    else:
        rows, _ = await service.list_gaps(session, status="open", addressed=None if include_addressed else False, limit=limit)
        ids = [g.id for g in rows]
    links = issue_writer.Links.from_settings(settings)
    report = ExportReport()
    for gap_id in ids:
        if out_dir is not None:
            issue = issue_writer.render(await service.gap_detail(session, gap_id), links)
            out_dir.mkdir(parents=True, exist_ok=True)
            stem = f"gap-{gap_id}-{issue_writer.slug(issue.title)}"
            if fmt == "markdown":
                path = out_dir / f"{stem}.md"
                path.write_text(issue.markdown(), encoding="utf-8")
            else:
                path = out_dir / f"{stem}.json"
                path.write_text(json.dumps(issue.github_payload(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            report.written.append(path)
        if github_repo is not None:
            if await service.queue_github_issue(session, settings, gap_id, github_repo):
                report.queued += 1
            else:
                report.already_posted += 1
    return report
