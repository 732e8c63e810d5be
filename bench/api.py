"""Benchmark of the read API against the raw-asyncpg floor of the very same SQL.

    .venv/bin/python bench/api.py [--questions 100000] [--duration 10] [--concurrency 32] [--database-url URL]

1. A database of its own (bench/database.py): `forum_bench` on --database-url's server, or on an embedded PostgreSQL
   in .data/bench-pg. Dropped, created, migrated and seeded with N questions (COPY), unless it
   already holds this seed (--reseed forces a new one).
2. The API in a subprocess: uvicorn, one worker process, access log off.
3. The SQL each request issues is captured by running every benchmark request once through the
   app in this process (a SQLAlchemy cursor event), with the exact statements and parameters.
4. A load subprocess runs each scenario for --duration seconds after a warm-up, with
   --concurrency connections against the API, then replays the captured statements straight
   through asyncpg on as many connections (each request's statements in one transaction, as the
   API does): that is the floor.
5. One table, the issue's targets with PASS/MISS, and --json FILE for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import pickle
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import seed as seeding  # noqa: E402
from bench.database import DB_NAME, log, prepare_database  # noqa: E402
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0
TARGET_N = 100_000
# CPU (in cores) used by processes outside the benchmark above which a run is flagged as disturbed.
NOISE_CORES = 0.15
# Scenario name, whether the floor-ratio target applies, whether the p99 target applies.
SCENARIOS = [
    ("health", False, False),
    ("list newest", True, True),
    ("topic list", True, True),
    ("search", False, True),
    ("question", True, True),
]


# --------------------------------------------------------------------------- requests and their SQL


def search_queries(count: int) -> list[str]:
    """Varied searches from the seed's vocabulary: common and rare topic words, with and without a symptom."""
    rnd = random.Random(7)
    words = [w for *_, topic_words in seeding.TOPICS for w in topic_words]
    queries: list[str] = []
    while len(queries) < count:
        kind = rnd.random()
        word = rnd.choice(words)
        if kind < 0.35:
            query = word
        elif kind < 0.65:
            query = f"{word} {rnd.choice(seeding.PROBLEMS)}"
        elif kind < 0.85:
            query = f"{rnd.choice(seeding.VERBS)} {word}"
        else:
            query = f"{word} {rnd.choice(seeding.GENERAL_NOUNS)}"
        if query not in queries:
            queries.append(query)
    return queries


async def scenario_paths(bench_dsn: str, n_ids: int, n_queries: int) -> dict[str, list[str]]:
    import asyncpg

    conn = await asyncpg.connect(bench_dsn)
    try:
        slugs = [r["slug"] for r in await conn.fetch("SELECT slug FROM topics ORDER BY id")]
        await conn.execute("SELECT setseed(0.42)")
        ids = [r["id"] for r in await conn.fetch(
            "SELECT id FROM questions WHERE published AND NOT archived ORDER BY random() LIMIT $1", n_ids
        )]
    finally:
        await conn.close()
    return {
        "health": ["/health"],
        "list newest": ["/api/v1/questions?sort=newest"],
        "topic list": [f"/api/v1/questions?topic={slug}" for slug in slugs],
        "search": [f"/api/v1/questions?q={urllib.parse.quote(q)}" for q in search_queries(n_queries)],
        "question": [f"/api/v1/questions/{i}" for i in ids],
    }


