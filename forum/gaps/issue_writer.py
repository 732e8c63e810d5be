"""A gap as a docs-improvement issue a docs writer can act on, in Markdown (GitHub flavoured).

The body carries a marker comment with the gap's id, so a retried GitHub delivery finds the
issue it already created instead of opening a second one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from forum.gaps.service import GapDetail
from forum.markdown import markdown_to_text
from forum.settings import Settings

SIGNAL_TEXT = {
    "unanswered": "unanswered",
    "no_solution": "no accepted answer",
    "weak_docs_match": "docs had no close match",
    "support_tagged": "support tagged it a docs gap",
    "suggestions_rejected": "asker rejected the suggested docs",
}
EVIDENCE_SHOWN = 15
EXCERPT_CHARS = 400


@dataclass(frozen=True)
class Issue:
    title: str
    body: str
    labels: list[str]

    def markdown(self) -> str:
        return f"# {self.title}\n\n{self.body}"

    def github_payload(self) -> dict[str, object]:
        return {"title": self.title, "body": self.body, "labels": self.labels}


def marker(gap_id: int) -> str:
    return f"<!-- forum-docs-gap:{gap_id} -->"


@dataclass(frozen=True)
class Links:
    """How questions and docs pages are linked: the website's URLs (or another site's, for an evaluation)."""

    question: Callable[[int, str], str]
    site: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        base = settings.site_base_url.rstrip("/")
        return cls(lambda _id, permalink: f"{base}/questions/{permalink}", base)

    def docs(self, url: str) -> str:
        return url if re.match(r"^https?://", url) or not self.site else f"{self.site}{url}"


def _day(value: datetime | str) -> str:
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).date().isoformat()


def excerpt(markdown: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(markdown_to_text(markdown).split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(heading_path: list[str], page_title: str) -> str:
    return " › ".join([page_title, *[h for h in heading_path if h != page_title]])


def summary(detail: GapDetail) -> str:
    """What people ask, in a sentence or two."""
    gap, central = detail.gap, detail.central
    counts = detail.signal_counts()
    parts = [f"{SIGNAL_TEXT[name]} ({count})" for name, count in counts.most_common() if name in SIGNAL_TEXT]
    asked = f"{len(detail.members)} questions"
    if detail.members:
        first = min(m.created_at for m in detail.members)
        last = max(m.created_at for m in detail.members)
        asked += f" asked between {_day(first)} and {_day(last)}" if _day(first) != _day(last) else f" asked on {_day(first)}"
    escalated = sum(m.escalated for m in detail.members)
    lines = [
        f"{asked} come back to the same topic: **{central.subject if central else gap.title}**"
        + (f" ({', '.join(f'`{t}`' for t in gap.terms)})." if gap.terms else "."),
        f"Why they count as a gap: {', '.join(parts)}." if parts else "",
        f"{escalated} of them became support tickets." if escalated else "",
    ]
    return " ".join(line for line in lines if line)


def render(detail: GapDetail, links: Links) -> Issue:
    gap = detail.gap
    out = [marker(gap.id), "", "## Summary", "", summary(detail), ""]
    if gap.possibly_addressed and gap.addressed_by:
        chunk = gap.addressed_by
        out += [
            f"> **Possibly addressed:** [{_section(chunk['heading_path'], chunk['page_title'])}]({links.docs(chunk['url'])}) "
            f"changed on {_day(chunk['updated_at'])} and now matches these questions (similarity {chunk['similarity']:.2f}). "
            "Check it before writing anything new.",
            "",
        ]

    out += ["## Evidence", "", "| Asked | Question | Why it counts | Views |", "| --- | --- | --- | ---: |"]
    for member in detail.members[:EVIDENCE_SHOWN]:
        why = ", ".join(SIGNAL_TEXT.get(s, s) for s in member.signals) + (", escalated to support" if member.escalated else "")
        out.append(
            f"| {_day(member.created_at)} | [{_cell(member.subject)}]({links.question(member.question_id, member.permalink)}) "
            f"| {why} | {member.views} |"
        )
    if len(detail.members) > EVIDENCE_SHOWN:
        out.append(f"\n…and {len(detail.members) - EVIDENCE_SHOWN} more.")
    out.append("")

    out += ["## Where the answer belongs", ""]
    if gap.placement:
        out.append("The closest docs sections today (extend one of them, or add a section beside it):")
        out.append("")
        for place in gap.placement:
            out.append(
                f"- [{_section(place['heading_path'], place['page_title'])}]({links.docs(place['url'])}) "
                f"(similarity {place['similarity']:.2f}): {place['snippet']}"
            )
    else:
        where = gap.area or (gap.terms[0] if gap.terms else "the docs")
        out.append(f"Nothing in the docs comes close: **new page under {where}**.")
    out.append("")

    out += ["## Proposed outline", ""]
    out += [f"{n}. {heading}" for n, heading in enumerate(detail.outline, start=1)] or ["1. Overview"]
    out.append("")

    out += ["## Answers already given", ""]
    if detail.answers:
        subjects = {m.question_id: m for m in detail.members}
        for answer in detail.answers:
            question = subjects.get(answer.question_id)
            source = f"[{_cell(question.subject)}]({links.question(question.question_id, question.permalink)})" if question else "a question"
            tags = [t for t, on in (("support", answer.staff), ("accepted", answer.accepted)) if on]
            if answer.votes:
                tags.append(f"{answer.votes:+d} votes")
            out.append(f"- {answer.author}{' (' + ', '.join(tags) + ')' if tags else ''} on {source}, {_day(answer.created_at)}:")
            out.append(f"  > {excerpt(answer.body)}")
    else:
        out.append("None yet: nobody has answered these questions.")
    out += [
        "",
        "---",
        f"Found by the forum's docs-gap detection (gap {gap.id}, score {gap.score:.2f}, first seen {_day(gap.first_seen_at)}).",
    ]
    return Issue(gap.title, "\n".join(out) + "\n", [])


def slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:60].strip("-") or "gap"
