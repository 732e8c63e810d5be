"""Read one docs page: front matter, title, and MDX cleaned down to Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .frontmatter import split_front_matter
from .markdown import first_h1
from .mdx import MdxContext, clean_mdx


@dataclass
class Page:
    path: str  # POSIX path relative to the docs root, e.g. "product-analytics/funnels.mdx"
    title: str
    body: str  # cleaned Markdown: no front matter, ESM or JSX
    front_matter: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_page(text: str, path: str, *, source: Path | None = None, root: Path | None = None) -> Page:
    """Parse page text; `source`/`root` let relative snippet imports be inlined."""
    meta, rest = split_front_matter(text)
    ctx = MdxContext(source=source, root=root, label=path)
    body = clean_mdx(rest, ctx)
    title = meta.get("title")
    title = str(title).strip() if title not in (None, "") else first_h1(body) or _title_from_path(path)
    return Page(path=path, title=title, body=body, front_matter=meta, warnings=ctx.warnings)


def read_page(file: Path, root: Path) -> Page:
    rel = file.resolve().relative_to(root.resolve()).as_posix()
    return parse_page(file.read_text(encoding="utf-8"), rel, source=file.resolve(), root=root.resolve())


def _title_from_path(path: str) -> str:
    p = PurePosixPath(path)
    stem = p.parent.name if p.stem == "index" and p.parent.name else p.stem
    return stem.replace("-", " ").replace("_", " ").capitalize()