async def capture_sql(sa_url: str, paths: dict[str, list[str]]) -> tuple[dict[str, list], dict[str, dict]]:
    """Run every request once through the app in this process and record the statements it sends."""
    from litestar.testing import AsyncTestClient
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from forum.app import create_app
    from forum.settings import Settings

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per captured request otherwise
    statements: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG001
        if isinstance(parameters, dict):
            raise RuntimeError("expected positional parameters from the asyncpg dialect")
        statements.append((statement, tuple(parameters or ())))

    # The app builds its engine in its lifespan (in the test client's own event loop): listen on every engine.
    event.listen(Engine, "before_cursor_execute", record)
    # View counts are flushed by a background task: keep it out of the captured statements.
    app = create_app(Settings.from_env(database_url=sa_url, view_flush_seconds=3600.0))
    scripts: dict[str, list] = {}
    checks: dict[str, dict] = {}
    try:
        async with AsyncTestClient(app) as client:
            for name, urls_ in paths.items():
                scripts[name] = []
                check = checks[name] = {"requests": len(urls_), "non_200": 0, "empty": 0, "statements": set(), "bytes": 0}
                for path in urls_:
                    statements.clear()
                    response = await client.get(path)
                    if response.status_code != 200:
                        check["non_200"] += 1
                        continue
                    body = response.json()
                    check["bytes"] += len(response.content)
                    if "items" in body and not body["items"]:
                        check["empty"] += 1
                    check["statements"].add(len(statements))
                    scripts[name].append(list(statements))
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    for check in checks.values():
        check["statements"] = sorted(check["statements"])
    return scripts, checks


