"""markdown-it-py setup and rendering of its syntax tree back to plain-ish Markdown:
links become their text, images vanish, code is kept (fenced) and flagged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

_BACKTICKS = re.compile(r"`+")


def make_parser() -> MarkdownIt:
    # MDX has no indented code blocks: JSX children are often indented and are prose.
    # HTML is off because the MDX cleaner already removed tags; any "<" left is literal.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("code")


MD = make_parser()


def parse(markdown: str) -> SyntaxTreeNode:
    return SyntaxTreeNode(MD.parse(markdown))


@dataclass
class Rendered:
    text: str
    has_code: bool = False


def inline_text(node: SyntaxTreeNode) -> str:
    """Plain text of a heading or inline node (code and image alt included), as
    mdast's toString gives it, which is what the site's slugger sees."""
    out: list[str] = []
    for child in node.children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            out.append(inline_text(child))
    return "".join(out).strip()


def first_h1(markdown: str) -> str | None:
    for node in parse(markdown).children:
        if node.type == "heading" and node.tag == "h1":
            return inline_text(node) or None
    return None


def render_inline(node: SyntaxTreeNode) -> str:
    out: list[str] = []
    for child in node.children:
        t = child.type
        if t == "text":
            out.append(child.content)
        elif t == "code_inline":
            out.append(code_span(child.content))
        elif t in ("softbreak", "hardbreak"):
            out.append("\n")
        elif t in ("strong", "em", "s"):
            out.append(child.markup + render_inline(child) + child.markup)
        elif t == "link":
            out.append(render_inline(child))
        elif t == "image":
            continue  # screenshots: their alt text is mostly noise for retrieval
        else:
            out.append(render_inline(child))
    return "".join(out)


def render_block(node: SyntaxTreeNode) -> Rendered:
    t = node.type
    if t == "paragraph":
        return Rendered(render_inline(node.children[0]).strip())
    if t == "heading":
        return Rendered("#" * int(node.tag[1]) + " " + render_inline(node.children[0]).strip())
    if t in ("fence", "code_block"):
        return Rendered(fence(node.info.split()[0] if node.info.strip() else "", node.content), has_code=True)
    if t in ("bullet_list", "ordered_list"):
        return _render_list(node)
    if t == "blockquote":
        inner = render_blocks(node.children)
        return Rendered("\n".join("> " + line if line else ">" for line in inner.text.split("\n")), inner.has_code)
    if t == "table":
        rows = [row for row in node.walk() if row.type == "tr"]
        cells = [[render_inline(cell.children[0]).strip() for cell in row.children if cell.children] for row in rows]
        return Rendered("\n".join(" | ".join(row) for row in cells))
    if t in ("hr", "html_block"):
        return Rendered("")
    return render_blocks(node.children)


def render_blocks(nodes: list[SyntaxTreeNode], sep: str = "\n\n") -> Rendered:
    parts = [render_block(n) for n in nodes]
    return Rendered(sep.join(p.text for p in parts if p.text), any(p.has_code for p in parts))


def render_list_items(node: SyntaxTreeNode) -> list[Rendered]:
    """Each item of a list as its own block, so oversize lists split between items."""
    start = int(node.attrGet("start") or 1) if node.type == "ordered_list" else None
    items: list[Rendered] = []
    for n, item in enumerate(node.children):
        prefix = f"{start + n}. " if start is not None else "- "
        body = render_blocks(item.children, sep="\n")
        pad = " " * len(prefix)
        lines = body.text.split("\n")
        text = prefix + "\n".join([lines[0]] + [pad + line if line else "" for line in lines[1:]])
        items.append(Rendered(text.rstrip(), body.has_code))
    return items


def _render_list(node: SyntaxTreeNode) -> Rendered:
    items = render_list_items(node)
    return Rendered("\n".join(i.text for i in items), any(i.has_code for i in items))


def fence(lang: str, code: str) -> str:
    longest = max((len(m) for m in _BACKTICKS.findall(code)), default=0)
    marker = "`" * max(3, longest + 1)
    return f"{marker}{lang}\n{code.rstrip(chr(10))}\n{marker}"


def code_span(code: str) -> str:
    longest = max((len(m) for m in _BACKTICKS.findall(code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"
