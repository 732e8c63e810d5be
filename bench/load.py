"""The load process: closed-loop clients against the HTTP API or straight at PostgreSQL with asyncpg.

Run by bench/api.py as `python -m bench.load SPEC OUT` (a pickle in, JSON out), so that the load
generator never shares a process (or an event loop) with the API it measures. Each of the
`concurrency` tasks owns one connection and sends its next request as soon as the previous
answer is complete; a request counts when it starts after the warm-up and before the end.

The HTTP client is a minimal HTTP/1.1 keep-alive client on asyncio streams (uvloop when
installed): an order of magnitude cheaper per request than httpx, so that on a small machine
the client takes as little CPU as possible from the server. Its own CPU use is measured and
reported, as is the CPU of the processes it is told to watch (the API, PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import sys
import time
from pathlib import Path

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] brings it
    uvloop = None

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- CPU accounting (Linux /proc)


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(parent: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[1]) == parent:
                pids.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) seconds of all CPUs since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuWatch:
    """CPU seconds used between start() and stop() by this process, each watched group, and the machine."""

    def __init__(self, watch: dict[str, dict]) -> None:
        # name -> {"pid": pid, "children": bool}
        self.watch = watch

    def _sample(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for name, spec in self.watch.items():
            pids = [spec["pid"]] + (_children(spec["pid"]) if spec.get("children") else [])
            out[name] = {pid: _proc_cpu(pid) for pid in pids}
        return out

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._self = time.process_time()
        self._groups = self._sample()
        self._machine = _machine_cpu()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._wall
        result = {"client": (time.process_time() - self._self) / wall}
        for name, now in self._sample().items():
            before = self._groups.get(name, {})
            result[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items()) / wall
        busy, total = _machine_cpu()
        cores = os.cpu_count() or 1
        result["machine_busy"] = (busy - self._machine[0]) / max(total - self._machine[1], 1e-9)
        result["cores"] = cores
        # CPU used by processes outside the benchmark (other jobs on the machine): a noisy measurement.
        ours = sum(v for k, v in result.items() if k not in {"machine_busy", "cores"})
        result["other"] = max(0.0, result["machine_busy"] * cores - ours)
        return result


# --------------------------------------------------------------------------- HTTP


class HttpError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    i = lower.find(b"\r\ncontent-length:")
    if i >= 0:
        j = lower.index(b"\r\n", i + 2)
        length = int(lower[i + 17 : j])
        await reader.readexactly(length)
        return status, length
    if b"\r\ntransfer-encoding: chunked" in lower:
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            total += size
            if size == 0:
                return status, total
    raise HttpError("response without a length")


async def _http_worker(host: str, port: int, requests: list[bytes], offset: int, t_start: float, t_end: float, out: dict) -> None:
    latencies = out["latencies"]
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    n = len(requests)
    try:
        while True:
            request = requests[i % n]
            i += 1
            t0 = time.perf_counter()
            if t0 >= t_end:
                break
            try:
                writer.write(request)
                status, size = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError):
                if t0 >= t_start:
                    out["errors"] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            t1 = time.perf_counter()
            if t0 >= t_start:
                latencies.append(t1 - t0)
                out["last_done"] = max(out["last_done"], t1)
                out["bytes"] += size
                if status != 200:
                    out["errors"] += 1
                    out["statuses"][status] = out["statuses"].get(status, 0) + 1
    finally:
        writer.close()


# --------------------------------------------------------------------------- asyncpg (the floor)


async def _sql_worker(conn, scripts: list[list[tuple[str, tuple]]], offset: int, t_start: float, t_end: float, out: dict) -> None:
    latencies = out["latencies"]
    i = offset
    n = len(scripts)
    while True:
        script = scripts[i % n]
        i += 1
        t0 = time.perf_counter()
        if t0 >= t_end:
            break
        try:
            # The API runs every request in one transaction (BEGIN ... COMMIT), so the floor does too.
            async with conn.transaction():
                for sql, args in script:
                    await conn.fetch(sql, *args)
        except Exception as exc:  # noqa: BLE001 - counted, shown once
            if t0 >= t_start:
                out["errors"] += 1
                out.setdefault("error_sample", repr(exc)[:300])
            continue
        t1 = time.perf_counter()
        if t0 >= t_start:
            latencies.append(t1 - t0)
            out["last_done"] = max(out["last_done"], t1)


# --------------------------------------------------------------------------- one scenario


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run_scenario(spec: dict, scenario: dict) -> dict:
    concurrency = spec["concurrency"]
    out = {"latencies": [], "errors": 0, "bytes": 0, "statuses": {}, "last_done": 0.0}
    conns = []
    if spec["mode"] == "sql":
        import asyncpg

        conns = [await asyncpg.connect(spec["dsn"]) for _ in range(concurrency)]
    watch = CpuWatch(spec.get("watch", {}))
    now = time.perf_counter()
    t_start = now + spec["warmup"]
    t_end = t_start + spec["duration"]
    items = scenario["items"]
    step = max(1, len(items) // concurrency)
    if spec["mode"] == "http":
        tasks = [
            _http_worker(spec["host"], spec["port"], items, c * step, t_start, t_end, out) for c in range(concurrency)
        ]
    else:
        tasks = [_sql_worker(conns[c], items, c * step, t_start, t_end, out) for c in range(concurrency)]
    gathered = asyncio.gather(*tasks)

    async def measure_cpu() -> dict:
        await asyncio.sleep(max(0.0, t_start - time.perf_counter()))
        watch.start()
        await asyncio.sleep(max(0.0, t_end - time.perf_counter()))
        return watch.stop()

    cpu, _ = await asyncio.gather(measure_cpu(), gathered)
    elapsed = time.perf_counter() - t_start
    for conn in conns:
        await conn.close()
    latencies = sorted(out["latencies"])
    completed = len(latencies)
    return {
        "name": scenario["name"],
        "mode": spec["mode"],
        "requests": completed,
        "errors": out["errors"],
        "statuses": {str(k): v for k, v in out["statuses"].items()},
        "error_sample": out.get("error_sample"),
        # Every request started in the window, over the time until the last of them completed: the window
        # itself when requests are short, and still a fair figure when a request takes longer than the window.
        "rps": completed / max(out["last_done"] - t_start, spec["duration"]) if completed else 0.0,
        "elapsed_s": elapsed,
        "mean_ms": 1000 * sum(latencies) / completed if completed else float("nan"),
        "p50_ms": 1000 * _percentile(latencies, 0.50),
        "p95_ms": 1000 * _percentile(latencies, 0.95),
        "p99_ms": 1000 * _percentile(latencies, 0.99),
        "max_ms": 1000 * latencies[-1] if latencies else float("nan"),
        "bytes_per_request": out["bytes"] / completed if completed else 0,
        "cpu": cpu,
    }


async def main_async(spec: dict) -> list[dict]:
    results = []
    for scenario in spec["scenarios"]:
        results.append(await run_scenario(spec, scenario))
        r = results[-1]
        label = "API  " if r["mode"] == "http" else "floor"
        print(f"  {label} {r['name']:<12} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:8.1f} ms  p99 {r['p99_ms']:8.1f} ms  "
              f"errors {r['errors']}", file=sys.stderr, flush=True)
    return results


def main() -> None:
    spec = pickle.loads(Path(sys.argv[1]).read_bytes())
    runner = uvloop.run if uvloop is not None else asyncio.run
    results = runner(main_async(spec))
    Path(sys.argv[2]).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
