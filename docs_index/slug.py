"""Page URLs and heading anchors as posthog.com builds them (github-slugger)."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

# github-slugger strips these Unicode categories; it keeps letters, marks, Nd/Nl
# numbers, connector punctuation ("_"), the ASCII "-" and the plain space.
_STRIPPED = ("No", "Pe", "Pf", "Pi", "Ps", "Po", "Pd", "S", "Cc", "Co", "Cf", "Cn", "Z")


def slugify(text: str) -> str:
    kept = [
        ch
        for ch in text.lower()
        if ch in " -" or ch.isalpha() or not unicodedata.category(ch).startswith(_STRIPPED)
    ]
    return "".join(kept).replace(" ", "-")


class Slugger:
    """Unique slugs within one page: repeats get -1, -2, ... like github-slugger."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = result = slugify(text)
        while result in self._seen:
            self._seen[base] += 1
            result = f"{base}-{self._seen[base]}"
        self._seen[result] = 0
        return result


def page_url(path: str, prefix: str = "/docs") -> str:
    """"product-analytics/funnels.mdx" -> "/docs/product-analytics/funnels"; index pages map to their folder."""
    p = PurePosixPath(path)
    parts = list(p.parent.parts) if p.stem == "index" else [*p.parent.parts, p.stem]
    parts = [part for part in parts if part not in ("", ".")]
    return "/".join([prefix.rstrip("/"), *parts]) or "/"
