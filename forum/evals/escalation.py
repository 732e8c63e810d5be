"""`forum eval escalation FILE.jsonl [--json]`: does the support assessment flag the right questions?

Each line is {"subject", "body", "escalate": bool, "severity": "critical"|"high"|"medium"|"low"}.
Labels: escalate means the question needs someone with account access or engineering (billing,
invoices, plan changes, data deletion, access, bug reports, outages, data loss, security);
how-to, feature and general pricing questions do not, and are severity "low".

Every question goes through forum.support.assessment.assess, the function the assessment job
calls, with the database evidence computed as absent: no "no good match" signal (there is no
docs index or answered question to compare with) and no "repeated asking" (no history). Those
two signals can only add to a score, so in the product the recall is at least what this prints,
and precision may be lower where the docs have gaps. No database is needed.

Two files ship under forum/evals/data/: escalation_dev.jsonl (the weights and patterns were
tuned on it) and escalation_test.jsonl (written first and never tuned on).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from forum.evals.metrics import accuracy, confusion_matrix, precision_recall_f1
from forum.settings import Settings
from forum.support.assessment import SEVERITIES, assess

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Labelled:
    line: int
    subject: str
    body: str
    escalate: bool
    severity: str


def load(path: Path) -> list[Labelled]:
    items = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("subject"), str) or not isinstance(row.get("escalate"), bool):
            raise click.ClickException(f"{path}:{number}: needs a string 'subject' and a boolean 'escalate'")
        severity = row.get("severity", "low" if not row["escalate"] else None)
        if severity not in SEVERITIES:
            raise click.ClickException(f"{path}:{number}: 'severity' must be one of {', '.join(SEVERITIES)}")
        items.append(Labelled(number, row["subject"], str(row.get("body") or ""), row["escalate"], severity))
    if not items:
        raise click.ClickException(f"{path}: no labelled questions")
    return items


def evaluate(items: list[Labelled], settings: Settings) -> dict[str, Any]:
    predictions = [assess(item.subject, item.body, settings) for item in items]
    truth = [item.escalate for item in items]
    flagged = [p.flagged for p in predictions]
    prf = precision_recall_f1(truth, flagged, positive=True)
    labels, matrix = confusion_matrix([i.severity for i in items], [p.severity for p in predictions], labels=list(SEVERITIES))
    errors = [
        {"line": item.line, "subject": item.subject, "expected": item.escalate, "score": p.score,
         "signals": [s.signal for s in p.signals]}
        for item, p in zip(items, predictions) if item.escalate != p.flagged
    ]
    return {
        "questions": len(items),
        "escalate": sum(truth),
        "precision": prf.precision,
        "recall": prf.recall,
        "f1": prf.f1,
        "severity_accuracy": accuracy([i.severity for i in items], [p.severity for p in predictions]),
        "severity_labels": labels,
        "severity_confusion": matrix,
        "errors": errors,
    }


def format_report(path: Path, result: dict[str, Any], *, show_errors: bool) -> str:
    lines = [
        f"Escalation, {path.name}: {result['questions']} questions, {result['escalate']} to escalate",
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  f1 {result['f1']:.3f}  "
        f"severity accuracy {result['severity_accuracy']:.3f}",
        "",
        "severity confusion (rows: labelled, columns: assessed)",
        f"{'':>10}" + "".join(f"{label:>10}" for label in result["severity_labels"]),
    ]
    for label, row in zip(result["severity_labels"], result["severity_confusion"]):
        lines.append(f"{label:>10}" + "".join(f"{count:>10}" for count in row))
    if show_errors and result["errors"]:
        lines += ["", "misclassified:"]
        for e in result["errors"]:
            kind = "missed" if e["expected"] else "false alarm"
            lines.append(f"  line {e['line']:>3} {kind:<11} {e['score']:.2f} {e['subject']}  [{', '.join(e['signals'])}]")
    return "\n".join(lines)


@click.command("escalation")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"precision", "recall", "severity_accuracy", ...} as one object.')
@click.option("--errors/--no-errors", "show_errors", default=False, help="List the misclassified questions.")
def escalation_command(file: Path, as_json: bool, show_errors: bool) -> None:
    """Score labelled questions with the support assessment: precision, recall, severity confusion."""
    result = evaluate(load(file), Settings.from_env())
    if as_json:
        if not show_errors:
            result = {k: v for k, v in result.items() if k != "errors"}
        click.echo(json.dumps(result))
    else:
        click.echo(format_report(file, result, show_errors=show_errors))
