"""Insert the demo community (community.yaml) through the ORM models, with every counter consistent.

Loading is idempotent: teams, topics, organisations and profiles that exist are reused, and a demo
question whose permalink is taken is skipped, so running `forum demo load` twice adds nothing.
The caller owns the transaction; this only flushes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from forum.auth import tokens
from forum.demo import repository
from forum.embeddings.repository import EMBED_QUESTION
from forum.jobs.queue import enqueue
from forum.markdown import render_markdown
from forum.models import (
    Organisation,
    Profile,
    Question,
    QuestionTopic,
    QuestionVote,
    Reply,
    ReplyVote,
    SpamReport,
    Team,
    Topic,
    TopicGroup,
)
from forum.questions.repository import refresh_status
from forum.slugs import slugify
from forum.support.targets import ASSESS_QUESTION

DATA_FILE = Path(__file__).with_name("community.yaml")

# Demo reputation, so profile pages do not all show 0.
REPUTATION_PER_REPLY_UPVOTE = 10
REPUTATION_PER_REPLY_DOWNVOTE = -2
REPUTATION_PER_SOLUTION = 15
REPUTATION_PER_QUESTION_UPVOTE = 5


@dataclass
class DemoSummary:
    profiles: int = 0
    topics: int = 0
    questions: int = 0
    replies: int = 0
    question_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.profiles} profiles, {self.topics} topics, {self.questions} questions, {self.replies} replies"


@lru_cache(maxsize=1)
def demo_data() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


@lru_cache(maxsize=1)
def _demo_password_hash(password: str) -> str:
    # One argon2 hash for every demo account: they share a password, and hashing is slow on purpose.
    return tokens.hash_password(password)


async def load_demo(session: AsyncSession, *, if_empty: bool = False, now: datetime | None = None) -> DemoSummary | None:
    """Returns what was inserted, or None when if_empty and the forum already has questions."""
    if if_empty and await repository.has_questions(session):
        return None
    data = demo_data()
    now = now or datetime.now(UTC)
    summary = DemoSummary()
    teams = await _teams(session, data["teams"])
    groups = await _topic_groups(session, data["topic_groups"])
    topics = await _topics(session, data["topics"], teams, groups, summary)
    organisations = await _organisations(session, data["organisations"])
    profiles = await _profiles(session, data, teams, organisations, summary)
    await _questions(session, data["questions"], profiles, topics, now, summary)
    return summary


async def _teams(session: AsyncSession, specs: list[dict]) -> dict[str, Team]:
    found = await repository.rows_by_key(session, Team, Team.slug, [s["slug"] for s in specs])
    for spec in specs:
        if spec["slug"] not in found:
            found[spec["slug"]] = Team(slug=spec["slug"], name=spec["name"])
            session.add(found[spec["slug"]])
    await session.flush()
    return found


async def _topic_groups(session: AsyncSession, specs: list[dict]) -> dict[str, TopicGroup]:
    found = await repository.rows_by_key(session, TopicGroup, TopicGroup.slug, [s["slug"] for s in specs])
    for spec in specs:
        if spec["slug"] not in found:
            found[spec["slug"]] = TopicGroup(slug=spec["slug"], label=spec["label"])
            session.add(found[spec["slug"]])
    await session.flush()
    return found


async def _topics(
    session: AsyncSession, specs: list[dict], teams: dict[str, Team], groups: dict[str, TopicGroup], summary: DemoSummary
) -> dict[str, Topic]:
    found = await repository.rows_by_key(session, Topic, Topic.slug, [s["slug"] for s in specs])
    for spec in specs:
        if spec["slug"] in found:
            continue
        found[spec["slug"]] = Topic(
            slug=spec["slug"],
            label=spec["label"],
            description=spec.get("description"),
            team_id=teams[spec["team"]].id,
            group_id=groups[spec["group"]].id,
        )
        session.add(found[spec["slug"]])
        summary.topics += 1
    await session.flush()
    return found


async def _organisations(session: AsyncSession, specs: list[dict]) -> dict[str, Organisation]:
    by_name = await repository.rows_by_key(session, Organisation, Organisation.name, [s["name"] for s in specs])
    found = {}
    for spec in specs:
        found[spec["key"]] = by_name.get(spec["name"]) or Organisation(name=spec["name"], plan=spec["plan"])
        session.add(found[spec["key"]])
    await session.flush()
    return found


async def _profiles(
    session: AsyncSession,
    data: dict,
    teams: dict[str, Team],
    organisations: dict[str, Organisation],
    summary: DemoSummary,
) -> dict[str, Profile]:
    specs = data["profiles"]
    existing = await repository.profiles_by_email(session, [s["email"] for s in specs])
    password_hash = _demo_password_hash(data["password"])
    found = {}
    for spec in specs:
        profile = existing.get(spec["email"].lower())
        if profile is None:
            profile = Profile(
                email=spec["email"],
                password_hash=password_hash,
                display_name=spec["name"],
                bio=spec.get("bio"),
                role=spec.get("role", "member"),
                team_id=teams[spec["team"]].id if "team" in spec else None,
                organisation_id=organisations[spec["org"]].id if "org" in spec else None,
                reputation=0,
            )
            session.add(profile)
            summary.profiles += 1
        found[spec["key"]] = profile
    await session.flush()
    return found


async def _questions(
    session: AsyncSession,
    specs: list[dict],
    profiles: dict[str, Profile],
    topics: dict[str, Topic],
    now: datetime,
    summary: DemoSummary,
) -> None:
    taken = await repository.taken_permalinks(session, [slugify(s["subject"]) for s in specs])
    # Voters are the regular demo members and staff, never the spam account.
    voters = [p for key, p in profiles.items() if key != "spammer"]
    gained: dict[int, int] = {}
    for spec in specs:
        permalink = slugify(spec["subject"])
        if permalink in taken:
            continue
        question = await _question(session, spec, permalink, profiles, topics, voters, now, gained)
        summary.questions += 1
        summary.replies += len(spec.get("replies", []))
        summary.question_ids.append(question.id)
    for profile in profiles.values():
        profile.reputation = (profile.reputation or 0) + gained.get(profile.id, 0)
    await session.flush()


async def _question(
    session: AsyncSession,
    spec: dict,
    permalink: str,
    profiles: dict[str, Profile],
    topics: dict[str, Topic],
    voters: list[Profile],
    now: datetime,
    gained: dict[int, int],
) -> Question:
    author = profiles[spec["author"]]
    created = now - timedelta(days=spec["days_ago"])
    question = Question(
        permalink=permalink,
        subject=spec["subject"],
        body=spec["body"],
        body_html=render_markdown(spec["body"]),
        author_id=author.id,
        page_slugs=spec.get("page_slugs", []),
        published=spec.get("published", True),
        created_at=created,
        updated_at=created,
        active_at=created,
    )
    session.add(question)
    await session.flush()
    pinned_in = set(spec.get("pinned_in", []))
    for slug in spec["topics"]:
        session.add(QuestionTopic(question_id=question.id, topic_id=topics[slug].id, pinned=slug in pinned_in))

    question_voters = _pick(voters, spec.get("upvotes", 0), exclude=author)
    session.add_all(QuestionVote(question_id=question.id, profile_id=p.id, created_at=created) for p in question_voters)
    question.upvote_count = len(question_voters)
    gained[author.id] = gained.get(author.id, 0) + REPUTATION_PER_QUESTION_UPVOTE * len(question_voters)

    replies = [await _reply(session, question, reply_spec, profiles, voters, gained) for reply_spec in spec.get("replies", [])]
    question.reply_count = sum(1 for reply in replies if reply.published)
    question.active_at = max([created, *(reply.created_at for reply in replies)])
    if "solution" in spec:
        solution = replies[spec["solution"]]
        question.resolved_by_id = solution.id
        marked_at = min(now, solution.created_at + timedelta(hours=1))
        question.active_at = max(question.active_at, marked_at)
        gained[solution.author_id] = gained.get(solution.author_id, 0) + REPUTATION_PER_SOLUTION
    if "reported" in spec:
        session.add(
            SpamReport(reporter_id=profiles[spec["reported"]["by"]].id, question_id=question.id, reason=spec["reported"]["reason"])
        )
    await session.flush()
    await refresh_status(session, question.id)
    # Of "question.created", the embedding and the support triage, so the support queue has cases to
    # show; announcing, webhooks, automated replies and tickets are for new questions, not a history.
    await enqueue(session, EMBED_QUESTION, {"question_id": question.id})
    await enqueue(session, ASSESS_QUESTION, {"question_id": question.id, "follow_up": False})
    return question


async def _reply(
    session: AsyncSession, question: Question, spec: dict, profiles: dict[str, Profile], voters: list[Profile], gained: dict[int, int]
) -> Reply:
    author = profiles[spec["author"]]
    up = _pick(voters, spec.get("up", 0), exclude=author)
    down = _pick([v for v in reversed(voters) if v not in up], spec.get("down", 0), exclude=author)
    reply = Reply(
        question_id=question.id,
        author_id=author.id,
        body=spec["body"],
        body_html=render_markdown(spec["body"]),
        published=spec.get("published", True),
        created_at=question.created_at + timedelta(hours=spec["after_hours"]),
        upvotes=len(up),
        downvotes=len(down),
    )
    session.add(reply)
    await session.flush()
    session.add_all(ReplyVote(reply_id=reply.id, profile_id=p.id, value=1) for p in up)
    session.add_all(ReplyVote(reply_id=reply.id, profile_id=p.id, value=-1) for p in down)
    gained[author.id] = (
        gained.get(author.id, 0) + REPUTATION_PER_REPLY_UPVOTE * len(up) + REPUTATION_PER_REPLY_DOWNVOTE * len(down)
    )
    return reply


def _pick(voters: list[Profile], count: int, exclude: Profile) -> list[Profile]:
    eligible = [v for v in voters if v is not exclude]
    if count > len(eligible):
        raise ValueError(f"the demo has only {len(eligible)} possible voters, {count} requested")
    return eligible[:count]
