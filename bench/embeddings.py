"""Encoding throughput and single-query latency of the embedding service, on this machine's CPU.

    .venv/bin/python bench/embeddings.py [--sentences 512] [--queries 200] [--model NAME] [--threads N] [--json FILE]

1. Throughput: the same sentences encoded in batches of 1, 8, 32 and 128 (sentences/s, and
   the speed-up over batch size 1).
2. Single-query latency, p50/p95: Embedder.encode of one sentence, through torch (the baseline)
   and through the query runtime (ONNX Runtime when it reproduces the model), and
   Embedder.aencode at concurrency 1 and 16 (what an API request waits for; concurrent queries
   are coalesced into shared model calls, so at 16 the per-query cost drops while each waits
   for its batch).

Sentences are question-like texts of 8 to 40 words, like the subjects and first lines people type.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from forum.embeddings.embedder import Embedder, available_cpus, load_embedder, model_name_for  # noqa: E402
from forum.settings import Settings  # noqa: E402

BATCH_SIZES = (1, 8, 32, 128)
_SUBJECTS = ["feature flags", "session replay", "funnels", "cohorts", "the toolbar", "surveys", "autocapture",
             "group analytics", "the data warehouse", "experiments", "heatmaps", "webhooks", "the Python SDK",
             "posthog-js", "retention insights", "billing", "SAML login", "reverse proxying", "exports to S3"]
_PROBLEMS = ["is not working after upgrading", "shows no data since yesterday", "returns the wrong value in production",
             "is much slower than expected", "breaks when I use Next.js app router", "ignores my filters",
             "does not load behind our proxy", "counts every user twice", "stopped sending events"]
_DETAILS = ["I followed the docs step by step.", "It works locally but not on Vercel.", "We self-host on Kubernetes.",
            "The console shows a CORS error.", "Is there a setting I am missing?", "This started after the last release.",
            "Our team uses the EU cloud.", "I tried clearing the cache and reinstalling."]


def make_sentences(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    sentences = []
    for _ in range(n):
        details = " ".join(rng.sample(_DETAILS, rng.randint(0, 4)))
        sentences.append(f"{rng.choice(_SUBJECTS).capitalize()} {rng.choice(_PROBLEMS)}. {details}".strip())
    return sentences


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def throughput(embedder: Embedder, sentences: list[str], batch_size: int) -> float:
    embedder.encode(sentences[:batch_size], batch_size=batch_size)  # warm this shape up
    start = time.perf_counter()
    for i in range(0, len(sentences), batch_size):
        embedder.encode(sentences[i : i + batch_size], batch_size=batch_size)
    return len(sentences) / (time.perf_counter() - start)


def sync_latencies(embedder: Embedder, queries: list[str]) -> list[float]:
    latencies = []
    for query in queries:
        start = time.perf_counter()
        embedder.encode([query])
        latencies.append(time.perf_counter() - start)
    return latencies


async def async_latencies(embedder: Embedder, queries: list[str], concurrency: int) -> tuple[list[float], float]:
    """Each of `concurrency` clients sends its next query as soon as the previous one is answered."""
    pending = list(queries)
    latencies: list[float] = []

    async def client() -> None:
        while pending:
            query = pending.pop()
            start = time.perf_counter()
            await embedder.aencode([query])
            latencies.append(time.perf_counter() - start)

    await embedder.aencode(["warm up the encoding thread"])
    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, len(queries) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=512, help="sentences per throughput run")
    parser.add_argument("--queries", type=int, default=200, help="single queries per latency run")
    parser.add_argument("--model", default=None, help="sentence-transformers name or path (default: FORUM_EMBEDDING_MODEL)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: FORUM_EMBEDDING_THREADS, 0 = half the CPUs)")
    parser.add_argument("--json", dest="json_path", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    settings = Settings.from_env()
    if args.threads is not None:
        settings = settings.replace(embedding_threads=args.threads)
    name = model_name_for(args.model or settings.embedding_model)
    started = time.perf_counter()
    embedder = load_embedder(name, settings)
    load_seconds = time.perf_counter() - started
    import torch

    sentences = make_sentences(args.sentences)
    queries = make_sentences(args.queries, seed=11)
    print(f"model {name} ({embedder.dim} dims), loaded in {load_seconds:.1f}s")
    print(f"{platform.processor() or platform.machine()}, {available_cpus()} CPUs available, torch {torch.__version__} "
          f"with {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f} (other work skews every figure)\n")

    results: dict = {"model": name, "dim": embedder.dim, "cpus": available_cpus(), "torch_threads": torch.get_num_threads(),
                     "throughput": {}, "latency_ms": {}}
    print(f"{'batch size':>10}  {'sentences/s':>11}  {'vs batch 1':>10}")
    base = None
    for batch_size in BATCH_SIZES:
        rate = throughput(embedder, sentences, batch_size)
        base = base or rate
        results["throughput"][str(batch_size)] = {"sentences_per_s": round(rate, 1), "ratio_vs_1": round(rate / base, 2)}
        print(f"{batch_size:>10}  {rate:>11.1f}  {rate / base:>9.2f}x")

    print(f"\n{'single query':<22}  {'p50 ms':>7}  {'p95 ms':>7}  {'queries/s':>9}")
    torch_sync = sync_latencies(embedder.torch_only(), queries)
    sync = sync_latencies(embedder, queries)
    rows = [("encode, torch", torch_sync, len(torch_sync) / sum(torch_sync)),
            (f"encode, {embedder.query_runtime}", sync, len(sync) / sum(sync))]
    for concurrency in (1, 16):
        latencies, rate = asyncio.run(async_latencies(embedder, queries, concurrency))
        rows.append((f"aencode, concurrency {concurrency}", latencies, rate))
    for label, latencies, rate in rows:
        p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
        results["latency_ms"][label] = {"p50": round(p50, 2), "p95": round(p95, 2), "mean": round(statistics.mean(latencies) * 1000, 2),
                                        "queries_per_s": round(rate, 1)}
        print(f"{label:<22}  {p50:>7.1f}  {p95:>7.1f}  {rate:>9.1f}")

    speedup = percentile(torch_sync, 50) / percentile(sync, 50)
    results["query_runtime"] = embedder.query_runtime
    results["single_query_speedup_vs_torch"] = round(speedup, 2)
    print(f"\nsingle query through {embedder.query_runtime}: {speedup:.2f}x faster than torch at p50 (same run)")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
