"""Recognise one JSX/HTML tag, attributes and all (quoted strings, nested {...})."""

from __future__ import annotations

import re
from dataclasses import dataclass

TAG_NAME = re.compile(r"[A-Za-z][\w.\-]*")
ATTR_NAME = re.compile(r"[\w:.\-$@]+")
UNQUOTED_VALUE = re.compile(r"[^\s>]+")
WHITESPACE = re.compile(r"\s*")
BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass
class Tag:
    name: str  # "" for fragments <> </>
    closing: bool
    self_closing: bool
    attrs: dict[str, str | None]
    end: int  # index just past ">"


def parse_tag(s: str, i: int) -> Tag | None:
    """Parse a JSX/HTML tag at s[i] == "<"; None when it is not a tag (e.g. `a < b`, autolinks)."""
    j = i + 1
    closing = s.startswith("/", j)
    if closing:
        j += 1
    if s.startswith(">", j):
        return Tag("", closing, False, {}, j + 1)
    m = TAG_NAME.match(s, j)
    if not m:
        return None
    name, j = m.group(), m.end()
    if j < len(s) and not (s[j].isspace() or s[j] in "/>"):
        return None
    attrs: dict[str, str | None] = {}
    while j < len(s):
        ws = WHITESPACE.match(s, j)
        if BLANK_LINE.search(ws.group()):
            return None  # a blank line means this was prose, not a tag
        j = ws.end()
        if j >= len(s):
            return None
        if s[j] == ">":
            return Tag(name, closing, False, attrs, j + 1)
        if s.startswith("/>", j):
            return Tag(name, closing, True, attrs, j + 2)
        if s[j] == "{":  # spread attribute {...props}
            j = skip_braces(s, j)
            if j < 0:
                return None
            continue
        m = ATTR_NAME.match(s, j)
        if not m:
            return None
        key, j = m.group(), m.end()
        k = WHITESPACE.match(s, j).end()
        if not s.startswith("=", k):
            attrs[key] = None
            continue
        k = WHITESPACE.match(s, k + 1).end()
        if k >= len(s):
            return None
        if s[k] in "\"'":
            end = s.find(s[k], k + 1)
            if end < 0:
                return None
            attrs[key], j = s[k + 1 : end], end + 1
        elif s[k] == "{":
            j = skip_braces(s, k)
            if j < 0:
                return None
            attrs[key] = None  # JS expression: nothing readable
        else:
            v = UNQUOTED_VALUE.match(s, k)
            if not v:
                return None
            attrs[key], j = v.group(), v.end()
    return None


def skip_braces(s: str, i: int) -> int:
    """Index after the `}` matching s[i] == "{", or -1."""
    depth, quote, j = 0, "", i
    while j < len(s):
        c = s[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return -1
