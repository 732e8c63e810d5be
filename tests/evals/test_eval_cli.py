"""`forum eval duplicates|semeval|docs` end to end on small slices of the real datasets.

Real PostgreSQL (each run makes and drops its own scratch database on the test server) and the
real model. The slices are written to tmp_path, never into the repository; the tests skip when
../shared/data is absent.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from forum.cli import main
from forum.evals.datasets import load_docs_relevance

SE_SITE = "stackexchange/iota.stackexchange.com"


async def _forum(database_url: str, *args: str):
    # The CLI runs its own event loop (asyncio.run), so it cannot share the test's loop.
    result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result


def _json(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


async def _eval_databases(database_url: str) -> set[str]:
    conn = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return {r[0] for r in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'forum_eval_%'")}
    finally:
        await conn.close()


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def stackexchange_slice(source: Path, target: Path, *, pairs: int = 12, questions: int = 60) -> int:
    """The first `pairs` duplicate pairs with both their questions, topped up with other questions to `questions`."""
    chosen = _jsonl(source / "duplicates.jsonl")[:pairs]
    keep = {p["question_id"] for p in chosen} | {p["duplicate_of_id"] for p in chosen}
    all_questions = _jsonl(source / "questions.jsonl")
    for q in all_questions:
        if len(keep) >= questions:
            break
        keep.add(q["id"])
    target.mkdir()
    _write_jsonl(target / "questions.jsonl", [q for q in all_questions if q["id"] in keep])
    _write_jsonl(target / "answers.jsonl", [a for a in _jsonl(source / "answers.jsonl") if a["question_id"] in keep])
    _write_jsonl(target / "duplicates.jsonl", chosen)
    return len(chosen)


def docs_slice(source: Path, target: Path, *, tutorials: int = 5, distractors: int = 5) -> None:
    """The tutorials whose linked pages are smallest, those pages, and a few unrelated small pages."""
    entries = json.loads((source / "tutorial_links.json").read_text(encoding="utf-8"))
    size = lambda files: sum((source / f).stat().st_size for f in files)  # noqa: E731
    entries.sort(key=lambda e: (size(d["file"] for d in e["relevant_docs_in_corpus"]), e["tutorial"]))
    chosen = entries[:tutorials]
    files = {d["file"] for e in chosen for d in e["relevant_docs_in_corpus"]}
    others = sorted((p for p in (source / "docs").rglob("*.md*") if str(p.relative_to(source)) not in files), key=lambda p: (p.stat().st_size, p.name))
    files |= {str(p.relative_to(source)) for p in others[:distractors]}
    for f in files:
        (target / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / f, target / f)
    (target / "tutorial_links.json").write_text(json.dumps(chosen), encoding="utf-8")


async def test_eval_duplicates_prints_three_systems_and_hybrid_beats_fulltext(shared_data, database_url, tmp_path):
    pairs = stackexchange_slice(shared_data(SE_SITE), tmp_path / "site")
    before = await _eval_databases(database_url)

    result = await _forum(database_url, "eval", "duplicates", str(tmp_path / "site"), "--json")

    figures = _json(result)
    assert set(figures) == {"fulltext", "embedding", "hybrid"}
    for system in figures.values():
        assert set(system) == {"map", "mrr", "p_at_1", "recall_at_10"}
        assert all(0.0 <= v <= 1.0 for v in system.values())
    # One original per duplicate: MAP and MRR are the same number.
    assert figures["hybrid"]["map"] == pytest.approx(figures["hybrid"]["mrr"])
    assert figures["hybrid"]["map"] > figures["fulltext"]["map"]
    assert figures["hybrid"]["recall_at_10"] >= figures["fulltext"]["recall_at_10"]
    assert f"pairs {pairs}" in result.stderr and "wall time" in result.stderr
    assert await _eval_databases(database_url) == before, "the scratch database is dropped"

    table = await _forum(database_url, "eval", "duplicates", str(tmp_path / "site"))
    assert "hybrid" in table.stdout and "recall_at_10" in table.stdout
    assert "hybrid, title cut mid-word, as typed" in table.stdout


async def test_eval_semeval_scores_ours_next_to_the_search_engine_order(shared_data, database_url, tmp_path):
    source = shared_data("semeval-cqa/dev.jsonl")
    sliced = tmp_path / "dev5.jsonl"
    sliced.write_text("".join(source.read_text(encoding="utf-8").splitlines(keepends=True)[:5]), encoding="utf-8")

    figures = _json(await _forum(database_url, "eval", "semeval", str(sliced), "--json"))

    assert set(figures) == {"ours", "ir_order"}
    for system in figures.values():
        assert set(system) == {"map", "mrr"} and all(0.0 <= v <= 1.0 for v in system.values())
    # The search-engine order of the file, scored by the official definition (as ev.py would).
    from forum.evals.datasets import load_semeval
    from forum.evals.metrics import mean_average_precision
    from forum.evals.semeval import ir_order

    expected = mean_average_precision([ir_order(o) for o in load_semeval(sliced)], semeval=True)
    assert figures["ir_order"]["map"] == pytest.approx(expected)


async def test_eval_docs_prints_page_level_recall_and_mrr(shared_data, database_url, tmp_path):
    docs_slice(shared_data("posthog-docs"), tmp_path / "docs-set")

    result = await _forum(database_url, "eval", "docs", str(tmp_path / "docs-set"), "--json")

    figures = _json(result)
    assert set(figures) == {"recall_at_5", "mrr"}
    assert 0.0 <= figures["recall_at_5"] <= 1.0 and 0.0 < figures["mrr"] <= 1.0
    # With 10 small pages, most linked pages come back in the top 5.
    assert figures["recall_at_5"] >= 0.6
    assert f"tutorials {len(load_docs_relevance(tmp_path / 'docs-set'))}" in result.stderr

    table = (await _forum(database_url, "eval", "docs", str(tmp_path / "docs-set"))).stdout
    assert "hybrid, cut mid-word, as typed" in table, "the titles cut inside their last word have rows of their own"