async def explain(bench_dsn: str, scripts: dict[str, list]) -> str:
    import asyncpg

    conn = await asyncpg.connect(bench_dsn)
    lines = []
    try:
        for name, variations in scripts.items():
            if not variations:
                continue
            lines.append(f"===== {name} (first request) =====")
            for sql, params in variations[0]:
                lines.append(f"--- {sql}\n    params: {params!r}")
                plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
                lines.extend("    " + row[0] for row in plan)
    finally:
        await conn.close()
    return "\n".join(lines)


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api(sa_url: str, port: int, pool_size: int | None) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=sa_url, PYTHONUNBUFFERED="1")
    if pool_size:
        env["FORUM_DB_POOL_SIZE"] = str(pool_size)
    command = [
        sys.executable, "-m", "uvicorn", "forum.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The API exited at start (code {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("The API did not answer /health within 60 s")


def run_load(spec: dict) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.pickle", Path(tmp) / "out.json"
        spec_path.write_bytes(pickle.dumps(spec))
        expected = len(spec["scenarios"]) * (spec["warmup"] + spec["duration"])
        completed = subprocess.run(
            [sys.executable, "-m", "bench.load", str(spec_path), str(out_path)], cwd=ROOT, timeout=expected * 3 + 60
        )
        if completed.returncode != 0:
            raise SystemExit(f"The load process failed (code {completed.returncode})")
        return json.loads(out_path.read_text())


# --------------------------------------------------------------------------- report


def fmt(value: float, digits: int = 1) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"


def report(args: argparse.Namespace, api: dict[str, dict], floor: dict[str, dict], checks: dict[str, dict]) -> tuple[str, list[dict]]:
    header = ["scenario", "API req/s", "p50 ms", "p95 ms", "p99 ms", "floor req/s", "API/floor"]
    rows = []
    for name, *_ in SCENARIOS:
        a, f = api.get(name), floor.get(name)
        if a is None:
            continue
        ratio = a["rps"] / f["rps"] if f and f["rps"] else float("nan")
        rows.append([name, fmt(a["rps"], 0), fmt(a["p50_ms"]), fmt(a["p95_ms"]), fmt(a["p99_ms"]),
                     fmt(f["rps"], 0) if f else "-", fmt(ratio * 100, 0) + "%" if f else "-"])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list) -> str:
        return "| " + " | ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(cells)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)]

    out.append("")
    detail_header = ["scenario", "errors API/floor", "floor p50", "floor p99", "stmts/req", "resp bytes",
                     "API CPU ms/req", "PG CPU ms/req API/floor", "CPU% api/pg/client/other", "floor CPU% pg/client/other"]
    drows = []
    for name, *_ in SCENARIOS:
        a, f = api.get(name), floor.get(name)
        if a is None:
            continue
        ca, cf = a["cpu"], (f or {}).get("cpu", {})

        def per_request(cpu: dict, key: str, run: dict | None) -> str:
            return fmt(1000 * cpu[key] / run["rps"], 2) if run and key in cpu and run["rps"] else "-"

        cpu_api = "/".join(f"{100 * ca[k]:.0f}" if k in ca else "-" for k in ("api", "postgres", "client", "other"))
        cpu_floor = "/".join(f"{100 * cf[k]:.0f}" if k in cf else "-" for k in ("postgres", "client", "other"))
        drows.append([name, f"{a['errors']}/{f['errors'] if f else '-'}", fmt(f["p50_ms"]) if f else "-",
                      fmt(f["p99_ms"]) if f else "-", ",".join(map(str, checks[name]["statements"])),
                      f"{a['bytes_per_request']:,.0f}", per_request(ca, "api", a),
                      f"{per_request(ca, 'postgres', a)}/{per_request(cf, 'postgres', f)}", cpu_api, cpu_floor])
    dw = [max(len(str(r[i])) for r in [detail_header, *drows]) for i in range(len(detail_header))]
    out.append("| " + " | ".join(h.ljust(dw[i]) for i, h in enumerate(detail_header)) + " |")
    out.append("|" + "|".join("-" * (w + 2) for w in dw) + "|")
    for r in drows:
        out.append("| " + " | ".join(str(c).ljust(dw[0]) if i == 0 else str(c).rjust(dw[i]) for i, c in enumerate(r)) + " |")
    out.append("(CPU%: share of one core during the measured window; 'other' = processes outside the benchmark. CPU ms/req: "
               "CPU time per request, the figure least disturbed by other load. stmts/req: statements besides BEGIN/COMMIT. "
               "Floor = the same statements via asyncpg in one transaction per request.)")
    noisy = sorted({name for name in api for run in (api[name], floor.get(name) or {}) if run.get("cpu", {}).get("other", 0) > NOISE_CORES})
    if noisy:
        out.append(f"WARNING: other processes used more than {NOISE_CORES:.0%} of a core during: {', '.join(noisy)}; "
                   "the figures are disturbed, rerun on a quiet machine.")

    targets = []
    out.append("")
    note = "" if args.questions == TARGET_N else f" (stated for {TARGET_N:,} questions; this run has {args.questions:,})"
    out.append(f"Targets{note}: list and get >= {TARGET_RATIO:.0%} of the floor; p99 < {TARGET_P99_MS:.0f} ms")
    for name, ratio_target, p99_target in SCENARIOS:
        a, f = api.get(name), floor.get(name)
        if a is None:
            continue
        if ratio_target and f:
            ratio = a["rps"] / f["rps"] if f["rps"] else 0.0
            ok = ratio >= TARGET_RATIO
            targets.append({"scenario": name, "target": f"API/floor >= {TARGET_RATIO:.0%}", "value": ratio, "pass": ok})
            out.append(f"  {'PASS' if ok else 'MISS'}  {name:<12} API/floor {ratio:6.1%} (>= {TARGET_RATIO:.0%})")
        if p99_target:
            ok = a["p99_ms"] < TARGET_P99_MS and a["errors"] == 0
            targets.append({"scenario": name, "target": f"p99 < {TARGET_P99_MS:.0f} ms", "value": a["p99_ms"], "pass": ok})
            extra = "" if a["errors"] == 0 else f", {a['errors']} errors"
            out.append(f"  {'PASS' if ok else 'MISS'}  {name:<12} p99 {a['p99_ms']:6.1f} ms (< {TARGET_P99_MS:.0f} ms){extra}")
    return "\n".join(out), targets


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=100_000, help="questions to seed (default 100000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per scenario (default 2)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server to use (default: embedded, .data/bench-pg)")
    parser.add_argument("--database-name", default=DB_NAME, help=f"database created on it (default {DB_NAME})")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database even if it holds this seed")
    parser.add_argument("--pool-size", type=int, default=None, help="FORUM_DB_POOL_SIZE for the API (default: the app's)")
    parser.add_argument("--scenarios", default=",".join(s for s, *_ in SCENARIOS), help="comma-separated subset")
    parser.add_argument("--no-floor", action="store_true", help="skip the asyncpg floor")
    parser.add_argument("--explain", metavar="FILE", help="write EXPLAIN (ANALYZE, BUFFERS) of each scenario's SQL")
    parser.add_argument("--show-sql", action="store_true", help="print the statements each scenario issues")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--seed-only", action="store_true", help="prepare the database and stop")
    args = parser.parse_args(argv)
    known = {s for s, *_ in SCENARIOS}
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenario_list) - known
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    bench_dsn, sa_url, postmaster, info = prepare_database(args)
    if args.seed_only:
        return 0

    paths = asyncio.run(scenario_paths(bench_dsn, n_ids=500, n_queries=100))
    paths = {name: paths[name] for name in args.scenario_list}
    t0 = time.perf_counter()
    scripts, checks = asyncio.run(capture_sql(sa_url, paths))
    log(f"Captured the SQL of {sum(len(v) for v in paths.values())} requests in {time.perf_counter() - t0:.1f} s.")
    for name, check in checks.items():
        if check["non_200"]:
            raise SystemExit(f"{name}: {check['non_200']} of {check['requests']} requests did not return 200")
        if name in {"list newest", "topic list", "question"} and check["empty"]:
            raise SystemExit(f"{name}: {check['empty']} requests returned no items")
    if checks.get("search", {}).get("empty"):
        log(f"search: {checks['search']['empty']} of {checks['search']['requests']} queries match nothing (kept: a real mix).")
    if args.show_sql:
        for name, variations in scripts.items():
            print(f"--- {name}: {len(variations[0])} statements")
            for sql, params in variations[0]:
                print(f"{sql}\n    params: {params!r}")
    if args.explain:
        Path(args.explain).write_text(asyncio.run(explain(bench_dsn, scripts)) + "\n")
        log(f"Plans written to {args.explain}.")

    port = free_port()
    api_process = start_api(sa_url, port, args.pool_size)
    watch = {"api": {"pid": api_process.pid}}
    if postmaster:
        watch["postgres"] = {"pid": postmaster, "children": True}
    common = {"concurrency": args.concurrency, "warmup": args.warmup, "duration": args.duration, "watch": watch}
    api_results: dict[str, dict] = {}
    floor_results: dict[str, dict] = {}
    host = f"127.0.0.1:{port}"
    log(f"API on {host} (pid {api_process.pid}); {args.concurrency} connections, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per scenario, then the same statements through asyncpg.")
    try:
        # API and floor of one scenario back to back, so that both see the same conditions on the machine.
        for name in args.scenario_list:
            items = [f"GET {p} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode() for p in paths[name]]
            api_results.update((r["name"], r) for r in run_load(
                {**common, "mode": "http", "host": "127.0.0.1", "port": port, "scenarios": [{"name": name, "items": items}]}
            ))
            if not args.no_floor:
                floor_results.update((r["name"], r) for r in run_load(
                    {**common, "mode": "sql", "dsn": bench_dsn, "scenarios": [{"name": name, "items": scripts[name]}]}
                ))
    finally:
        api_process.terminate()
        try:
            api_process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            api_process.kill()

    table, targets = report(args, api_results, floor_results, checks)
    print()
    print(f"forum API benchmark: {args.questions:,} questions, concurrency {args.concurrency}, "
          f"{args.duration:g} s per scenario, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(table, flush=True)
    log(f"Total {time.perf_counter() - started:.0f} s.")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "config": {"questions": args.questions, "duration_s": args.duration, "warmup_s": args.warmup,
                       "concurrency": args.concurrency, "cpus": os.cpu_count(), "pool_size": args.pool_size,
                       "python": platform.python_version()},
            "database": info,
            "capture": {name: {k: v for k, v in c.items()} for name, c in checks.items()},
            "scenarios": [
                {"name": name, "api": api_results.get(name), "floor": floor_results.get(name),
                 "ratio": (api_results[name]["rps"] / floor_results[name]["rps"])
                 if name in floor_results and floor_results[name]["rps"] else None}
                for name in args.scenario_list
            ],
            "targets": targets,
        }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
