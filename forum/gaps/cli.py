"""`forum gaps detect|list|show|export|check-docs|schedule`: docs-gap detection from the command line.

Each command owns its transaction (run_in_transaction), as a request does; the services only flush.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from forum.settings import Settings


def _run(work):  # noqa: ANN001, ANN202 - a coroutine function of the session
    from forum.cli import run_in_transaction

    return run_in_transaction(work, Settings.from_env())


@click.group("gaps")
def gaps_command() -> None:
    """Docs gaps: clusters of questions the docs do not answer, as ready-to-file docs issues."""


@gaps_command.command("detect")
@click.option("--json", "as_json", is_flag=True, help="Print the run's figures as one JSON object.")
def detect_command(as_json: bool) -> None:
    """Cluster the evidence questions now and update the ranked gaps (the worker also does it on a schedule)."""
    import dataclasses

    from forum.gaps import service

    settings = Settings.from_env()
    report = _run(lambda session: service.detect(session, settings))
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report)))
        return
    if report.run_id is None:
        raise click.ClickException("No active embedding model: run `forum embed` first.")
    click.echo(f"Run {report.run_id}: {report.summary()}")


@gaps_command.command("list")
@click.option("--status", type=click.Choice(["open", "filed", "dismissed", "vanished", "all"]), default="open", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def list_command(status: str, limit: int) -> None:
    """The gaps, best score first."""
    from forum.gaps import service

    rows, total = _run(lambda session: service.list_gaps(session, status=None if status == "all" else status, limit=limit))
    for gap in rows:
        flag = " [possibly addressed]" if gap.possibly_addressed else ""
        click.echo(f"{gap.id:>5}  {gap.score:7.2f}  {gap.size:>4} q  {gap.status:<9} {gap.title}{flag}")
        if gap.terms:
            click.echo(f"{'':>22}terms: {', '.join(gap.terms)}")
    click.echo(f"{len(rows)} of {total} gap(s).", err=True)


@gaps_command.command("show")
@click.argument("gap_id", type=int)
def show_command(gap_id: int) -> None:
    """Print one gap as the docs issue it would file (Markdown)."""
    from forum.gaps import issue_writer, service

    settings = Settings.from_env()
    detail = _run(lambda session: service.gap_detail(session, gap_id))
    click.echo(issue_writer.render(detail, issue_writer.Links.from_settings(settings)).markdown())


@gaps_command.command("export")
@click.option("--format", "fmt", type=click.Choice(["markdown", "github"]), default="markdown", show_default=True,
              help="markdown: one .md file per gap; github: the GitHub issues API payload, one .json per gap.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for the files (created).")
@click.option("--github-repo", help="owner/name: also post each gap as an issue there, through the job queue (once per gap).")
@click.option("--gap", "gap_ids", type=int, multiple=True, help="Only these gaps (any status); repeatable.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Without --gap: the best N open gaps.")
@click.option("--include-addressed", is_flag=True, help="Without --gap: also gaps marked possibly addressed.")
def export_command(fmt: str, out_dir: Path | None, github_repo: str | None, gap_ids: tuple[int, ...], limit: int, include_addressed: bool) -> None:
    """Write the open gaps as docs-improvement issues, and optionally post them to GitHub."""
    from forum.gaps import github
    from forum.gaps.export import export_gaps

    if out_dir is None and github_repo is None:
        raise click.UsageError("give --out DIR, --github-repo owner/name, or both")
    if github_repo is not None and not github.REPO_PATTERN.match(github_repo):
        raise click.BadParameter("expected owner/name", param_hint="--github-repo")
    settings = Settings.from_env()
    report = _run(
        lambda session: export_gaps(
            session, settings, fmt=fmt, out_dir=out_dir, github_repo=github_repo, gap_ids=gap_ids, limit=limit,
            include_addressed=include_addressed,
        )
    )
    for path in report.written:
        click.echo(str(path))
    if out_dir is not None:
        click.echo(f"Wrote {len(report.written)} gap(s) to {out_dir}.", err=True)
    if github_repo is not None:
        click.echo(
            f"Queued {report.queued} issue(s) for {github_repo} ({report.already_posted} already posted); `forum worker` posts them.",
            err=True,
        )


@gaps_command.command("check-docs")
def check_docs_command() -> None:
    """Mark gaps "possibly addressed" that a docs re-index brought a close section for."""
    from forum.gaps import service

    settings = Settings.from_env()
    marked = _run(lambda session: service.check_addressed(session, settings))
    click.echo(f"{marked} gap(s) possibly addressed.")


@gaps_command.command("schedule")
def schedule_command() -> None:
    """Queue the scheduled detection if none is waiting (after it was turned off, or died)."""
    from forum.gaps import service

    settings = Settings.from_env()
    queued = _run(lambda session: service.schedule_next_detection(session, settings))
    click.echo("Scheduled." if queued else "Already scheduled (or FORUM_GAPS_DETECT_INTERVAL_HOURS is 0).")
