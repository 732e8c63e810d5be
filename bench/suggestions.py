"""Suggestions benchmark: POST /api/v1/suggestions latency at 100,000 questions with the docs index loaded.

    .venv/bin/python bench/suggestions.py [--questions 100000] [--requests 200] [--json FILE]

Reuses the database that bench/api.py seeds (`forum_bench`, embedded server in .data/bench-pg).
Question vectors: a sample of real question texts is encoded with the real model and the rest are
near copies of them (vector + small noise, renormalised), so the HNSW index sees the clustered,
realistic distribution of 100k questions without an hour of CPU encoding. The docs index is the real
posthog docs from ../shared (incremental: a second run re-embeds nothing).

Prints, in one run: p50/p95 of the endpoint at concurrency 1 and 16 next to its floor (the query's
encoding and the same repository SQL called directly, each part timed alone and combined as the
endpoint overlaps them; see measure_floor), HNSW recall@10 against exact search,
and encoding throughput. The app runs in this process behind httpx's ASGI transport, so there is no
HTTP parsing in the figures; say so when comparing with bench/api.py.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api as bench_api  # noqa: E402
from bench.database import DB_NAME, prepare_database  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would be timed too

SHARED_DOCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "posthog-docs" / "docs"
SAMPLE = 2000
NOISE = 0.35


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def fill_question_vectors(session, settings, embedder, model) -> tuple[int, float]:
    """Give every question its vectors of the active model; returns (filled, seconds).

    Whole-question and subject vectors are made the same way (the sample encoded, the rest blends
    of the same two sample questions); answer vectors are left out, as for unanswered questions.
    """
    from sqlalchemy import text

    # Rows from before subject vectors existed are made again.
    await session.execute(text("DELETE FROM question_embeddings WHERE model = :m AND subject_embedding IS NULL"), {"m": model.name})
    missing = (await session.execute(text(
        "SELECT q.id, q.subject, q.body, q.version FROM questions q WHERE NOT EXISTS "
        "(SELECT 1 FROM question_embeddings e WHERE e.question_id = q.id AND e.model = :m) ORDER BY q.id"
    ), {"m": model.name})).all()
    if not missing:
        return 0, 0.0
    started = time.perf_counter()
    from forum.embeddings.service import question_text

    rng = np.random.default_rng(7)
    sample = missing[:SAMPLE]
    base = embedder.encode([question_text(r.subject, r.body) for r in sample])
    subjects = embedder.encode([r.subject for r in sample])

    def blend(vectors: np.ndarray, first: int, second: int, weight: float) -> np.ndarray:
        # A blend of two real questions plus noise: spread like real questions, with no tight
        # clumps of near-copies (ties there would make any approximate index look bad).
        noise = rng.normal(0, NOISE / np.sqrt(vectors.shape[1]), vectors.shape[1]).astype(np.float32)
        vector = vectors[first] + weight * vectors[second] + noise
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    rows = []
    for i, r in enumerate(missing):
        if i < len(sample):
            vector, subject = base[i], subjects[i]
        else:
            first, second, weight = rng.integers(len(base)), rng.integers(len(base)), rng.uniform(0.2, 0.8)
            vector, subject = blend(base, first, second, weight), blend(subjects, first, second, weight)
        rows.append((r.id, model.name, model.dim, hashlib.sha256(str(r.id).encode()).hexdigest(), r.version, vector, subject))
    raw = await (await session.connection()).get_raw_connection()
    from pgvector.asyncpg import register_vector

    await register_vector(raw.driver_connection)
    await raw.driver_connection.copy_records_to_table(
        "question_embeddings", records=rows, columns=["question_id", "model", "dim", "content_hash", "source_version", "embedding", "subject_embedding"]
    )
    return len(rows), time.perf_counter() - started


async def drop_vectors(settings) -> None:
    from forum import db

    engine = db.create_engine(settings.database_url, pool_size=1)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("TRUNCATE question_embeddings")
    await engine.dispose()


async def prepare(settings) -> dict:
    from docs_index.indexer import index_docs
    from forum import db
    from forum.embeddings.service import active_embedder

    info: dict = {}
    # Its own engine: the COPY registers pgvector's asyncpg codec on the connection, which the
    # SQLAlchemy type (sending text) must not meet again from the pool.
    engine = db.create_engine(settings.database_url, pool_size=1)
    async with db.create_sessionmaker(engine)() as session, session.begin():
        model, embedder = await active_embedder(session, settings)
        info["filled_vectors"], info["fill_seconds"] = await fill_question_vectors(session, settings, embedder, model)
    await engine.dispose()
    engine = db.create_engine(settings.database_url, pool_size=2)
    sessionmaker = db.create_sessionmaker(engine)
    if SHARED_DOCS.exists():
        async def load(_model):
            return embedder

        async with sessionmaker() as session, session.begin():
            report = await index_docs(session, SHARED_DOCS, load_embedder=load)
        info["docs"] = {"chunks": report.chunks, "embedded": report.embedded, "reused": report.reused, "seconds": round(report.seconds, 1)}
    else:
        info["docs"] = f"skipped: {SHARED_DOCS} not found"
    async with engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE question_embeddings")
        await conn.commit()
    await engine.dispose()
    return info


async def queries(settings, n: int) -> list[str]:
    """Subjects of random questions with their last word dropped: what someone is still typing."""
    from sqlalchemy import text

    from forum import db

    engine = db.create_engine(settings.database_url, pool_size=2)
    async with engine.connect() as conn:
        # The same sample every run, so runs (and the recall figure) compare.
        await conn.execute(text("SELECT setseed(0.42)"))
        rows = (await conn.execute(text("SELECT subject FROM questions ORDER BY random() LIMIT :n"), {"n": n})).scalars().all()
    await engine.dispose()
    return [" ".join(s.split()[:-1]) or s for s in rows]


async def measure_endpoint(settings, texts: list[str], concurrency: int) -> list[float]:
    import httpx

    from forum.app import create_app

    app = create_app(settings)
    latencies: list[float] = []
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for warm in texts[:5]:
                (await client.post("/api/v1/suggestions", json={"subject": warm})).raise_for_status()
            queue = list(texts)

            async def worker() -> None:
                while queue:
                    subject = queue.pop()
                    t0 = time.perf_counter()
                    r = await client.post("/api/v1/suggestions", json={"subject": subject})
                    latencies.append((time.perf_counter() - t0) * 1000)
                    r.raise_for_status()

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def measure_floor(settings, texts: list[str]) -> dict[str, list[float]]:
    """The endpoint's parts without the app, each timed alone at concurrency 1: for the docs, the one
    read (index token and the query's lexemes) and the ranking in memory; completing the draft's last
    word (drafts.completed_draft: the questions' words, unless the docs settle it); encoding; for the
    questions, the full-text SQL and the vector SQL with the rows shown. `floor` is what the endpoint
    would take with no overhead: the docs read, the draft's completion, then the questions' full text
    beside the encoding, then the questions' vector SQL beside the docs ranking."""
    from forum import db
    from forum.embeddings.service import active_embedder, question_text
    from forum.suggestions import repository as r
    from docs_index.snapshot import docs_search, load_snapshot
    from forum.suggestions.drafts import completed_draft, unfinished_word
    from forum.suggestions.service import Query, rank_docs

    engine = db.create_engine(settings.database_url, pool_size=2)
    sessionmaker = db.create_sessionmaker(engine)
    pool, terms, ef = settings.suggestions_candidates, settings.suggestions_max_terms, settings.embedding_ef_search
    names = ("draft_sql", "encode", "questions_text_sql", "questions_vector_sql", "docs_read_sql", "docs_rank", "floor")
    out: dict[str, list] = {name: [] for name in names} | {"vectors": []}

    def since(t0: float) -> float:
        return (time.perf_counter() - t0) * 1000

    async with sessionmaker() as session:
        model, embedder = await active_embedder(session, settings)
        await docs_search(session, model, "", max_terms=terms)  # reads the docs index into memory once
        t0 = time.perf_counter()
        await load_snapshot(session, model)  # timed again: the app may have read it already in this process
        out["docs_load"] = [since(t0)]
        await session.commit()
        for subject in texts:
            text = question_text(subject, "")
            # The endpoint reads the subject's last word as still being typed, so the floor does too:
            # it completes that word before encoding, and reads it as the words it begins in full text.
            typing = unfinished_word(subject, None)
            t0 = time.perf_counter()
            found = await docs_search(session, model, text, max_terms=terms, unfinished_word=typing)
            d_read_ms, t0 = since(t0), time.perf_counter()
            completed, _ = await completed_draft(session, found.snapshot, subject, None, typing) if typing else (subject, None)
            draft_ms, t0 = since(t0), time.perf_counter()
            vector = embedder.encode([question_text(completed, "")])[0]
            encode = since(t0)
            out["vectors"].append(vector)
            # One transaction per query, as a request has.
            t0 = time.perf_counter()
            q_text = await r.fulltext_questions(session, text, limit=pool, max_terms=terms, unfinished_word=typing)
            q_text_ms, t0 = since(t0), time.perf_counter()
            q = await r.question_vector_candidates(session, model, vector, vector, limit=pool, ef_search=ef, extra_ids=[h.key for h in q_text])
            await r.question_rows(session, q.nearest[:10])
            q_vector_ms, t0 = since(t0), time.perf_counter()
            query = Query(text, vector, vector, model, typing)
            await rank_docs(session, settings, query, limit=pool, found=found)
            d_rank_ms = since(t0)
            await session.commit()
            floor = d_read_ms + draft_ms + max(encode, q_text_ms) + max(q_vector_ms, d_rank_ms)
            for name, value in zip(names, (draft_ms, encode, q_text_ms, q_vector_ms, d_read_ms, d_rank_ms, floor)):
                out[name].append(value)
    await engine.dispose()
    return out


async def hnsw_recall(settings, vectors: list[np.ndarray], k: int = 10) -> float:
    """Share of the exact top-k (numpy over every stored vector) that the HNSW query returns."""
    from sqlalchemy import text

    from forum import db
    from forum.embeddings.service import active_embedder
    from forum.suggestions import repository as r

    engine = db.create_engine(settings.database_url, pool_size=2)
    sessionmaker = db.create_sessionmaker(engine)
    async with sessionmaker() as session:
        model, _ = await active_embedder(session, settings)
        rows = (await session.execute(text(
            "SELECT e.question_id, e.embedding::text FROM question_embeddings e JOIN questions q ON q.id = e.question_id "
            "WHERE e.model = :m AND q.published AND NOT q.archived"
        ), {"m": model.name})).all()
        ids = np.array([row[0] for row in rows])
        matrix = np.array([np.fromstring(row[1][1:-1], sep=",", dtype=np.float32) for row in rows])
        found = []
        for vector in vectors:
            exact = set(ids[np.argsort(-(matrix @ vector))[:k]].tolist())
            approx = set((await r.question_vector_candidates(session, model, vector, vector, limit=k, ef_search=settings.embedding_ef_search)).nearest)
            await session.commit()
            found.append(len(exact & approx) / k)
    await engine.dispose()
    return float(np.mean(found))


def encoding_throughput(embedder, texts: list[str]) -> float:
    t0 = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--database-name", default=DB_NAME)
    parser.add_argument("--warmup", type=int, default=300, help="requests (other texts) run first, unmeasured")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--refill", action="store_true", help="drop the question vectors and make them again")
    args = parser.parse_args(argv)
    api_args = bench_api.parse_args(["--questions", str(args.questions), "--database-name", args.database_name]
                                    + (["--database-url", args.database_url] if args.database_url else []))
    _, sa_url, _, seed_info = prepare_database(api_args)

    from forum.embeddings.service import get_embedder
    from forum.settings import Settings

    settings = Settings(database_url=sa_url, rate_limit_writes_per_ip=10**9, rate_limit_writes_per_user=10**9, db_pool_size=20)
    if args.refill:
        asyncio.run(drop_vectors(settings))
    started = time.perf_counter()
    info = asyncio.run(prepare(settings))
    print(f"Prepared in {time.perf_counter() - started:.1f} s: {info}", flush=True)
    texts = asyncio.run(queries(settings, args.requests + args.warmup))
    # A server that has been up for a while holds the HNSW graph and the hot rows in its buffers;
    # the first few hundred queries of a fresh one read them from disk instead.
    warmup, texts = texts[: args.warmup], texts[args.warmup :]
    if warmup:
        asyncio.run(measure_endpoint(settings, warmup, 1))
    parts = asyncio.run(measure_floor(settings, texts))
    floor, vectors = parts["floor"], parts["vectors"]
    c1 = asyncio.run(measure_endpoint(settings, texts, 1))
    c16 = asyncio.run(measure_endpoint(settings, texts, 16))
    recall = asyncio.run(hnsw_recall(settings, vectors))
    throughput = encoding_throughput(get_embedder(settings), texts * 2)

    def row(name: str, values: list[float]) -> str:
        return f"| {name:<40} | {percentile(values, 0.5):8.1f} | {percentile(values, 0.95):8.1f} | {len(values):5d} |"

    lines = [
        f"POST /api/v1/suggestions at {args.questions:,} questions, docs: {info['docs']}, {os.cpu_count()} CPUs",
        "| measurement                              |  p50 ms  |  p95 ms  |     n |",
        "|------------------------------------------|----------|----------|-------|",
        row("endpoint, concurrency 1", c1),
        row("endpoint, concurrency 16", c16),
        row("floor (conc. 1)", floor),
        row("  draft's last word: words SQL", parts["draft_sql"]),
        row("  encoding", parts["encode"]),
        row("  questions: full-text SQL", parts["questions_text_sql"]),
        row("  questions: vector SQL and rows", parts["questions_vector_sql"]),
        row("  docs: token and lexemes SQL", parts["docs_read_sql"]),
        row("  docs: ranking in memory", parts["docs_rank"]),
        "",
        f"endpoint p50 / floor p50 at concurrency 1: {percentile(c1, 0.5) / percentile(floor, 0.5):.2f}x",
        f"docs index read into memory (once per process and index change): {parts['docs_load'][0]:.0f} ms",
        f"HNSW recall@10 vs exact (ef_search={settings.embedding_ef_search}, {len(vectors)} queries): {recall:.3f}",
        f"encoding throughput (batches of {settings.embedding_batch_size}): {throughput:.0f} sentences/s",
        f"targets: p95 < 40 ms at concurrency 1 -> {'PASS' if percentile(c1, 0.95) < 40 else 'MISS'}; "
        f"recall@10 >= 0.95 -> {'PASS' if recall >= 0.95 else 'MISS'}",
    ]
    print("\n".join(lines))
    if args.json:
        figures = {
            "concurrency_1": {"p50_ms": percentile(c1, 0.5), "p95_ms": percentile(c1, 0.95)},
            "concurrency_16": {"p50_ms": percentile(c16, 0.5), "p95_ms": percentile(c16, 0.95)},
            "floor": {"p50_ms": percentile(floor, 0.5), "p95_ms": percentile(floor, 0.95)},
            **{name: {"p50_ms": percentile(parts[name], 0.5)} for name in parts if name not in ("vectors", "floor", "docs_load")},
            "docs_load_ms": parts["docs_load"][0],
            "hnsw_recall_at_10": recall, "encode_sentences_per_s": throughput, "prepare": info, "seed": seed_info,
        }
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
