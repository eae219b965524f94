"""Measure cold start (process start to first reply) and the memory of the two servers.

Usage: .venv/bin/python scripts/measure_startup.py [--json]
Starts the real action server and Rasa server (tests/e2e/server.py) on free loopback ports with the
trained model, sends "hoi" through the REST channel, and reads the resident memory (RSS) of both
processes from /proc after the first reply and after 20 more messages.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.server import BotServer  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (from /proc)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = BotServer(workdir=Path(tmp))
        started = time.monotonic()
        server.start()
        ready = time.monotonic()
        reply = server.texts("meting", "hoi")
        first = time.monotonic()
        actions_proc, rasa_proc = server._procs[0], server._procs[1]
        after_first = {"rasa_mb": rss_mb(rasa_proc.pid), "actions_mb": rss_mb(actions_proc.pid)}
        for i in range(10):
            server.texts(f"meting-{i}", "wat is een 4.0-teamleider?")
            server.texts(f"meting-{i}", "we willen een cobot bij het inpakken")
        after_load = {"rasa_mb": rss_mb(rasa_proc.pid), "actions_mb": rss_mb(actions_proc.pid)}
        server.stop()
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "cold_start_to_ready_s": round(ready - started, 1),
        "cold_start_to_first_reply_s": round(first - started, 1),
        "first_reply": reply[:1],
        "memory_after_first_reply": after_first,
        "memory_after_20_messages": after_load,
    }
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
