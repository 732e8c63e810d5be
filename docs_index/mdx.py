"""Turn MDX into plain Markdown: drop ESM (import/export), strip JSX/HTML tags but
keep their text, inline resolvable snippet imports. Fenced code and inline code
are copied verbatim, so `<Component>` or `import x` inside code survives."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .frontmatter import split_front_matter
from .jsx import BLANK_LINE, Tag, parse_tag
from .markdown import code_span

log = logging.getLogger(__name__)

# Fences may sit inside blockquotes ("> ```js"), as markdown-it allows.
FENCE_OPEN = re.compile(r"^((?:\s*>)*\s*)(`{3,}(?=[^`]*$)|~{3,})")
# Deliberately narrow so prose lines such as "import data from Amplitude" stay text.
IMPORT_START = re.compile(r"""^import\s*(?:['"{*]|[\w$]+\s*(?:,|from\s*['"]))""")
EXPORT_START = re.compile(r"^export\s+(?:const|let|var|function|async|class|default|\{|\*)")
IMPORT_STMT = re.compile(r"""^import\s+(?P<what>[\s\S]+?)\s+from\s*(?P<q>['"])(?P<src>[^'"]+)(?P=q)""")
JSX_SPACE = re.compile(r"""\{\s*(['"])\s*\1\s*\}""")  # {' '}: JSX's explicit space
BACKTICKS = re.compile(r"`+")
CODE_CLOSE = re.compile(r"</code\s*>")

# Their children are not prose, or not worth indexing (tab labels: "Web iOS Android").
DROP_CONTENT = {"script", "style", "svg", "iframe", "video", "audio", "template", "tab.list"}
SNIPPET_SUFFIXES = (".mdx", ".md")


@dataclass
class MdxContext:
    """Where a text came from, so relative snippet imports can be resolved."""

    source: Path | None = None  # file being cleaned
    root: Path | None = None  # snippets must live inside this tree
    label: str = "<text>"  # how warnings name the page
    warnings: list[str] = field(default_factory=list)
    stack: tuple[Path, ...] = ()  # snippets being inlined, to stop cycles

    def warn(self, message: str) -> None:
        message = f"{self.label}: {message}"
        log.warning(message)
        self.warnings.append(message)


def clean_mdx(text: str, ctx: MdxContext | None = None) -> str:
    ctx = ctx or MdxContext()
    segments = _split_segments(text.splitlines())
    snippets: dict[str, str] = {}
    for kind, body in segments:
        if kind == "esm":
            _register_imports(body, ctx, snippets)
    out: list[str] = []
    for kind, body in segments:
        if kind == "code":
            out.append(body)
        elif kind == "prose":
            out.append(_strip_tags(body, snippets))
        else:
            out.append("")  # keep a paragraph break where the ESM block was
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n") + "\n"


def _split_segments(lines: list[str]) -> list[tuple[str, str]]:
    """Group lines into ("prose" | "code" | "esm", text) runs, in order."""
    segments: list[tuple[str, list[str]]] = []

    def add(kind: str, line: str) -> None:
        if segments and segments[-1][0] == kind and kind != "esm":
            segments[-1][1].append(line)
        else:
            segments.append((kind, [line]))

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE_OPEN.match(line)
        if fence:
            indent, marker = fence.group(1), fence.group(2)
            # An indented fence cannot interrupt a paragraph in markdown-it, but can in MDX.
            after_text = bool(segments) and segments[-1][0] == "prose" and bool(segments[-1][1][-1].strip())
            if after_text and ">" not in indent and len(indent.expandtabs(4)) >= 4:
                add("prose", "")
            closer = re.compile(r"^(?:\s*>)*\s*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}\s*$")
            block = [line]
            i += 1
            while i < len(lines):
                block.append(lines[i])
                i += 1
                if closer.match(block[-1]):
                    break
            segments.append(("code", block))
            continue
        if IMPORT_START.match(line) or EXPORT_START.match(line):
            end = _esm_end(lines, i)
            segments.append(("esm", lines[i:end]))
            i = end
            continue
        add("prose", line)
        i += 1
    return [(kind, "\n".join(body)) for kind, body in segments]


def _esm_end(lines: list[str], start: int) -> int:
    """Index after the ESM statement(s) starting at `start`.

    MDX ends an ESM block at a blank line; we also stop early when the next line
    clearly is Markdown again, so a missing blank line does not eat prose."""
    depth = 0
    i = start
    while i < len(lines):
        depth += _bracket_delta(lines[i])
        i += 1
        if depth > 0:
            continue
        if i >= len(lines) or not lines[i].strip():
            return i
        nxt = lines[i]
        if IMPORT_START.match(nxt) or EXPORT_START.match(nxt) or nxt.lstrip().startswith(("#", "<")):
            return i
        if lines[i - 1].rstrip().endswith(";") or IMPORT_STMT.match(lines[i - 1]):
            return i
    return i


def _bracket_delta(line: str) -> int:
    depth, quote, j = 0, "", 0
    while j < len(line):
        c = line[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif line.startswith("//", j):
            break
        elif c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        j += 1
    return depth


def _register_imports(esm: str, ctx: MdxContext, snippets: dict[str, str]) -> None:
    for stmt in re.split(r"(?m)^(?=import\b)", esm):
        m = IMPORT_STMT.match(stmt.strip())
        if not m or not m.group("src").startswith("."):
            continue  # package / site component: nothing to inline
        src, what = m.group("src"), " ".join(m.group("what").split())
        suffix = PurePosixPath(src).suffix
        if suffix and suffix not in SNIPPET_SUFFIXES:
            continue  # an image or other asset, not page content
        default = what.split(",")[0].strip()
        target = _resolve(src, ctx)
        if target is None or not re.fullmatch(r"[A-Za-z_$][\w$]*", default):
            ctx.warn(f"cannot resolve import {src!r} ({what}); its content is skipped")
            continue
        if target in ctx.stack or target == ctx.source:
            ctx.warn(f"snippet import cycle via {src!r}; skipped")
            continue
        snippets[default] = _load_snippet(target, ctx)


def _resolve(src: str, ctx: MdxContext) -> Path | None:
    if ctx.source is None or ctx.root is None:
        return None
    base = ctx.source.parent / src.replace("\\_", "_")  # MDX sources sometimes escape "_"
    if base.suffix in SNIPPET_SUFFIXES:
        candidates = [base]
    else:
        candidates = [Path(f"{base}{s}") for s in SNIPPET_SUFFIXES] + [base / f"index{s}" for s in SNIPPET_SUFFIXES]
    root = ctx.root.resolve()
    for cand in candidates:
        cand = cand.resolve()
        if cand.is_file() and cand.is_relative_to(root):
            return cand
    return None


def _load_snippet(path: Path, ctx: MdxContext) -> str:
    _, body = split_front_matter(path.read_text(encoding="utf-8"))
    sub = MdxContext(source=path, root=ctx.root, label=ctx.label, warnings=ctx.warnings, stack=(*ctx.stack, path))
    return clean_mdx(body, sub)


def _strip_tags(text: str, snippets: dict[str, str]) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "`":
            run = BACKTICKS.match(text, i).end() - i
            close = _find_code_span_end(text, i + run, run)
            if close is None:
                out.append(text[i : i + run])
                i += run
            else:
                out.append(text[i:close])
                i = close
            continue
        if text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            i = n if end < 0 else end + 3
            continue
        if text.startswith("{/*", i):
            end = text.find("*/}", i + 3)
            i = n if end < 0 else end + 3
            continue
        if c == "{" and (space := JSX_SPACE.match(text, i)):
            out.append(" ")
            i = space.end()
            continue
        if c == "<":
            tag = parse_tag(text, i)
            if tag is not None:
                i = _apply_tag(tag, text, out, snippets)
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _find_code_span_end(text: str, start: int, run: int) -> int | None:
    """Index after the closing backtick run, or None (code spans stop at a blank line)."""
    pattern = re.compile(r"(?<!`)`{%d}(?!`)" % run)
    m = pattern.search(text, start)
    if m is None:
        return None
    blank = BLANK_LINE.search(text, start, m.start())
    return None if blank else m.end()


def _apply_tag(tag: Tag, text: str, out: list[str], snippets: dict[str, str]) -> int:
    name = tag.name
    if name == "code" and not tag.self_closing:
        close = CODE_CLOSE.search(text, tag.end)
        if close and not BLANK_LINE.search(text, tag.end, close.start()):
            # HTML <code> becomes a Markdown code span, so it stays marked as code.
            code = " ".join(html.unescape(text[tag.end : close.start()]).split())
            out.append(code_span(code))
            return close.end()
    if tag.closing:
        return tag.end
    if name in snippets:
        out.append("\n\n" + snippets[name] + "\n\n")
        return tag.end
    if name.lower() in DROP_CONTENT and not tag.self_closing:
        close = re.compile(r"</\s*" + re.escape(name) + r"\s*>", re.I).search(text, tag.end)
        return close.end() if close else tag.end
    if name.lower() == "br":
        out.append(" ")  # a newline here would break table rows
    elif not tag.self_closing and name[:1].isupper() and isinstance(tag.attrs.get("title"), str):
        out.append(f"**{tag.attrs['title']}** ")  # callout titles carry meaning
    return tag.end
