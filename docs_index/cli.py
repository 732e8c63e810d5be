"""`forum docs index PATH` (also `python -m docs_index PATH`): index a docs tree for suggestions.

The command owns the transaction: a run is committed whole or not at all, so searches keep
seeing the previous index until it commits.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import click


@click.group("docs")
def docs_command() -> None:
    """The docs index that suggestions search."""


@docs_command.command("index")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--url-prefix", default=None, help="Where page URLs start (default: FORUM_DOCS_URL_PREFIX or /docs).")
@click.option("--max-chars", type=click.IntRange(min=200), default=None, help="Chunk size cap (default: FORUM_DOCS_MAX_CHARS or 1200).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def index_command(path: Path, url_prefix: str | None, max_chars: int | None, as_json: bool) -> None:
    """Index the .md/.mdx pages under PATH: only changed chunks are embedded again, deleted pages are removed."""
    from forum.cli import run_in_transaction
    from forum.settings import Settings

    from forum.jobs.queue import enqueue

    from .indexer import index_docs_with_settings

    settings = Settings.from_env()
    # The report lists every warning once; without this, logging's last-resort handler would print them too.
    logging.getLogger("docs_index").addHandler(logging.NullHandler())
    async def index_and_recheck_gaps(session):
        report = await index_docs_with_settings(session, path, settings, url_prefix=url_prefix, max_chars=max_chars)
        if report.embedded:
            # New or changed sections may answer a known docs gap: the worker re-checks them.
            await enqueue(session, "gaps_check_docs", {}, dedupe_key="gaps-check-docs")
        return report

    report = run_in_transaction(index_and_recheck_gaps, settings)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report)))
        return
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Indexed {path}: {report.summary()}")
