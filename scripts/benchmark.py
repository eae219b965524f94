"""Latency, throughput, memory, cold start and training time of this bot against Rasa's baseline.

    bash scripts/benchmark.sh                      # everything (about 25 minutes on 2 cores)
    bash scripts/benchmark.sh --users 1 10 --duration 30 --skip-training

What one run does, for this bot and for Rasa's own ``rasa init`` assistant (default config, in a
temporary folder) under the same load:

1. **Training time**: ``rasa train`` from scratch in a temporary folder with an empty Rasa cache
   (our project is copied without models, caches and environments; the baseline is ``rasa init``).
2. **Cold start**: from starting the server processes (our action server + Rasa server; the
   baseline's Rasa server) to the first REST reply.
3. **Load**: Locust in headless mode (``scripts/locustfile.py``, locust from ``.venv-bench``) with
   1, 10, 20 and 50 concurrent users, each user one sender going through a whole conversation
   (ours: a Dutch intake; the baseline: its moodbot dialogue), closed loop. p50/p95/p99 latency,
   messages per second, errors.
4. **Memory**: the largest resident set (RSS, from /proc) of each server process during the run.

It prints a table with our figures as ratios to the baseline, checks the targets of issue 6 and
prepends the run (date, machine, figures) to docs/benchmark.md, keeping the older runs below.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.server import BotServer, free_port  # noqa: E402

VENV_BIN = Path(sys.executable).parent
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
DOC = ROOT / "docs" / "benchmark.md"
TARGETS = {
    "throughput_ratio_min": 3.0,  # at 10 and at 50 users
    "p95_ms_at_20_users_max": 300,
    "cold_start_s_max": 20,
    "rss_mb_max": 1024,
    "training_s_max": 180,
}


@dataclass
class Load:
    users: int
    requests: int = 0
    failures: int = 0
    p50_ms: float = 0
    p95_ms: float = 0
    p99_ms: float = 0
    rps: float = 0


@dataclass
class Result:
    name: str
    training_s: Optional[float] = None
    cold_start_s: Optional[float] = None
    rss_mb: Dict[str, float] = field(default_factory=dict)
    loads: List[Load] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakMemory:
    """Samples the RSS of some processes every 0.5 s; keeps the largest value per name."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = pids
        self.peak = {name: rss_mb(pid) for name, pid in pids.items()}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mb(pid))

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def first_reply(url: str, message: str, timeout: float = 600) -> float:
    """Poll the REST channel until it answers; the moment it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            resp = requests.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": "bench-cold-start", "message": message},
                timeout=30,
            )
            if resp.status_code == 200 and resp.json():
                return time.monotonic()
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no reply from {url} within {timeout} s")


def run_locust(url: str, users: int, duration: int, script: str, workdir: Path) -> Load:
    prefix = workdir / f"locust-{script}-{users}"
    cmd = [
        str(LOCUST),
        "-f",
        str(ROOT / "scripts" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{duration}s",
        "--host",
        url,
        "--csv",
        str(prefix),
        "--stop-timeout",
        "30",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(
        cmd,
        env={**os.environ, "BENCH_SCRIPT": script},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return Load(
        users=users,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        p50_ms=float(row["50%"]),
        p95_ms=float(row["95%"]),
        p99_ms=float(row["99%"]),
        rps=round(float(row["Requests/s"]), 2),
    )


def timed(cmd: List[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> float:
    started = time.monotonic()
    subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return round(time.monotonic() - started, 1)


# --------------------------------------------------------------------------- the two bots


def train_ours(tmp: Path) -> float:
    """``rasa train`` of a copy of this project with an empty cache (what a fresh clone costs)."""
    copy = tmp / "project"
    ignore = shutil.ignore_patterns(".venv*", ".rasa", "models", "results", ".git", "node_modules", "data/db")
    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    cmd = [
        str(VENV_BIN / "rasa"),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain",
        "--data",
        "data",
        "--out",
        str(tmp / "models"),
        "--fixed-model-name",
        "bench",
    ]
    return timed(
        cmd,
        copy,
        {"RASA_CACHE_DIRECTORY": str(tmp / "cache"), "PYTHONHASHSEED": "0", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


def bench_ours(users: List[int], duration: int, tmp: Path, train: bool) -> Result:
    result = Result("this bot")
    if train:
        print("training this bot from scratch ...", flush=True)
        result.training_s = train_ours(tmp)
    server = BotServer(workdir=tmp / "ours")
    started = time.monotonic()
    server.start()
    result.cold_start_s = round(first_reply(server.url, "hoi") - started, 1)
    pids = {"rasa": server._procs[1].pid, "actions": server._procs[0].pid}
    try:
        with PeakMemory(pids) as memory:
            for n in users:
                print(f"this bot, {n} users ...", flush=True)
                result.loads.append(run_locust(server.url, n, duration, "bot", tmp))
        result.rss_mb = {k: round(v) for k, v in memory.peak.items()}
    finally:
        server.stop()
    return result


def bench_baseline(users: List[int], duration: int, tmp: Path) -> Result:
    result = Result("rasa init baseline")
    folder = tmp / "baseline"
    folder.mkdir()
    print("rasa init (trains the baseline) ...", flush=True)
    result.training_s = timed(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
        folder,
        {"RASA_CACHE_DIRECTORY": str(tmp / "baseline-cache"), "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    port = free_port()
    log = open(tmp / "baseline.log", "ab")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--interface", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        stdout=log,
        stderr=log,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        result.cold_start_s = round(first_reply(url, "hello") - started, 1)
        with PeakMemory({"rasa": proc.pid}) as memory:
            for n in users:
                print(f"baseline, {n} users ...", flush=True)
                result.loads.append(run_locust(url, n, duration, "baseline", tmp))
        result.rss_mb = {k: round(v) for k, v in memory.peak.items()}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return result


# --------------------------------------------------------------------------- report


def load_at(result: Result, users: int) -> Optional[Load]:
    return next((load for load in result.loads if load.users == users), None)


def ratio(a: Optional[float], b: Optional[float]) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "n/a"


def report(ours: Result, base: Result, args: argparse.Namespace) -> List[str]:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        from bot import nlp

        info = nlp.describe()
        pipeline = info.name if info else "?"
    except Exception:  # the report still stands without it
        pipeline = "?"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"## Run of {now}",
        "",
        f"Machine: {machine}; load average at the end {load_avg}; spaCy pipeline `{pipeline}`; "
        f"{args.duration} s per load level; command `bash scripts/benchmark.sh {' '.join(sys.argv[1:])}`.",
        "",
        "| users | this bot p50 / p95 / p99 (ms) | msg/s | errors "
        "| baseline p50 / p95 / p99 (ms) | msg/s | errors | throughput ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in args.users:
        a, b = load_at(ours, n), load_at(base, n)
        if not a or not b:
            continue
        lines.append(
            f"| {n} | {a.p50_ms:.0f} / {a.p95_ms:.0f} / {a.p99_ms:.0f} | {a.rps} | {a.failures}/{a.requests} "
            f"| {b.p50_ms:.0f} / {b.p95_ms:.0f} / {b.p99_ms:.0f} | {b.rps} | {b.failures}/{b.requests} "
            f"| {ratio(a.rps, b.rps)} |"
        )
    lines += [
        "",
        "| | this bot | baseline | ratio |",
        "|---|---|---|---|",
        f"| training from scratch (s) | {ours.training_s if ours.training_s is not None else 'not run'} "
        f"| {base.training_s} | {ratio(ours.training_s, base.training_s)} |",
        f"| cold start to first reply (s) | {ours.cold_start_s} | {base.cold_start_s} "
        f"| {ratio(ours.cold_start_s, base.cold_start_s)} |",
        f"| peak RSS Rasa server (MB) | {ours.rss_mb.get('rasa')} | {base.rss_mb.get('rasa')} "
        f"| {ratio(ours.rss_mb.get('rasa'), base.rss_mb.get('rasa'))} |",
        f"| peak RSS action server (MB) | {ours.rss_mb.get('actions')} | (none) | |",
        "",
        "Targets (issue 6):",
        "",
    ]
    checks = []
    for n in (10, 50):
        a, b = load_at(ours, n), load_at(base, n)
        if a and b:
            checks.append(
                (
                    f"throughput ≥ 3× baseline at {n} users",
                    a.rps >= TARGETS["throughput_ratio_min"] * b.rps,
                    ratio(a.rps, b.rps),
                )
            )
    a20 = load_at(ours, 20)
    if a20:
        checks.append(
            (
                "p95 ≤ 300 ms at 20 users",
                a20.p95_ms <= TARGETS["p95_ms_at_20_users_max"],
                f"{a20.p95_ms:.0f} ms",
            )
        )
    checks.append(
        (
            "cold start ≤ 20 s",
            (ours.cold_start_s or 1e9) <= TARGETS["cold_start_s_max"],
            f"{ours.cold_start_s} s",
        )
    )
    checks.append(
        (
            "≤ 1 GB per server process",
            max(ours.rss_mb.values() or [1e9]) <= TARGETS["rss_mb_max"],
            f"{max(ours.rss_mb.values() or [0])} MB",
        )
    )
    if ours.training_s is not None:
        checks.append(
            ("training ≤ 3 minutes", ours.training_s <= TARGETS["training_s_max"], f"{ours.training_s} s")
        )
    lines += [f"- {'met' if ok else 'NOT met'}: {what} (measured {value})" for what, ok, value in checks]
    lines += [
        "",
        "<details><summary>raw figures (JSON)</summary>",
        "",
        "```json",
        json.dumps({"ours": asdict(ours), "baseline": asdict(base)}, indent=1),
        "```",
        "",
        "</details>",
        "",
    ]
    return lines


def write_doc(section: List[str]) -> None:
    header = [
        "# Benchmark: this bot against Rasa's `rasa init` baseline",
        "",
        "Produced by `bash scripts/benchmark.sh` (what it measures and how: `scripts/benchmark.py`).",
        "The newest run is first; older runs stay below for comparison.",
        "",
    ]
    older = ""
    if DOC.is_file():
        text = DOC.read_text(encoding="utf-8")
        cut = text.find("## Run of ")
        older = text[cut:] if cut >= 0 else ""
    DOC.write_text("\n".join(header + section) + "\n" + older, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 20, 50])
    parser.add_argument("--duration", type=int, default=60, help="seconds per load level")
    parser.add_argument("--skip-training", action="store_true", help="do not time our training from scratch")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmark.md alone")
    args = parser.parse_args()
    if not LOCUST.is_file():
        print("locust not found: run via scripts/benchmark.sh (it installs .venv-bench)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mkb-bench-") as name:
        tmp = Path(name)
        ours = bench_ours(args.users, args.duration, tmp, train=not args.skip_training)
        base = bench_baseline(args.users, args.duration, tmp)
    section = report(ours, base, args)
    print("\n".join(section[: section.index("<details><summary>raw figures (JSON)</summary>")]))
    if not args.no_doc:
        write_doc(section)
        print(f"written: {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
