"""Split a parsed page into retrieval chunks: one per H2/H3 section, with
oversize sections cut between blocks (paragraphs, list items, code fences)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .markdown import inline_text, parse, render_block, render_list_items
from .parse import Page
from .slug import Slugger, page_url

DEFAULT_MAX_CHARS = 1200
FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,})")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True)
class Chunk:
    page_path: str  # relative to the docs root, e.g. "product-analytics/funnels.mdx"
    page_title: str
    heading_path: list[str]  # headings below the page title; [] for the intro
    url: str  # e.g. "/docs/product-analytics/funnels#graph-type"
    anchor: str | None  # the part after "#", None for the intro
    text: str  # plain-ish Markdown; links reduced to their text, code fenced
    has_code: bool
    ordinal: int = 0  # position within the page
    content_hash: str = field(init=False)  # sha256 of embed_text: unchanged chunks can skip re-embedding

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)  # frozen: the hash can never go stale

    @property
    def breadcrumb(self) -> list[str]:
        return [self.page_title, *self.heading_path]

    @property
    def embed_text(self) -> str:
        """What gets embedded: the breadcrumb gives short sections their context."""
        return " > ".join(self.breadcrumb) + "\n\n" + self.text


@dataclass
class _Block:
    text: str
    has_code: bool = False
    glue: str = "\n\n"  # joins it to the previous block; list items use "\n"
    heading: bool = False  # an H4+ heading: a good place to start a new chunk
    # H4+ headings in effect, as (text, anchor): a chunk starting here links to the innermost.
    sub_path: tuple[tuple[str, str], ...] = ()


@dataclass
class _Section:
    heading_path: list[str]
    anchor: str | None
    blocks: list[_Block] = field(default_factory=list)


def chunk_page(
    page: Page, *, max_chars: int = DEFAULT_MAX_CHARS, url_prefix: str = "/docs", split_level: int = 3
) -> list[Chunk]:
    """Chunks of one page. `split_level` is the deepest heading that starts a new section."""
    base_url = page_url(page.path, url_prefix)
    chunks: list[Chunk] = []
    for section in _sections(page, split_level):
        for blocks in _pack(section.blocks, max_chars):
            text = "".join((b.glue if i else "") + b.text for i, b in enumerate(blocks)).strip()
            sub_path = blocks[0].sub_path
            anchor = (sub_path[-1][1] if sub_path else None) or section.anchor
            if text:
                chunks.append(
                    Chunk(
                        page_path=page.path,
                        page_title=page.title,
                        heading_path=[*section.heading_path, *(t for t, _ in sub_path)],
                        url=f"{base_url}#{anchor}" if anchor else base_url,
                        anchor=anchor,
                        text=text,
                        has_code=any(b.has_code for b in blocks),
                        ordinal=len(chunks),
                    )
                )
    return chunks


def _sections(page: Page, split_level: int) -> list[_Section]:
    tree = parse(page.body)
    # Anchors count every heading on the page, in order, as the site's slugger does.
    slugger = Slugger()
    slugs = {id(n): slugger.slug(inline_text(n)) for n in tree.walk() if n.type == "heading"}
    sections = [_Section([], None)]
    stack: list[tuple[int, str]] = []  # H2/H3 path
    sub: list[tuple[int, str, str]] = []  # H4+ path inside the current section
    for node in tree.children:
        if node.type == "heading":
            level, text, anchor = int(node.tag[1]), inline_text(node), slugs[id(node)]
            if level == 1 and len(sections) == 1 and not sections[0].blocks:
                continue  # the page's own title
            if level <= split_level:
                level = max(level, 2)  # a stray extra H1 acts as a top-level section
                stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, text)]
                sections.append(_Section([t for _, t in stack], anchor or None))
                sub = []
                continue
            sub = [h for h in sub if h[0] < level] + [(level, text, anchor)]
        sub_path = tuple((t, a) for _, t, a in sub)
        blocks = sections[-1].blocks
        if node.type in ("bullet_list", "ordered_list"):
            items = render_list_items(node)
            for i, r in enumerate(items):
                if r.text:
                    blocks.append(_Block(r.text, r.has_code, "\n" if i else "\n\n", sub_path=sub_path))
        else:
            r = render_block(node)
            if r.text:
                blocks.append(_Block(r.text, r.has_code, heading=node.type == "heading", sub_path=sub_path))
    return sections


def _pack(blocks: list[_Block], max_chars: int) -> list[list[_Block]]:
    """Fill chunks without cutting a block, unless the block alone is too big."""
    units = [piece for b in blocks for piece in _split_oversize(b, max_chars)]
    limit = _balanced_limit(units, max_chars)
    pieces: list[list[_Block]] = []
    cur: list[_Block] = []
    size = 0
    for block in units:
        added = len(block.text) + (len(block.glue) if cur else 0)
        if cur and (size + added > limit or (block.heading and size >= limit // 2)):
            carry = _carry_over(cur, block, max_chars)
            pieces.append(cur[: len(cur) - len(carry)])
            cur = carry
            size = _size(cur)
            added = len(block.text) + (len(block.glue) if cur else 0)
        cur.append(block)
        size += added
    if cur:
        pieces.append(cur)
    return pieces


def _balanced_limit(units: list[_Block], max_chars: int) -> int:
    """Smallest size limit that still needs no more chunks than max_chars does, so
    a section just over the cap splits in even halves, not a full chunk and a scrap."""
    needed = _count_chunks(units, max_chars)
    lo, hi = 1, max_chars
    while lo < hi:
        mid = (lo + hi) // 2
        if _count_chunks(units, mid) <= needed:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _count_chunks(units: list[_Block], limit: int) -> int:
    count, size = 0, 0
    for b in units:
        added = len(b.text) + (len(b.glue) if size else 0)
        if size and size + added > limit:
            count, size = count + 1, 0
            added = len(b.text)
        size += added
    return count + (1 if size else 0)


def _carry_over(cur: list[_Block], nxt: _Block, max_chars: int) -> list[_Block]:
    """Trailing blocks that introduce what follows ("#### Options", "Install it:") move with it,
    as long as they fit with it and do not leave a chunk of bare headings behind."""
    n = 0
    while n < len(cur):
        last = cur[-1 - n]
        if last.heading or (n == 0 and nxt.has_code and not last.has_code and last.text.rstrip().endswith(":")):
            n += 1
        else:
            break
    for k in range(n, 0, -1):
        carry, rest = cur[len(cur) - k :], cur[: len(cur) - k]
        fits = _size([*carry, nxt]) <= max_chars
        if fits and rest and not all(b.heading for b in rest):
            return carry
    return []


def _size(blocks: list[_Block]) -> int:
    return sum(len(b.text) + (len(b.glue) if i else 0) for i, b in enumerate(blocks))


def _split_oversize(block: _Block, max_chars: int) -> list[_Block]:
    if len(block.text) <= max_chars:
        return [block]
    units: list[tuple[str, bool]] = []  # (text, is_code); fences stay whole when they fit
    for unit, is_code in _line_units(block.text):
        if len(unit) <= max_chars:
            units.append((unit, is_code))
        elif is_code:
            units.extend((u, True) for u in _split_fence(unit, max_chars))
        else:
            units.extend((u, False) for u in SENTENCE_END.split(unit))
    out: list[_Block] = []
    for text, is_code in units:
        if out and len(out[-1].text) + 1 + len(text) <= max_chars:
            out[-1].text += "\n" + text
            out[-1].has_code |= is_code
        else:
            out.append(_Block(text, is_code, glue=block.glue if not out else "\n", heading=block.heading and not out))
    return out


def _line_units(text: str) -> list[tuple[str, bool]]:
    """Lines, except that a fenced code block is one unit."""
    units: list[tuple[str, bool]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE_LINE.match(lines[i])
        if not m:
            units.append((lines[i], False))
            i += 1
            continue
        marker = m.group(1)
        j = i + 1
        while j < len(lines) and not re.match(r"^\s*" + re.escape(marker) + r"\s*$", lines[j]):
            j += 1
        units.append(("\n".join(lines[i : j + 1]), True))
        i = j + 1
    return units


def _split_fence(fenced: str, max_chars: int) -> list[str]:
    """Cut an oversize code block between lines, re-fencing every part."""
    lines = fenced.split("\n")
    opener, closer, body = lines[0], lines[-1], lines[1:-1]
    budget = max(max_chars - len(opener) - len(closer) - 2, 1)
    parts: list[list[str]] = [[]]
    size = 0
    for line in body:
        if parts[-1] and size + len(line) + 1 > budget:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += len(line) + 1
    return ["\n".join([opener, *part, closer]) for part in parts]

