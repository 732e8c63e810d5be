"""The `---` YAML block at the top of a page."""

from __future__ import annotations

import re

import yaml

FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
TITLE_LINE = re.compile(r"""^title:[ \t]*(['"]?)(.+?)\1[ \t]*$""", re.M)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter, rest). Malformed YAML still yields its `title:` line."""
    m = FRONT_MATTER.match(text)
    if not m:
        return {}, text.lstrip("\ufeff")
    raw, rest = m.group(1), text[m.end() :]
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        title = TITLE_LINE.search(raw)
        data = {"title": title.group(2).strip()} if title else {}
    return data, rest
