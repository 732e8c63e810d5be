"""Seed a benchmark database fast: generated text, COPY, indexes and foreign keys rebuilt once at the end.

The text is generated from a vocabulary of product words (each topic has its own), with a skewed
word frequency, so that full-text search has a realistic mix of common and rare terms to rank.
Everything is deterministic for a given N (fixed random seed), so reruns measure the same data.
"""

from __future__ import annotations

import html
import random
import re
import time
from datetime import UTC, datetime, timedelta

import asyncpg

# Bump when the generated data changes shape, so a cached database from an older bench is reseeded.
SEED_VERSION = 1
PROFILES = 2000
POOL_SIZE = 400

TEAMS = [
    (1, "Product Analytics", "product-analytics"),
    (2, "Session Replay", "session-replay"),
    (3, "Feature Flags", "feature-flags"),
    (4, "Data Platform", "data-platform"),
    (5, "Customer Success", "customer-success"),
]
TOPIC_GROUPS = [(1, "Analyze", "analyze"), (2, "Watch users", "watch"), (3, "Ship and test", "ship"), (4, "Set up", "set-up"), (5, "Account", "account")]

# slug, label, team, group, topic words (the first are the most frequent)
TOPICS: list[tuple[str, str, int, int, list[str]]] = [
    ("product-analytics", "Product analytics", 1, 1,
     ["insight", "trend", "breakdown", "formula", "dashboard", "funnel", "retention", "cohort", "lifecycle", "stickiness",
      "paths", "conversion window", "drop-off", "smoothing", "aggregation", "percentile", "unique users", "weekly active"]),
    ("session-replay", "Session replay", 2, 2,
     ["recording", "replay", "playback", "masking", "console logs", "network tab", "rrweb", "canvas", "iframe", "snapshot",
      "sampling", "minimum duration", "heatmap", "rage click", "dead click", "privacy", "shadow dom", "player"]),
    ("feature-flags", "Feature flags", 3, 3,
     ["feature flag", "rollout", "payload", "multivariate", "variant", "local evaluation", "bootstrap", "release condition",
      "override", "flag key", "targeting", "percentage", "kill switch", "decide endpoint", "flicker", "persistence"]),
    ("experiments", "Experiments", 3, 3,
     ["experiment", "significance", "bayesian", "control group", "test variant", "exposure", "goal metric", "sample size",
      "secondary metric", "holdout", "credible interval", "win probability", "minimum detectable effect", "a/b test"]),
    ("surveys", "Surveys", 1, 2,
     ["survey", "nps", "popover", "question type", "rating", "open text", "survey widget", "response rate", "targeting url",
      "wait period", "branching", "multiple choice", "survey api", "feedback button"]),
    ("data-warehouse", "Data warehouse", 4, 1,
     ["warehouse", "hogql", "sql editor", "join", "view", "stripe source", "postgres source", "bigquery", "snowflake",
      "s3 bucket", "sync schedule", "incremental sync", "schema", "materialized view", "table", "clickhouse"]),
    ("cdp", "Data pipelines", 4, 4,
     ["pipeline", "destination", "webhook", "transformation", "batch export", "hubspot", "salesforce", "slack", "zapier",
      "segment", "geoip", "redshift", "retry", "hog function", "filter", "mapping"]),
    ("sdks", "SDKs and ingestion", 1, 4,
     ["sdk", "javascript", "react", "nextjs", "node", "python", "android", "ios", "flutter", "react native", "autocapture",
      "identify", "alias", "distinct id", "super property", "reverse proxy", "ingestion", "batching", "capture", "group"]),
    ("self-hosting", "Self-hosting", 4, 4,
     ["self-hosted", "docker compose", "kubernetes", "helm chart", "kafka", "clickhouse", "migration", "upgrade", "redis",
      "plugin server", "disk space", "hobby deploy", "tls certificate", "ingress", "backup", "worker"]),
    ("billing", "Billing", 5, 5,
     ["billing", "invoice", "plan", "usage limit", "credit card", "discount", "startup plan", "quota", "overage", "refund",
      "annual contract", "pricing", "seat", "organization owner", "vat", "free tier"]),
]

