import json
from datetime import timezone

import pytest

from forum.evals import datasets as ds

SE_DIR = "stackexchange/iota.stackexchange.com"


def test_stackexchange_counts_match_readme(shared_data):
    data = ds.load_stackexchange(shared_data(SE_DIR))
    assert (len(data.questions), len(data.answers), len(data.duplicates)) == (920, 1093, 36)
    assert sum(q.accepted_answer_id is not None for q in data.questions) == 405
    assert sum(q.answer_count == 0 for q in data.questions) == 149
    ids = {q.id for q in data.questions}
    assert all(p.question_id in ids and p.duplicate_of_id in ids for p in data.duplicates)
    assert all(a.question_id in ids for a in data.answers)


def test_stackexchange_fields(shared_data):
    data = ds.load_stackexchange(shared_data(SE_DIR))
    first = data.questions[0]
    assert first.id == 1 and first.tags == ("iri-node",) and first.accepted_answer_id == 2
    assert first.created_at.tzinfo is timezone.utc and first.created_at.year == 2017
    assert first.body.startswith("Further, are there a different set")
    assert all("<p>" not in q.body for q in data.questions)
    assert data.answers_by_question()[1][0].is_accepted


def test_stackexchange_body_keeps_code(shared_data):
    data = ds.load_stackexchange(shared_data(SE_DIR))
    with_code = [q for q in data.questions if "netstat -ln | grep 14700" in q.body]
    assert with_code, "code inside <pre><code> should survive the HTML conversion"


def test_semeval_dev(shared_data):
    dev = ds.load_semeval(shared_data("semeval-cqa/dev.jsonl"))
    assert len(dev) == 50 and dev[0].id == "Q268" and dev[-1].id == "Q317"
    related = [r for o in dev for r in o.related]
    assert len(related) == 500
    labels = [r.label for r in related]
    assert (labels.count("PerfectMatch"), labels.count("Relevant"), labels.count("Irrelevant")) == (59, 155, 286)
    # the file order is ascending ir_rank and the id suffix repeats it
    for o in dev:
        assert [r.ir_rank for r in o.related] == sorted(r.ir_rank for r in o.related)
        assert all(r.id.endswith(f"_R{r.ir_rank}") for r in o.related)


def test_semeval_train_counts(shared_data):
    train = ds.load_semeval(shared_data("semeval-cqa/train.jsonl"))
    assert len(train) == 267 and sum(len(o.related) for o in train) == 2669


def test_restore_commas():
    assert ds.restore_commas("Hi Guys; I need a bank") == "Hi Guys, I need a bank"
    rel = ds.RelatedQuestion("Q1_R1", "Bank; loans", "Hi; all", "Relevant", 1)
    assert rel.relevant and rel.text() == "Bank, loans\nHi, all"
    assert rel.subject == "Bank; loans"  # verbatim text is kept on the dataclass


def test_semeval_rejects_unknown_label(tmp_path):
    row = {"id": "Q1", "subject": "s", "body": "", "related": [
        {"id": "Q1_R1", "subject": "s", "body": "", "label": "Maybe", "ir_rank": 1}]}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match="Maybe"):
        ds.load_semeval(path)


def test_docs_relevance(shared_data):
    tutorials = ds.load_docs_relevance(shared_data("posthog-docs"))
    assert len(tutorials) == 42
    assert sum(len(t.relevant) for t in tutorials) == 102
    assert len(set().union(*(t.relevant for t in tutorials))) == 47
    aa = tutorials[0]
    assert aa.title == "How to do A/A testing"
    assert aa.relevant == {"/docs/experiments", "/docs/experiments/running-experiments-without-feature-flags"}
    # every relevant page exists in the corpus under its URL
    docs_root = shared_data("posthog-docs")
    corpus = {ds.docs_file_to_url(str(p.relative_to(docs_root))) for p in (docs_root / "docs").rglob("*.md*")}
    assert all(t.relevant <= corpus for t in tutorials)


def test_docs_url_helpers():
    assert ds.docs_file_to_url("docs/product-analytics/funnels.mdx") == "/docs/product-analytics/funnels"
    assert ds.docs_file_to_url("docs/experiments/index.md") == "/docs/experiments"
    assert ds.normalise_docs_url("/docs/x/y/#anchor?q=1") == "/docs/x/y"
    assert ds.normalise_docs_url("docs/x?utm=1") == "/docs/x"


def test_escalation_labels(tmp_path):
    path = tmp_path / "labels.jsonl"
    rows = [
        {"subject": "Data loss", "body": "All events gone", "escalate": True, "severity": "critical"},
        {"subject": "How to", "body": "Where is X?", "escalate": False, "severity": None},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    labels = ds.load_escalation_labels(path)
    assert labels == [
        ds.EscalationLabel("Data loss", "All events gone", True, "critical"),
        ds.EscalationLabel("How to", "Where is X?", False, None),
    ]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"subject": "s", "body": "b", "escalate": "false", "severity": None}, "escalate"),
        ({"subject": "s", "body": "b", "escalate": True, "severity": "urgent"}, "severity"),
        ({"subject": "s", "escalate": True, "severity": "low"}, "body"),
    ],
)
def test_escalation_labels_are_validated(tmp_path, row, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=message):
        ds.load_escalation_labels(path)
