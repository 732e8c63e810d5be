"""Assessing questions into support cases, routing them, and the automated reply.

Runs in job handlers (forum/support/jobs.py), inside the worker's transaction: it only flushes.
"""

from __future__ import annotations

import logging
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.embeddings.service import ModelSwitchError
from forum.jobs.queue import enqueue
from forum.models import Responder, SupportCase
from forum.replies import service as replies
from forum.replies.schemas import ReplyIn
from forum.settings import Settings
from forum.suggestions.service import ANSWERED, docs_suggestions, encode_query, question_suggestions, rank_questions
from forum.support import cases, clock, repository
from forum.support.assessment import Assessment, Evidence, assess
from forum.support.repository import QuestionFacts
from forum.support.targets import priority_for, week_start

log = logging.getLogger(__name__)

AUTO_REPLY = "support_auto_reply"


async def gather_evidence(session: AsyncSession, settings: Settings, facts: QuestionFacts) -> tuple[Evidence, dict[str, Any]]:
    """What the suggestions offer for the question (kept for tickets) and what the signals need."""
    question = facts.question
    shown_while_asking = await repository.impression_for(session, question.id)
    try:
        query = await encode_query(session, settings, question.subject, question.body)
    except ModelSwitchError as exc:
        # Without a model the text signals still work; the queue must not lose the question.
        log.warning("question %d assessed without suggestions: %s", question.id, exc)
        return Evidence(), {"questions": [], "docs": [], "shown_while_asking": shown_while_asking}
    found = await question_suggestions(session, settings, query, exclude_ids=[question.id])
    docs = await docs_suggestions(session, settings, query)
    matches = [(q.similarity, q.subject) for q in found if q.status in ANSWERED]
    matches += [(d.similarity, " › ".join([d.page_title, *([d.heading] if d.heading else [])])) for d in docs]
    if matches:
        best, best_what = max(matches)
    elif await repository.has_answers_or_docs(session, question.id):
        best, best_what = 0.0, None
    else:
        best, best_what = None, None
    repeat = None
    recent = await repository.recent_question_ids(session, question.author_id, question.id, settings.support_repeat_days)
    if recent:
        ranked = await rank_questions(session, settings, query, limit=1, only_ids=recent, systems=("vector",))
        if ranked and ranked[0].similarity is not None:
            repeat = (ranked[0].key, await repository.question_subject(session, ranked[0].key) or "", ranked[0].similarity)
    suggestions = {
        "questions": [
            {"id": q.id, "permalink": q.permalink, "subject": q.subject, "status": q.status, "similarity": q.similarity} for q in found
        ],
        "docs": [{"url": d.url, "page_title": d.page_title, "heading": d.heading, "similarity": d.similarity} for d in docs],
        "shown_while_asking": shown_while_asking,
    }
    return Evidence(best, best_what, repeat), suggestions


async def route(session: AsyncSession, settings: Settings, facts: QuestionFacts, responder: str) -> tuple[int | None, int | None]:
    """(team, owner): customer success as a team; the topic team's hero of this week; else the topic team."""
    topic_team = next((t.team_id for t in facts.topics if t.team_id is not None), None)
    if responder == Responder.CUSTOMER_SUCCESS:
        success = await repository.team_by_slug(session, settings.support_customer_success_team)
        return (success.id if success else topic_team), None
    if responder == Responder.SUPPORT_HERO and topic_team is not None:
        return topic_team, await repository.hero_for(session, topic_team, week_start())
    return topic_team, None


async def assess_question(session: AsyncSession, settings: Settings, question_id: int, *, follow_up: bool = True) -> SupportCase | None:
    """Create or refresh the question's case. Routing a person chose (claim, hand-over) is kept.

    Without `follow_up`, the case is all: no automated reply is queued and no ticket is opened (the
    demo's history is triaged that way)."""
    facts = await repository.question_facts(session, question_id)
    if facts is None:
        return None  # deleted meanwhile
    question = facts.question
    evidence, suggestions = await gather_evidence(session, settings, facts)
    result = assess(question.subject, question.body, settings, evidence)
    priority = priority_for(facts.organisation.plan if facts.organisation else None, settings)
    cell = await repository.target(session, result.severity, priority)
    responder = cell.responder if cell else Responder.SUPPORT_HERO.value
    minutes = cell.respond_within_minutes if cell else None

    case = await repository.get_case(session, question_id, for_update=True)
    new = case is None
    hand_routed = not new and await repository.was_routed_by_hand(session, question_id)
    if case is None:
        case = SupportCase(question_id=question_id, state="open", docs_gap=False, auto_replied=False)
        session.add(case)
    now = datetime.now(UTC)
    case.escalation_score = result.score
    case.reasons = result.reasons()
    case.flagged = result.flagged or hand_routed
    case.severity, case.priority, case.responder = result.severity, priority, responder
    case.due_at = question.created_at + timedelta(minutes=minutes) if minutes else None
    case.suggestions = suggestions
    case.assessed_at = case.updated_at = now
    if not hand_routed:
        case.team_id, case.owner_id = await route(session, settings, facts, responder)
    if new:
        replied_at = await repository.first_staff_reply_at(session, question_id)
        if replied_at is not None:
            case.first_response_at = replied_at
            clock.stop(case, replied_at)
            case.state = "responded"
    await session.flush()
    await repository.add_event(session, question_id, "assessed" if new else "reassessed", None, _summary(result, case))
    if follow_up:
        await _follow_up(session, settings, case, result)
    return case


