"""Small, bounded throughput check of the scale-out set-up: nginx with 1 and with 2 Rasa replicas.

Starts the same cluster as tests/scaleout (PostgreSQL, Redis, nginx, one action server, two Rasa
replicas from endpoints.scale.yml, all on 127.0.0.1 in a temp folder), then for each replica count
points nginx at that many replicas and lets N concurrent senders each send the same M Dutch messages
one after the other (a sender waits for its answer). Reports msgs/s, p50/p95/max latency and errors.
On a 2-core machine two replicas compete for the same CPU.

With ``--locust USERS`` the load is the benchmark script's own (``scripts/benchmark.py`` /
``scripts/locustfile.py``: Locust headless, one sender per simulated user doing a whole Dutch intake,
closed loop, ``--duration`` seconds per replica count) instead of the fixed message list; Locust comes
from ``.venv-bench`` (``bash scripts/benchmark.sh`` installs it).

    .venv/bin/python scripts/bench_replicas.py                  # 20 senders x 10 messages, 1 and 2 replicas
    .venv/bin/python scripts/bench_replicas.py --locust 20 --duration 30   # the benchmark's Locust load
    .venv/bin/python scripts/bench_replicas.py --senders 5 --messages 4 --json results/bench_replicas.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.scaleout.cluster import Cluster, ensure_binaries  # noqa: E402

MESSAGES = [
    "Hoi, wat kun je?",
    "We gaan een lasrobot neerzetten, dat heb ik met de leverancier besloten.",
    "omdat we geen lassers kunnen vinden",
    "We zijn het nu aan het invoeren",
    "waarom vraag je dat?",
    "sla over",
    "Ik heb het zelf besloten en het in het werkoverleg verteld",
    "Wat zeggen de publicaties over medewerkers betrekken?",
    "Hoe trek ik jong technisch talent aan?",
    "bedankt",
]


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_load(url: str, senders: int, messages: List[str], timeout: float) -> Dict[str, float]:
    latencies: List[float] = []
    errors = 0

    def conversation(n: int) -> None:
        nonlocal errors
        who = f"bench-{n}-{uuid.uuid4().hex[:8]}"
        with requests.Session() as http:
            for text in messages:
                t0 = time.perf_counter()
                try:
                    resp = http.post(f"{url}/webhooks/rest/webhook", json={"sender": who, "message": text},
                                     timeout=timeout)
                    ok = resp.status_code == 200 and bool(resp.json())
                except (requests.RequestException, ValueError):
                    ok = False
                latencies.append(time.perf_counter() - t0)
                if not ok:
                    errors += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(conversation, range(senders)))
    wall = time.perf_counter() - start
    return {
        "messages": len(latencies),
        "errors": errors,
        "seconds": round(wall, 2),
        "msgs_per_s": round(len(latencies) / wall, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000),
        "p95_ms": round(percentile(latencies, 95) * 1000),
        "max_ms": round(max(latencies) * 1000),
    }


def machine() -> Dict[str, str]:
    def sh(cmd: List[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "?"

    mem = sh(["free", "-h"]).splitlines()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": sh(["nproc"]),
        "mem_total": mem[1].split()[1] if len(mem) > 1 else "?",
        "cpu": next((line.split(":", 1)[1].strip()
                     for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), platform.processor()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--messages", type=int, default=len(MESSAGES),
                        help=f"per sender, at most {len(MESSAGES)}")
    parser.add_argument("--replicas", default="1,2", help="replica counts to measure, e.g. 1,2")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds")
    parser.add_argument("--model", type=Path, default=None, help="default models/bot.tar.gz")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--locust", type=int, default=0, metavar="USERS",
                        help="use the benchmark's Locust load with this many users instead")
    parser.add_argument("--duration", type=int, default=30, help="seconds per replica count (--locust)")
    args = parser.parse_args()
    bench = None
    if args.locust:
        import importlib.util

        spec = importlib.util.spec_from_file_location("benchmark", ROOT / "scripts" / "benchmark.py")
        bench = importlib.util.module_from_spec(spec)
        sys.modules["benchmark"] = bench  # its dataclasses look their module up
        spec.loader.exec_module(bench)
        if not Path(bench.LOCUST).exists():
            print("Locust missing: run `bash scripts/benchmark.sh --help` once to install .venv-bench",
                  file=sys.stderr)
            return 2
    counts = [int(x) for x in args.replicas.split(",") if x.strip()]
    messages = MESSAGES[: max(1, min(args.messages, len(MESSAGES)))]

    reason = ensure_binaries()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    cluster = Cluster(replicas=max(counts), model=args.model, keep=bool(os.environ.get("SCALEOUT_KEEP")))
    results = {"machine": machine(), "senders": args.senders, "messages_per_sender": len(messages),
               "runs": []}
    try:
        t0 = time.monotonic()
        cluster.start()
        print(f"cluster up in {time.monotonic() - t0:.0f} s ({cluster.workdir})", file=sys.stderr)
        for n in counts:
            cluster.nginx.start([r.port for r in cluster.rasa[:n]])
            run_load(cluster.nginx.url, min(4, args.senders), messages[:3], args.timeout)  # warm-up
            load_before = os.getloadavg()[0]
            if bench is not None:
                work = Path(cluster.workdir) / f"locust-{n}"
                work.mkdir(parents=True, exist_ok=True)
                load = bench.run_locust(cluster.nginx.url, args.locust, args.duration, "bot", work)
                measured = {"messages": load.requests, "errors": load.failures, "msgs_per_s": load.rps,
                            "p50_ms": load.p50_ms, "p95_ms": load.p95_ms, "max_ms": load.p99_ms}
            else:
                measured = run_load(cluster.nginx.url, args.senders, messages, args.timeout)
            res = {"replicas": n, **measured,
                   "load1_before": round(load_before, 1), "load1_after": round(os.getloadavg()[0], 1)}
            results["runs"].append(res)
            print(json.dumps(res), file=sys.stderr)
    finally:
        cluster.stop()

    m = results["machine"]
    load_text = (f"Locust, {args.locust} users, {args.duration} s per replica count (whole intakes)"
                 if bench is not None else f"{args.senders} concurrent senders x {len(messages)} messages")
    print(f"\n{m['date']}, {m['nproc']} cores ({m['cpu']}), {m['mem_total']} RAM; {load_text}, via nginx\n")
    last = "p99 ms" if bench is not None else "max ms"
    print(f"| replicas | messages | errors | msgs/s | p50 ms | p95 ms | {last} | load avg before/after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results["runs"]:
        print(f"| {r['replicas']} | {r['messages']} | {r['errors']} | {r['msgs_per_s']} | {r['p50_ms']} | "
              f"{r['p95_ms']} | {r['max_ms']} | {r['load1_before']} / {r['load1_after']} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if any(r["errors"] for r in results["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
