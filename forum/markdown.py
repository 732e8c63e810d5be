"""User Markdown to safe HTML: raw HTML is never passed through and only safe link schemes survive."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

SAFE_SCHEMES = ("http:", "https:", "mailto:")
LINK_REL = "nofollow ugc noopener"
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"), so we do too.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(url: str) -> bool:
    """Relative URLs and a small allow-list of schemes; everything else (javascript:, data:, ...) is dropped."""
    squashed = _IGNORED_IN_SCHEME.sub("", url)
    match = _SCHEME.match(squashed)
    if match is None:
        return True
    return f"{match.group(1).lower()}:" in SAFE_SCHEMES


def _render_link_open(self: RendererHTML, tokens: list[Token], idx: int, options, env) -> str:
    tokens[idx].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.validateLink = is_safe_url
    md.add_render_rule("link_open", _render_link_open)
    return md


@lru_cache(maxsize=1)
def _text_parser() -> MarkdownIt:
    # Plain text needs no links made from bare URLs; skipping linkify halves the cost of an excerpt.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


def render_markdown(source: str) -> str:
    return _parser().render(source)


#: Texts up to this size are remembered once converted: suggestions show the same answers and docs
#: sections to many drafts (bounded: 4,096 entries of at most 4 KB each).
_CACHED_TEXT_CHARS = 4096


def markdown_to_text(source: str) -> str:
    """Plain text for embeddings and excerpts: the rendered text without tags, code kept."""
    return _cached_plain_text(source) if len(source) <= _CACHED_TEXT_CHARS else _plain_text(source)


@lru_cache(maxsize=4096)
def _cached_plain_text(source: str) -> str:
    return _plain_text(source)


def _plain_text(source: str) -> str:
    tokens = _text_parser().parse(source)
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            parts.append("".join(_inline_text(child) for child in token.children))
        elif token.type in {"fence", "code_block"}:
            parts.append(token.content.strip())
    return "\n".join(part for part in parts if part)


def _inline_text(token: Token) -> str:
    if token.type in {"text", "code_inline"}:
        return token.content
    # A line break inside a paragraph still separates words.
    if token.type in {"softbreak", "hardbreak"}:
        return " "
    return ""