def _summary(result: Assessment, case: SupportCase) -> dict[str, Any]:
    return {
        "score": result.score, "flagged": case.flagged, "severity": case.severity, "priority": case.priority,
        "responder": case.responder, "team_id": case.team_id, "owner_id": case.owner_id,
        "due_at": case.due_at.isoformat() if case.due_at else None, "signals": [s.signal for s in result.signals],
    }


async def _follow_up(session: AsyncSession, settings: Settings, case: SupportCase, result: Assessment) -> None:
    if case.state != "open":
        return
    if case.responder == Responder.AUTOMATED and not case.flagged and not case.auto_replied:
        delay = settings.support_auto_reply_delay_minutes
        # No delay: due at the database's now(), which the queue compares against.
        run_at = datetime.now(UTC) + timedelta(minutes=delay) if delay > 0 else None
        await enqueue(session, AUTO_REPLY, {"question_id": case.question_id}, dedupe_key=f"{AUTO_REPLY}:{case.question_id}", run_at=run_at)
    if settings.support_auto_convert and case.flagged and result.score >= settings.support_auto_convert_min_score:
        if await repository.ticket_for(session, case.question_id) is None:
            reasons = ", ".join(f"{s.signal} ({s.evidence})" for s in result.signals if s.weight > 0)
            message = f"Converted automatically: escalation score {result.score:.2f}. Signals: {reasons}."
            await cases.create_ticket(session, settings, None, case, message)


# -- the automated reply --------------------------------------------------------------------------


def _label(text: str) -> str:
    # A bracket in a title would end the Markdown link text early.
    return text.replace("[", "\\[").replace("]", "\\]")


def render_auto_reply(settings: Settings, subject: str, suggestions: dict[str, Any]) -> str:
    base = settings.site_base_url.rstrip("/")
    docs = [
        f"- [{_label(d['page_title'] + (' › ' + d['heading'] if d.get('heading') else ''))}]"
        f"({base + d['url'] if d['url'].startswith('/') else d['url']})"
        for d in suggestions.get("docs", [])
    ]
    answered = [
        f"- [{_label(q['subject'])}]({base}/questions/{q['permalink']})"
        for q in suggestions.get("questions", []) if q.get("status") in ANSWERED
    ]
    template = string.Template(settings.support_auto_reply_template.read_text(encoding="utf-8"))
    return template.safe_substitute(
        subject=subject,
        docs="\n".join(docs) or "- No docs page matched closely; the docs search may find it under the feature's name.",
        questions="\n".join(answered) or "- None yet: you may be the first to ask this.",
    ).strip()


async def post_auto_reply(session: AsyncSession, settings: Settings, question_id: int) -> bool:
    """Post the automated reply unless the case changed meanwhile or someone answered first."""
    case = await repository.get_case(session, question_id, for_update=True)
    if (
        case is None or case.responder != Responder.AUTOMATED or case.flagged or case.auto_replied
        or case.state != "open" or case.clock_stopped_at is not None
    ):
        return False
    facts = await repository.question_facts(session, question_id)
    assert facts is not None  # the case cascades with its question
    question = facts.question
    if not question.published or question.archived or question.locked:
        await repository.add_event(session, question_id, "auto_reply_skipped", None, {"reason": "not open for replies"})
        return False
    if await repository.has_reply_by_others(session, question_id):
        await repository.add_event(session, question_id, "auto_reply_skipped", None, {"reason": "answered by the community first"})
        return False
    bot = await repository.bot_profile(session, settings.support_bot_email, settings.support_bot_name)
    body = render_auto_reply(settings, question.subject, case.suggestions or {})
    reply = await replies.post(session, bot, str(question_id), ReplyIn(body=body))
    case.auto_replied = True
    case.first_response_at = reply.created_at
    clock.stop(case, reply.created_at)
    case.state = "responded"
    case.updated_at = reply.created_at
    await session.flush()
    await repository.add_event(session, question_id, "auto_replied", bot.id, {"reply_id": reply.id})
    return True
