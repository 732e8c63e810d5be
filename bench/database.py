"""The benchmarks' own database: `forum_bench` on --database-url's server, or on an embedded
PostgreSQL in .data/bench-pg; dropped, created, migrated and seeded with N questions (COPY) unless
it already holds that seed. bench/api.py and bench/suggestions.py share it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import seed as seeding  # noqa: E402

DB_NAME = "forum_bench"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server_url(database_url: str | None) -> tuple[str, int | None]:
    """The server's URL and, for the embedded server, its postmaster pid (for CPU accounting)."""
    if database_url:
        return database_url, None
    from forum.db import start_embedded_postgres

    data_dir = ROOT / ".data" / "bench-pg"
    url = start_embedded_postgres(data_dir)
    pid = None
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        for candidate in data_dir.rglob("postmaster.pid"):
            pid = int(candidate.read_text().split()[0])
    return url, pid


def urls(raw: str, database: str) -> tuple[str, str, str]:
    """(asyncpg DSN of the maintenance database, asyncpg DSN of the bench database, SQLAlchemy URL of it)."""
    from sqlalchemy.engine import make_url

    url = make_url(raw)
    admin = url.set(drivername="postgresql", database=url.database or "postgres")
    bench = url.set(drivername="postgresql", database=database)
    return (
        admin.render_as_string(hide_password=False),
        bench.render_as_string(hide_password=False),
        bench.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
    )


def marker(n: int) -> str:
    return f"forum bench seed v{seeding.SEED_VERSION} questions={n}"


async def cached_seed(admin_dsn: str, bench_dsn: str, database: str, n: int) -> bool:
    import asyncpg

    admin = await asyncpg.connect(admin_dsn)
    try:
        comment = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", database
        )
    finally:
        await admin.close()
    if comment != marker(n):
        return False
    conn = await asyncpg.connect(bench_dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM questions") == n
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()


async def vacuum(bench_dsn: str) -> None:
    """Earlier runs' view counts dirtied pages: vacuum so that every run starts from the same visibility map."""
    import asyncpg

    conn = await asyncpg.connect(bench_dsn)
    try:
        await conn.execute("VACUUM (ANALYZE) questions")
    finally:
        await conn.close()


async def recreate_database(admin_dsn: str, database: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()


async def mark_seeded(admin_dsn: str, database: str, n: int) -> None:
    import asyncpg

    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"COMMENT ON DATABASE \"{database}\" IS '{marker(n)}'")
    finally:
        await admin.close()


def prepare_database(args: argparse.Namespace) -> tuple[str, str, int | None, dict]:
    from forum.migrate import upgrade

    raw, postmaster = server_url(args.database_url)
    admin_dsn, bench_dsn, sa_url = urls(raw, args.database_name)
    info: dict = {"database": args.database_name, "embedded": args.database_url is None}
    if not args.reseed and asyncio.run(cached_seed(admin_dsn, bench_dsn, args.database_name, args.questions)):
        upgrade(sa_url)  # a no-op unless new migrations arrived since the seed
        asyncio.run(vacuum(bench_dsn))
        log(f"Reusing the seeded database {args.database_name} ({args.questions:,} questions; --reseed to rebuild).")
        info["seed"] = "cached"
        return bench_dsn, sa_url, postmaster, info
    t0 = time.perf_counter()
    asyncio.run(recreate_database(admin_dsn, args.database_name))
    upgrade(sa_url)
    t_migrate = time.perf_counter() - t0
    log(f"Seeding {args.questions:,} questions into {args.database_name} ...")
    timings = asyncio.run(seeding.seed(bench_dsn, args.questions))
    asyncio.run(mark_seeded(admin_dsn, args.database_name, args.questions))
    timings["create_and_migrate_s"] = t_migrate
    total = time.perf_counter() - t0
    print(
        f"Seeded {int(timings['questions']):,} questions, {int(timings['replies']):,} replies, "
        f"{int(timings['question_topics']):,} question topics, {int(timings['question_votes']):,} votes in {total:.1f} s "
        f"(generate {timings['generate_s']:.1f} s, COPY {timings['copy_s']:.1f} s, indexes {timings['indexes_s']:.1f} s, "
        f"foreign keys {timings['foreign_keys_s']:.1f} s, VACUUM ANALYZE {timings['vacuum_analyze_s']:.1f} s)",
        flush=True,
    )
    info["seed"] = "fresh"
    info["seed_timings"] = timings | {"wall_s": total}
    return bench_dsn, sa_url, postmaster, info
