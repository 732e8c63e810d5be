"""Side-by-side reports of systems x metrics, as an aligned text table and as JSON.

``results`` maps system name -> {metric name -> value}. Values stay raw fractions everywhere;
metrics listed in ``percent`` are only *displayed* x100 (2 decimals, as SemEval prints MRR),
the rest with 3 decimals. A missing or NaN value shows as "-" (JSON null).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

Results = Mapping[str, Mapping[str, float | None]]


def _metric_order(results: Results, metrics: Sequence[str] | None) -> list[str]:
    if metrics is not None:
        return list(metrics)
    # First-seen order keeps the caller's intended column order without a separate list.
    return list(dict.fromkeys(m for row in results.values() for m in row))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: float | None, *, percent: bool = False) -> str:
    """3 decimals, or x100 with 2 decimals when ``percent``; "-" when missing."""
    if _missing(value):
        return "-"
    return f"{value * 100:.2f}" if percent else f"{value:.3f}"


def format_table(
    results: Results,
    metrics: Sequence[str] | None = None,
    *,
    percent: Collection[str] = (),
    title: str | None = None,
) -> str:
    """Plain-text table: one row per system, one right-aligned column per metric.

    Headers of ``percent`` metrics get a " x100" suffix so nobody reads 76.67 as a fraction.
    """
    columns = _metric_order(results, metrics)
    headers = ["system", *(f"{m} x100" if m in percent else m for m in columns)]
    rows = [
        [name, *(format_value(scores.get(m), percent=m in percent) for m in columns)]
        for name, scores in results.items()
    ]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:]))
        return "  ".join([first, *rest]).rstrip()

    out = [title] if title else []
    out += [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    return "\n".join(out)


def print_table(
    results: Results,
    metrics: Sequence[str] | None = None,
    *,
    percent: Collection[str] = (),
    title: str | None = None,
) -> None:
    print(format_table(results, metrics, percent=percent, title=title))


def to_json_obj(
    results: Results,
    metrics: Sequence[str] | None = None,
    *,
    percent: Collection[str] = (),
    title: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The same table as a JSON-ready dict, with raw (unscaled, unrounded) values."""
    columns = _metric_order(results, metrics)
    return {
        "title": title,
        "metrics": columns,
        "displayed_x100": [m for m in columns if m in percent],
        "systems": {
            name: {m: None if _missing(scores.get(m)) else float(scores[m]) for m in columns}  # type: ignore[arg-type]
            for name, scores in results.items()
        },
        "meta": dict(meta or {}),
    }


def dump_json(
    results: Results,
    path: str | Path,
    metrics: Sequence[str] | None = None,
    *,
    percent: Collection[str] = (),
    title: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> None:
    """Write :func:`to_json_obj` to ``path`` (UTF-8, indented, stable key order)."""
    obj = to_json_obj(results, metrics, percent=percent, title=title, meta=meta)
    Path(path).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
