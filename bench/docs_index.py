"""Docs indexing: a first run into an empty database, then a re-run over the unchanged tree.

    .venv/bin/python bench/docs_index.py [DOCS_DIR] [--json FILE]

DOCS_DIR defaults to ../shared/data/posthog-docs/docs. A fresh database is created on the server
the app would use (DATABASE_URL, or the embedded one in .data/pg), migrated, indexed twice with
one committed transaction per run as `forum docs index` does, and dropped. The model is loaded
before the first run and timed apart: a CLI re-run over an unchanged tree never loads it.

Prints per run: seconds, pages parsed, chunks, embedded vs reused; then the second/first ratio
(the goal is under 10%) and the first run's chunks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from docs_index.indexer import IndexReport, index_docs  # noqa: E402
from forum import db, migrate  # noqa: E402
from forum.embeddings.embedder import available_cpus, get_embedder  # noqa: E402
from forum.settings import Settings  # noqa: E402

DEFAULT_DOCS = ROOT.parent / "shared" / "data" / "posthog-docs" / "docs"


async def run_twice(settings: Settings, docs: Path) -> tuple[IndexReport, IndexReport]:
    import asyncpg
    from sqlalchemy.engine import make_url

    server = make_url(db.resolve_database_url(settings))
    name = f"forum_bench_docs_{uuid.uuid4().hex[:8]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = None
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = db.create_engine(url, pool_size=2)
        sessionmaker = db.create_sessionmaker(engine)
        embedder = get_embedder(settings)

        async def load(model):  # noqa: ANN001, ANN202 - a ModelRow
            return embedder

        reports = []
        for _ in range(2):
            async with sessionmaker() as session, session.begin():
                reports.append(
                    await index_docs(
                        session,
                        docs,
                        load_embedder=load,
                        url_prefix=settings.docs_url_prefix,
                        max_chars=settings.docs_max_chars,
                        embed_batch_size=settings.docs_embed_batch_size,
                    )
                )
        return reports[0], reports[1]
    finally:
        if engine is not None:
            await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docs", nargs="?", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    if not args.docs.is_dir():
        sys.exit(f"docs folder not found: {args.docs} (the shared data lives in ../shared/data next to the repo)")
    logging.getLogger("docs_index").addHandler(logging.NullHandler())  # the missing snippets are counted, not printed

    settings = Settings.from_env()
    started = time.perf_counter()
    get_embedder(settings)
    load_seconds = time.perf_counter() - started
    first, second = asyncio.run(run_twice(settings, args.docs))

    ratio = second.seconds / first.seconds
    print(f"docs: {args.docs}  cpus: {available_cpus()}  model load: {load_seconds:.1f}s (not in the runs)")
    for label, report in (("first (empty database)", first), ("second (unchanged tree)", second)):
        print(
            f"{label:24} {report.seconds:8.2f}s  pages {report.pages} (parsed {report.pages_parsed})  "
            f"chunks {report.chunks}  embedded {report.embedded}  reused {report.reused}  warnings {len(report.warnings)}"
        )
    print(f"second / first: {ratio:.2%} (goal: under 10%)")
    print(f"first run: {first.chunks / first.seconds:.1f} chunks/s")
    if args.json:
        figures = {
            "first": dataclasses.asdict(first) | {"warnings": len(first.warnings)},
            "second": dataclasses.asdict(second) | {"warnings": len(second.warnings)},
            "ratio": ratio,
            "chunks_per_second": first.chunks / first.seconds,
            "model_load_seconds": load_seconds,
            "cpus": available_cpus(),
        }
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
