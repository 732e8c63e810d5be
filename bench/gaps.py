"""bench/gaps.py: docs-gap detection time and peak memory for 1,000, 10,000 and 100,000 evidence questions.

    .venv/bin/python bench/gaps.py                    # 1k, 10k, 100k on 2 cores
    .venv/bin/python bench/gaps.py --sizes 1000 10000 --threads 2 --json out.json

Each size runs in a fresh process pinned to --threads cores, so its peak RSS is its own. The
timed part is forum.gaps.detection.plan_gaps, the computation `forum gaps detect` runs between
reading the evidence and writing the gaps: the k-nearest-neighbour graph, Leiden, the merge,
c-TF-IDF labels, centroids, scores and matching against last week's gaps. The database reads
and writes around it are not timed (they are a few indexed statements per gap).

The evidence is synthetic but shaped like question embeddings (384 dimensions, an anisotropic
spectrum, areas > topics > questions with a Zipf spread of topic sizes; the 10th neighbour's cosine
around 0.6, random pairs around 0.13, as all-MiniLM-L6-v2 gives on SemEval) plus 30% of questions
in no topic; texts are drawn from per-topic and per-area vocabularies. Printed beside the time:
the recall of the approximate neighbours against exact ones (300 sampled questions; exact up to
FORUM_GAPS_EXACT_KNN_LIMIT) and the adjusted Rand index against the generator's topics.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_GIB = 60.0, 4.0


def synthetic(n: int, *, d: int = 384, topic_size: int = 20, noise_share: float = 0.3, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
    spectrum = np.arange(1, d + 1) ** -0.9
    scale = np.sqrt(spectrum / spectrum.sum() * d)
    mix = (basis * scale).T.astype(np.float32)

    def gaussian(m: int, sigma: float) -> np.ndarray:
        return (rng.standard_normal((m, d)).astype(np.float32) * sigma) @ mix

    mean = gaussian(1, 1.0)[0]
    mean *= 0.55 / np.linalg.norm(mean)
    in_topics = int(n * (1 - noise_share))
    n_topics = max(1, in_topics // topic_size)
    n_areas = max(1, n_topics // 50)
    areas = mean + gaussian(n_areas, 0.045)
    topic_area = rng.integers(0, n_areas, n_topics)
    topics = areas[topic_area] + gaussian(n_topics, 0.04)
    sizes = rng.zipf(1.8, n_topics).clip(1, 400).astype(float)
    sizes = np.maximum(1, np.round(sizes / sizes.sum() * in_topics)).astype(int)
    topic_of = np.repeat(np.arange(n_topics), sizes)[:in_topics]
    topic_of = np.concatenate([topic_of, rng.integers(0, n_topics, in_topics - len(topic_of))])
    # A question in no topic is a topic of its own: its own offset from its area, then its own noise.
    noise_area = rng.integers(0, n_areas, n - in_topics)
    alone = areas[noise_area] + gaussian(n - in_topics, 0.04) + gaussian(n - in_topics, 0.06)
    vectors = np.vstack([topics[topic_of] + gaussian(in_topics, 0.06), alone])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    truth = np.concatenate([topic_of, np.full(n - in_topics, -1)])
    area_of = np.concatenate([topic_area[topic_of], noise_area])
    # Words: a Zipf-distributed common vocabulary, plus a few words per area and per topic.
    common = [f"w{i}" for i in range(5000)]
    weights = 1 / np.arange(1, len(common) + 1)
    weights /= weights.sum()
    texts = []
    for i in range(n):
        words = list(rng.choice(common, size=60, p=weights))
        words += [f"area{area_of[i]}x{j}" for j in rng.integers(0, 8, 4)]
        if truth[i] >= 0:
            words += [f"topic{truth[i]}x{j}" for j in rng.integers(0, 4, 5)]
        rng.shuffle(words)
        texts.append(" ".join(words))
    return vectors.astype(np.float32), truth, texts


def one(n: int, threads: int) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    import numpy as np
    import torch

    from forum.evals.metrics import adjusted_rand_index
    from forum.gaps import knn as knn_module
    from forum.gaps.clustering import ClusterParams, centroid
    from forum.gaps.detection import Evidence, plan_gaps
    from forum.gaps.identity import KnownGap
    from forum.settings import Settings

    torch.set_num_threads(threads)
    settings = Settings.from_env()
    params = ClusterParams.from_settings(settings)
    vectors, truth, texts = synthetic(n)
    rng = np.random.default_rng(1)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    ages = rng.exponential(40, n)
    views = rng.zipf(2.0, n).clip(0, 10_000)
    evidence = [
        Evidence(i + 1, ("unanswered",), now - timedelta(days=float(ages[i])), int(views[i]), bool(rng.random() < 0.05),
                 texts[i][:80], texts[i], f"Area {i % 7}")
        for i in range(n)
    ]
    # Last week's gaps: most of each true topic, so the run also pays for matching identities.
    known = []
    for topic in range(int(truth.max()) + 1):
        rows = np.flatnonzero(truth == topic)[:-1]
        if len(rows) >= params.min_cluster_size:
            known.append(KnownGap(topic + 1, "open", frozenset((rows + 1).tolist()), centroid(vectors[rows])))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    cpu_started = time.process_time()
    plans = plan_gaps(
        evidence, vectors, known, params, now=now, half_life_days=settings.gaps_recency_half_life_days,
        min_overlap=settings.gaps_match_min_overlap, max_distance=settings.gaps_match_max_distance,
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    labels = np.full(n, -1)
    for label, plan in enumerate(plans):
        labels[[e.question_id - 1 for e in plan.members]] = label
    sample = rng.choice(n, min(300, n), replace=False)
    approx, _ = knn_module.knn(vectors, params.k, exact_limit=params.exact_limit)
    exact_sims = vectors[sample] @ vectors.T
    exact_sims[np.arange(len(sample)), sample] = -2
    exact = np.argpartition(-exact_sims, params.k, axis=1)[:, : params.k]
    recall = float(np.mean([len(set(exact[j]) & set(approx[i])) / params.k for j, i in enumerate(sample)]))
    return {
        "questions": n,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mib": round(peak_mib),
        "rss_before_mib": round(rss_before),
        "gaps": len(plans),
        "clustered": round(float((labels >= 0).mean()), 3),
        "matched": sum(p.match is not None for p in plans),
        "knn": "exact" if n <= params.exact_limit else "ivf",
        "knn_recall": round(recall, 3),
        "ari_vs_truth": round(adjusted_rand_index(truth.tolist(), labels.tolist()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--threads", type=int, default=2, help="cores to pin each run to (the target is for 2)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        if hasattr(os, "sched_setaffinity"):
            cpus = sorted(os.sched_getaffinity(0))[: args.threads]
            os.sched_setaffinity(0, cpus)
        print(json.dumps(one(args.one, args.threads)))
        return
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads), "TOKENIZERS_PARALLELISM": "false"}
    rows = []
    for n in args.sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n), "--threads", str(args.threads)],
                              capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            sys.exit(f"size {n} failed:\n{done.stderr}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"... {n} done in {rows[-1]['seconds']}s", file=sys.stderr)
    header = f"{'questions':>9}  {'seconds':>7}  {'cpu s':>6}  {'peak MiB':>8}  {'gaps':>6}  {'clustered':>9}  {'matched':>7}  {'knn':>5}  {'recall':>6}  {'ARI':>5}"
    print(f"Docs-gap detection (plan_gaps), {args.threads} cores")
    print(header)
    for r in rows:
        print(f"{r['questions']:>9,}  {r['seconds']:>7.1f}  {r['cpu_seconds']:>6.1f}  {r['peak_rss_mib']:>8,}  {r['gaps']:>6,}  "
              f"{r['clustered']:>9.2f}  {r['matched']:>7,}  {r['knn']:>5}  {r['knn_recall']:>6.3f}  {r['ari_vs_truth']:>5.3f}")
    biggest = max(rows, key=lambda r: r["questions"])
    if biggest["questions"] >= 100_000:
        ok_time, ok_mem = biggest["seconds"] < TARGET_SECONDS, biggest["peak_rss_mib"] < TARGET_GIB * 1024
        print(f"target 100,000 < {TARGET_SECONDS:.0f} s: {'PASS' if ok_time else 'MISS'} ({biggest['seconds']:.1f} s); "
              f"< {TARGET_GIB:.0f} GiB: {'PASS' if ok_mem else 'MISS'} ({biggest['peak_rss_mib'] / 1024:.2f} GiB)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
