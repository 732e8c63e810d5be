import json
import math

from forum.evals.report import dump_json, format_table, format_value, to_json_obj

RESULTS = {
    "IR baseline": {"MAP": 0.7135299, "MRR": 0.7666667},
    "embeddings": {"MAP": 0.75, "MRR": float("nan")},
}


def test_format_value():
    assert format_value(0.71353) == "0.714"
    assert format_value(0.7666667, percent=True) == "76.67"
    assert format_value(None) == "-" and format_value(math.nan) == "-"


def test_format_table_aligned():
    text = format_table(RESULTS, percent={"MRR"}, title="SemEval dev")
    assert text.splitlines() == [
        "SemEval dev",
        "system         MAP  MRR x100",
        "-----------  -----  --------",
        "IR baseline  0.714     76.67",
        "embeddings   0.750         -",
    ]


def test_metric_selection_and_missing():
    text = format_table({"a": {"P@1": 1.0}}, metrics=["P@1", "R@5"])
    assert text.splitlines()[-1] == "a       1.000    -"


def test_json_keeps_raw_values(tmp_path):
    obj = to_json_obj(RESULTS, percent={"MRR"}, meta={"split": "dev"})
    assert obj["metrics"] == ["MAP", "MRR"] and obj["displayed_x100"] == ["MRR"]
    assert obj["systems"]["IR baseline"]["MRR"] == 0.7666667
    assert obj["systems"]["embeddings"]["MRR"] is None
    path = tmp_path / "report.json"
    dump_json(RESULTS, path, percent={"MRR"}, meta={"split": "dev"})
    assert json.loads(path.read_text()) == obj
