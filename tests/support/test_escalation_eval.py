"""`forum eval escalation` on the shipped labelled sets: the held-out figures are the goal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from forum.cli import main
from forum.evals.escalation import DATA_DIR

GOAL = 0.85


@pytest.mark.parametrize("name", ["escalation_dev.jsonl", "escalation_test.jsonl"])
def test_precision_and_recall_reach_the_goal(name):
    result = CliRunner().invoke(main, ["eval", "escalation", str(DATA_DIR / name), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["precision"] >= GOAL and report["recall"] >= GOAL, report
    assert 0.0 <= report["severity_accuracy"] <= 1.0
    assert report["severity_labels"] == ["critical", "high", "medium", "low"]
    assert sum(map(sum, report["severity_confusion"])) == report["questions"]


def test_the_sets_are_big_enough_and_separate():
    rows = {name: [json.loads(line) for line in (DATA_DIR / name).read_text().splitlines() if line.strip()]
            for name in ("escalation_dev.jsonl", "escalation_test.jsonl")}
    assert len(rows["escalation_dev.jsonl"]) >= 150 and len(rows["escalation_test.jsonl"]) >= 60
    subjects = [{r["subject"] for r in rs} for rs in rows.values()]
    assert not subjects[0] & subjects[1], "the held-out set shares no question with the dev set"
    for rs in rows.values():
        assert 0.3 < sum(r["escalate"] for r in rs) / len(rs) < 0.7


def test_the_text_report_prints_the_confusion_matrix():
    result = CliRunner().invoke(main, ["eval", "escalation", str(DATA_DIR / "escalation_test.jsonl"), "--errors"])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "severity confusion" in result.output
    rows = [line.split() for line in result.output.splitlines()]
    matrix = {row[0]: [int(n) for n in row[1:]] for row in rows if len(row) == 5 and all(n.isdigit() for n in row[1:])}
    assert list(matrix) == ["critical", "high", "medium", "low"]
    assert sum(map(sum, matrix.values())) == 76


def test_a_bad_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"subject": "a", "body": "b", "escalate": true, "severity": "high"}\n{"subject": "c", "escalate": "yes"}\n')
    result = CliRunner().invoke(main, ["eval", "escalation", str(path)])
    assert result.exit_code != 0 and "bad.jsonl:2" in result.output