GENERAL_NOUNS = [
    "events", "users", "properties", "project", "organization", "api key", "token", "environment", "production", "staging",
    "browser", "server", "domain", "cookie", "snippet", "version", "release", "docs", "settings", "team", "person",
    "session", "page", "url", "timestamp", "timezone", "query", "chart", "export", "csv", "filter", "date range",
    "account", "permissions", "role", "sso", "saml", "email", "notification", "alert", "subscription", "integration",
    "app", "website", "landing page", "checkout", "signup", "login", "mobile app", "data", "count", "number",
]
VERBS = [
    "configure", "install", "track", "filter", "export", "migrate", "debug", "upgrade", "deploy", "enable", "disable",
    "query", "sync", "set up", "turn off", "reset", "delete", "rename", "share", "compare", "group", "count", "exclude",
    "test", "connect", "verify", "schedule", "limit",
]
PROBLEMS = [
    "not working", "missing", "duplicated", "very slow", "empty", "wrong", "broken", "delayed", "timing out", "failing",
    "showing zero", "inconsistent", "not updating", "not loading", "double counted", "stuck", "returning 401",
    "returning 500", "blank", "out of sync",
]
PLATFORMS = ["Chrome", "Safari", "Firefox", "Next.js 14", "React 18", "Django", "Rails", "Laravel", "Vue", "Svelte",
             "iOS 17", "Android 14", "Expo", "Cloudflare Workers", "Vercel", "AWS Lambda", "Kubernetes", "Docker"]
FILLER = [
    "Hi team,", "Hello!", "Hey everyone,", "Thanks in advance!", "Any help is appreciated.", "Am I missing something?",
    "This used to work last week.", "I could not find anything in the docs.", "We are on the cloud version.",
    "Happy to share more details.", "Is this a known issue?", "Not sure if this is a bug or a setting.",
]
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Robin", "Drew",
         "Charlie", "Skyler", "Kai", "Noa", "Lena", "Omar", "Priya", "Chen", "Marta", "Tomas", "Ines", "Yuki", "Sofia"]
LAST = ["Smith", "Garcia", "Kim", "Nguyen", "Muller", "Rossi", "Silva", "Khan", "Cohen", "Novak", "Jensen", "Lopez",
        "Ivanova", "Okafor", "Tanaka", "Dubois", "Costa", "Larsen", "Singh", "Moreau"]

SUBJECTS = [
    "How do I {verb} {tw} with {tw2}?",
    "{TW} {problem} after upgrading to {platform}",
    "Is it possible to {verb} {tw} per {noun}?",
    "{TW} shows {problem} {noun} on {platform}",
    "Question about {tw} and {noun}",
    "Can't {verb} {tw} in {platform}",
    "{TW}: {noun} {problem}",
    "Best way to {verb} {noun} for {tw}?",
    "Why is my {tw} {problem}?",
    "{TW} and {tw2} {problem} since yesterday",
]
SENTENCES = [
    "We are using {tw} with {platform} and the {noun} is {problem}.",
    "I followed the docs for {tw} but {tw2} is still {problem}.",
    "Our {noun} has about {num} {noun2} per day, so {tw} matters a lot for us.",
    "When I {verb} the {tw}, the {noun} looks {problem}.",
    "Here is what we call: `posthog.{method}('{key}')` right after the {noun} loads.",
    "Is there a way to {verb} {tw} without touching the {noun}?",
    "The {tw} worked fine in staging, but in production the {noun2} is {problem}.",
    "**Update:** I tried to {verb} the {noun} again and {tw2} is still {problem}.",
    "We also {verb} {tw2} for every {noun}, in case that is related.",
    "Ideally I would like to {verb} the {tw} for each {noun} separately.",
    "I checked the {noun} settings and the {tw} option is enabled.",
    "The numbers in the {tw} do not match what we see in our {noun2}.",
]
REPLIES = [
    "You can {verb} {tw} from the {noun} settings page, under {TW}.",
    "Have you tried to {verb} the {noun} first? {TW} needs it before it picks up {tw2}.",
    "This is a known issue with {tw} on {platform}; a fix is in the next release.",
    "Make sure `{key}` is set before you call `{method}`, otherwise the {noun} is {problem}.",
    "Thanks for the report! I can reproduce the {tw} problem and have opened an issue.",
    "We had the same thing: the {noun} was {problem} until we changed the {tw2}.",
    "Check that the {tw} is not filtered out by your {noun} filter.",
    "That fixed it, thank you! The {tw} is working again.",
    "For {tw}, the docs have a section on {tw2} that explains the {noun} limits.",
    "You need to {verb} the {noun} on the {tw} page and wait a few minutes.",
]
METHODS = ["capture", "identify", "reset", "isFeatureEnabled", "getFeatureFlag", "register", "group", "alias", "startSessionRecording"]

