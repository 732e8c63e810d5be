"""`forum eval gaps PATH`: registered in forum/evals/cli.py (see forum/gaps/evaluation.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from forum.gaps.clustering import METHODS


@click.command("gaps")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='SemEval: print {"v_measure", "ari", "groups_kept"} of the configured method.')
@click.option("--compare", is_flag=True, help="SemEval: also score the other clustering methods.")
@click.option("--top", type=click.IntRange(1, 50), default=5, show_default=True, help="Stack Exchange: gaps to show.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Stack Exchange: write each top gap's issue here.")
def gaps_eval_command(path: Path, as_json: bool, compare: bool, top: int, out_dir: Path | None) -> None:
    """Cluster a SemEval file (scores) or a Stack Exchange folder's unanswered questions (top gaps)."""
    from forum.evals.report import format_table
    from forum.evals.runner import eval_settings
    from forum.gaps import evaluation

    settings = eval_settings()
    if path.is_dir():
        gaps, meta = asyncio.run(evaluation.run_stackexchange(path, settings, top=top))
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            for rank, gap in enumerate(gaps, start=1):
                (out_dir / f"{rank}.md").write_text(gap.markdown, encoding="utf-8")
        if as_json:
            click.echo(json.dumps([{"title": g.title, "score": g.score, "size": g.size, "terms": g.terms, "evidence": g.evidence} for g in gaps]))
        else:
            click.echo(evaluation.format_top(gaps, meta, path.name))
        click.echo(meta["timing"], err=True)
        return
    methods = [settings.gaps_method] + ([m for m in METHODS if m != settings.gaps_method] if compare else [])
    results, meta = asyncio.run(evaluation.run_semeval(path, settings, methods))
    if as_json:
        click.echo(json.dumps({k: results[settings.gaps_method][k] for k in ("v_measure", "ari", "groups_kept")}))
    else:
        title = (f"Docs-gap clustering, SemEval {path.name}: {meta['questions']} questions, {meta['topics']} true topics, "
                 f"{meta['noise']} noise")
        click.echo(format_table(results, evaluation.METRICS, title=title))
        click.echo("clusters: " + ", ".join(f"{name} {int(r['clusters'])}" for name, r in results.items()))
    click.echo(f"{meta['timing']}", err=True)
