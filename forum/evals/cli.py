"""`forum eval duplicates|semeval|docs`: the quality evaluations on real data (see README "Evaluations").

Each command builds its own scratch database (forum_eval_<random>, on DATABASE_URL's server or
the embedded one), loads the data through the product's tables, embeds and ranks it with the
product's code, prints a table (or `--json`: the documented object only) and drops the database.
The wall time goes to stderr, so `--json` output stays one clean JSON object.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from forum.evals.report import format_table


def _emit(results: dict[str, dict[str, float]], meta: dict[str, Any], *, as_json: bool, json_obj: Any, title: str,
          metrics: tuple[str, ...], percent: tuple[str, ...] = ()) -> None:
    if as_json:
        click.echo(json.dumps(json_obj))
    else:
        click.echo(format_table(results, metrics, percent=percent, title=title))
    facts = ", ".join(f"{k} {v}" for k, v in meta.items() if k not in ("seconds", "timing"))
    click.echo(f"{facts}; {meta['timing']}", err=True)


def _settings():
    from forum.evals.runner import eval_settings

    return eval_settings()


def _run(evaluation: Any) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Run an evaluation coroutine; bad input (a malformed or empty dataset) is a usage error, not a traceback."""
    try:
        return asyncio.run(evaluation)
    except (ValueError, KeyError, FileNotFoundError) as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@click.group("eval")
def eval_command() -> None:
    """Measure suggestion quality on real datasets (each run uses a scratch database)."""


@eval_command.command("duplicates")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"fulltext": {...}, "embedding": {...}, "hybrid": {...}}.')
def duplicates_command(dataset_dir: Path, as_json: bool) -> None:
    """Rank the original of each duplicate question in a Stack Exchange folder: full text, embeddings, hybrid."""
    from forum.evals import duplicates

    results, meta = _run(duplicates.run(dataset_dir, _settings()))
    _emit(results, meta, as_json=as_json, json_obj={name: results[name] for name in duplicates.SYSTEMS}, metrics=duplicates.METRICS,
          title=f"Duplicate questions, {dataset_dir.name}: {meta['pairs']} pairs among {meta['questions']} questions")


@eval_command.command("semeval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"ours": {"map", "mrr"}, "ir_order": {...}} (fractions).')
def semeval_command(file: Path, as_json: bool) -> None:
    """Rerank each original question's related questions (SemEval-2016 Task 3 B, official MAP/MRR)."""
    from forum.evals import semeval

    results, meta = _run(semeval.run(file, _settings()))
    _emit(results, meta, as_json=as_json, json_obj=results, metrics=semeval.METRICS, percent=semeval.METRICS,
          title=f"SemEval-2016 3B, {file.name}: {meta['originals']} original questions")


@eval_command.command("docs")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"recall_at_5": ..., "mrr": ...} (the hybrid).')
def docs_command(directory: Path, as_json: bool) -> None:
    """Index DIRECTORY/docs, query with each tutorial title, score the docs pages it links to."""
    from forum.evals import docs

    results, meta = _run(docs.run(directory, _settings()))
    _emit(results, meta, as_json=as_json, json_obj=results["hybrid"], metrics=docs.METRICS,
          title=f"Docs pages for tutorial titles, {directory.name}: {meta['tutorials']} tutorials, {meta['pages']} pages")


from forum.evals.escalation import escalation_command; eval_command.add_command(escalation_command)  # noqa: E402, E702
from forum.gaps.eval_cli import gaps_eval_command; eval_command.add_command(gaps_eval_command)  # noqa: E402, E702
