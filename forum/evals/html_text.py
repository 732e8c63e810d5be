"""HTML to plain text with the standard library, for Stack Exchange post bodies.

Code is kept: on a technical site the code, error messages and API names in a question are
often the most telling words for retrieval.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags that start a new line, so words from adjacent paragraphs or list items don't fuse.
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "pre", "blockquote", "table", "tr",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "dl", "dt", "dd",
}
_SKIP = {"script", "style"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pre_depth = 0
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag == "pre":
            self._pre_depth += 1
            self.parts.append("\n\x00PRE\x00")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")
        elif tag == "td" or tag == "th":
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
            self.parts.append("\x00/PRE\x00\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


_PRE_RE = re.compile(r"\x00PRE\x00(.*?)\x00/PRE\x00", re.DOTALL)


def html_to_text(html: str) -> str:
    """Visible text of ``html``: block tags become line breaks, ``<pre>`` blocks keep their layout,
    other whitespace runs collapse to one space, and blank lines are dropped.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    out: list[str] = []
    pos = 0
    # Whitespace inside <pre> is meaningful (indentation, one command per line); elsewhere it is markup noise.
    for match in _PRE_RE.finditer(raw):
        out.extend(_flow_lines(raw[pos : match.start()]))
        out.extend(line.rstrip() for line in match.group(1).strip("\n").splitlines())
        pos = match.end()
    out.extend(_flow_lines(raw[pos:]))
    return "\n".join(line for line in out if line.strip())


def _flow_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n")]