_SLUG = re.compile(r"[^a-z0-9]+")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:120]


def to_html(markdown: str) -> str:
    """The HTML the app's renderer would produce for this simple Markdown (paragraphs, code, bold, fences)."""
    out = []
    for block in markdown.split("\n\n"):
        if block.startswith("```"):
            code = block.strip("`").split("\n", 1)[-1]
            out.append(f"<pre><code>{html.escape(code)}</code></pre>")
            continue
        text = html.escape(block, quote=False)
        text = _CODE.sub(r"<code>\1</code>", text)
        text = _BOLD.sub(r"<strong>\1</strong>", text)
        out.append(f"<p>{text}</p>")
    return "\n".join(out) + "\n"


class TextGen:
    """Fills templates with topic and general words; word choice is skewed (a few words are very common)."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        # Zipf-like weights: the i-th word of a list has weight 1/(i+1).
        self._topic_words = [words for *_, words in TOPICS]
        self._topic_weights = [[1 / (i + 1) for i in range(len(words))] for words in self._topic_words]
        self._noun_weights = [1 / (i + 1) ** 0.8 for i in range(len(GENERAL_NOUNS))]
        self._pools: dict[tuple[int, int, int], list[str]] = {}

    def _fill(self, template: str, topic: int, extra_topic: int) -> str:
        r = self.rnd
        words = self._topic_words[topic]
        tw = r.choices(words, self._topic_weights[topic])[0]
        other = self._topic_words[extra_topic]
        tw2 = r.choices(other, self._topic_weights[extra_topic])[0] if r.random() < 0.4 else r.choices(words, self._topic_weights[topic])[0]
        nouns = r.choices(GENERAL_NOUNS, self._noun_weights, k=2)
        return template.format(
            verb=r.choice(VERBS),
            tw=tw,
            TW=tw[0].upper() + tw[1:],
            tw2=tw2,
            noun=nouns[0],
            noun2=nouns[1],
            problem=r.choice(PROBLEMS),
            platform=r.choice(PLATFORMS),
            num=r.choice(["a thousand", "50k", "two million", "a few hundred", "10,000"]),
            method=r.choice(METHODS),
            key=slugify(tw).replace("-", "_"),
        )

    def subject(self, topic: int, extra: int) -> str:
        return self._fill(self.rnd.choice(SUBJECTS), topic, extra)[:140]

    def body(self, topic: int, extra: int, lo: int, hi: int, templates: list[str]) -> str:
        r = self.rnd
        target = r.randint(lo, hi)
        paragraphs: list[str] = []
        length = 0
        if templates is SENTENCES and r.random() < 0.5:
            paragraphs.append(r.choice(FILLER[:4]))
        current: list[str] = []
        pool = self._pools.get((id(templates), topic, extra))
        if pool is None:
            # Filled sentences are drawn from a pool per topic pair: varied enough, and far cheaper than filling each.
            pool = self._pools[(id(templates), topic, extra)] = [
                self._fill(r.choice(templates), topic, extra) for _ in range(POOL_SIZE)
            ]
        while length < target:
            sentence = r.choice(pool)
            current.append(sentence)
            length += len(sentence) + 1
            if len(current) >= r.randint(2, 3):
                paragraphs.append(" ".join(current))
                current = []
        if current:
            paragraphs.append(" ".join(current))
        if r.random() < 0.12:
            key = slugify(self._topic_words[topic][0]).replace("-", "_")
            paragraphs.insert(min(2, len(paragraphs)), f"```js\nposthog.{r.choice(METHODS)}('{key}', {{ plan: 'scale' }})\n```")
        if templates is SENTENCES and r.random() < 0.6:
            paragraphs.append(r.choice(FILLER[4:]))
        return "\n\n".join(paragraphs)


async def _drop_secondary(conn: asyncpg.Connection, tables: list[str]) -> tuple[list[str], list[str]]:
    """Drop foreign keys and non-constraint indexes of these tables; return the SQL that recreates them."""
    fks = await conn.fetch(
        "SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY($1::text[]) OR confrelid::regclass::text = ANY($1::text[]))",
        tables,
    )
    indexes = await conn.fetch(
        "SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index i "
        "WHERE indrelid::regclass::text = ANY($1::text[]) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        tables,
    )
    for fk in fks:
        await conn.execute(f'ALTER TABLE {fk["tbl"]} DROP CONSTRAINT "{fk["conname"]}"')
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['name']}")
    recreate_indexes = [index["def"] for index in indexes]
    recreate_fks = [f'ALTER TABLE {fk["tbl"]} ADD CONSTRAINT "{fk["conname"]}" {fk["def"]}' for fk in fks]
    return recreate_indexes, recreate_fks


def _profiles(rnd: random.Random, password_hash: str, now: datetime) -> list[tuple]:
    rows = []
    for i in range(1, PROFILES + 1):
        if i <= 2:
            role, team = "admin", 5
        elif i <= 10:
            role, team = "moderator", 5
        elif i <= 30:
            role, team = "support", TEAMS[i % len(TEAMS)][0]
        else:
            role, team = "member", None
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        avatar = f"https://avatars.example.com/{i}.png" if rnd.random() < 0.6 else None
        created = now - timedelta(days=730 + rnd.random() * 365)
        rows.append((i, f"bench-user-{i}@example.com", password_hash, name, avatar, None, role, team, rnd.randint(0, 500), created))
    return rows


async def seed(dsn: str, n_questions: int, log=print) -> dict[str, float]:
    """Fill an empty, migrated database with n_questions questions and their replies, topics and votes."""
    from argon2 import PasswordHasher

    rnd = random.Random(20240601 + n_questions)
    gen = TextGen(rnd)
    now = datetime.now(UTC).replace(microsecond=0)
    span = timedelta(days=730).total_seconds()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute("SET synchronous_commit = off")
        tables = ["profiles", "questions", "question_topics", "replies", "question_votes"]
        recreate_indexes, recreate_fks = await _drop_secondary(conn, tables)

        await conn.copy_records_to_table("teams", records=[(i, name, slug, now) for i, name, slug in TEAMS],
                                         columns=["id", "name", "slug", "created_at"])
        await conn.copy_records_to_table("topic_groups", records=TOPIC_GROUPS, columns=["id", "label", "slug"])
        await conn.copy_records_to_table(
            "topics",
            records=[(i + 1, label, slug, f"Questions about {label.lower()}.", team, group)
                     for i, (slug, label, team, group, _) in enumerate(TOPICS)],
            columns=["id", "label", "slug", "description", "team_id", "group_id"],
        )
        password_hash = PasswordHasher().hash("bench-password")
        await conn.copy_records_to_table(
            "profiles", records=_profiles(rnd, password_hash, now),
            columns=["id", "email", "password_hash", "display_name", "avatar_url", "bio", "role", "team_id", "reputation", "created_at"],
        )

        # Questions are numbered in time order, as they would be in a real forum.
        times = sorted(rnd.random() for _ in range(n_questions))
        staff = list(range(11, 31))
        reply_weights = [15, 25, 25, 18, 10, 7]  # 0..5 replies, mean about 2
        chunk = 10_000
        reply_id = 0
        counts = {"questions": 0, "replies": 0, "question_topics": 0, "question_votes": 0}
        gen_s = copy_s = 0.0
        for start in range(0, n_questions, chunk):
            g0 = time.perf_counter()
            questions, replies, qtopics, votes = [], [], [], []
            for qid in range(start + 1, min(start + chunk, n_questions) + 1):
                created = now - timedelta(seconds=span * (1 - times[qid - 1]))
                n_topics = rnd.choices((1, 2, 3), (55, 35, 10))[0]
                topic_ids = rnd.sample(range(len(TOPICS)), n_topics)
                main = topic_ids[0]
                extra = topic_ids[-1] if n_topics > 1 else rnd.randrange(len(TOPICS))
                subject = gen.subject(main, extra)
                body = gen.body(main, extra, 300, 800, SENTENCES)
                author = rnd.randint(31, PROFILES) if rnd.random() < 0.97 else rnd.randint(1, 30)
                active = created
                answered = False
                candidates = []
                n_replies = rnd.choices(range(6), reply_weights)[0]
                reply_time = created
                for _ in range(n_replies):
                    reply_id += 1
                    reply_time = min(now, reply_time + timedelta(seconds=rnd.expovariate(1 / 20_000)))
                    r_author = rnd.choice(staff) if rnd.random() < 0.25 else (author if rnd.random() < 0.15 else rnd.randint(31, PROFILES))
                    r_body = gen.body(main, extra, 100, 500, REPLIES)
                    replies.append((reply_id, qid, r_author, r_body, to_html(r_body), True, reply_time, None, 0, 0, 1))
                    active = reply_time
                    if r_author != author:
                        answered = True
                        candidates.append(reply_id)
                resolved_by = rnd.choice(candidates) if candidates and rnd.random() < 0.4 else None
                status = "resolved" if resolved_by else ("answered" if answered else "open")
                n_votes = min(int(rnd.expovariate(1 / 1.5)), 40)
                for voter in rnd.sample(range(1, PROFILES + 1), n_votes):
                    votes.append((qid, voter, created + timedelta(seconds=rnd.random() * 86_400)))
                archived = rnd.random() < 0.005
                published = rnd.random() > 0.01
                questions.append((
                    qid, f"{slugify(subject)}-{qid}", subject, body, to_html(body), author, status, resolved_by, archived,
                    rnd.random() < 0.02, published, [], created, created, active, n_replies, n_votes,
                    int(rnd.expovariate(1 / 60)), 1,
                ))
                for t in topic_ids:
                    qtopics.append((qid, t + 1, False))
            g1 = time.perf_counter()
            await conn.copy_records_to_table(
                "questions", records=questions,
                columns=["id", "permalink", "subject", "body", "body_html", "author_id", "status", "resolved_by_id", "archived",
                         "locked", "published", "page_slugs", "created_at", "updated_at", "active_at", "reply_count",
                         "upvote_count", "view_count", "version"],
            )
            await conn.copy_records_to_table(
                "replies", records=replies,
                columns=["id", "question_id", "author_id", "body", "body_html", "published", "created_at", "edited_at",
                         "upvotes", "downvotes", "version"],
            )
            await conn.copy_records_to_table("question_topics", records=qtopics, columns=["question_id", "topic_id", "pinned"])
            await conn.copy_records_to_table("question_votes", records=votes, columns=["question_id", "profile_id", "created_at"])
            gen_s += g1 - g0
            copy_s += time.perf_counter() - g1
            counts["questions"] += len(questions)
            counts["replies"] += len(replies)
            counts["question_topics"] += len(qtopics)
            counts["question_votes"] += len(votes)
        timings["generate_s"] = gen_s
        timings["copy_s"] = copy_s
        # A few pinned questions per topic, among the recent ones.
        await conn.execute(
            "UPDATE question_topics qt SET pinned = true FROM (SELECT question_id, topic_id, row_number() OVER "
            "(PARTITION BY topic_id ORDER BY question_id DESC) AS rn FROM question_topics) r "
            "WHERE qt.question_id = r.question_id AND qt.topic_id = r.topic_id AND r.rn IN (7, 50, 300)"
        )
        t1 = time.perf_counter()
        for sql in recreate_indexes:
            await conn.execute(sql)
        timings["indexes_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        for sql in recreate_fks:
            await conn.execute(sql)
        timings["foreign_keys_s"] = time.perf_counter() - t2
        for table in ["teams", "topic_groups", "topics", "profiles", "questions", "replies"]:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        t3 = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE)")
        timings["vacuum_analyze_s"] = time.perf_counter() - t3
        timings.update({k: float(v) for k, v in counts.items()})
    finally:
        await conn.close()
    timings["total_s"] = time.perf_counter() - t0
    return timings
