"""Run the blind scripted conversations through the REST channel of a real server and count what holds.

The pytest suite (tests/e2e/test_scripted_conversations.py) says pass or fail per conversation; this
script gives the figures the docs quote: conversations that pass, statuses right, and the worst errors
(``aandachtspunt`` where the writer expected ``op_orde``: advice about a gap the owner does not have),
in total and per file. It is how a new blind batch is measured once (docs/conclusions.md, "Gescripte
gesprekken via REST").

    .venv/bin/python scripts/eval_scripted.py                      # all files, own server
    .venv/bin/python scripts/eval_scripted.py s123 s134 -v         # two conversations, with transcript
    .venv/bin/python scripts/eval_scripted.py --files 'tests/data/scripted_conversations_fresh12.yml'
    .venv/bin/python scripts/eval_scripted.py --url http://127.0.0.1:5005 --token T   # a running server

Without ``--url`` it starts the action server and the Rasa server with ``models/bot.tar.gz`` on free
loopback ports in a temporary folder (as the end-to-end tests do) and stops them afterwards.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_FILES = "tests/data/scripted_conversations*.yml"
AANDACHTSPUNT, OP_ORDE = "aandachtspunt", "op_orde"


@dataclass
class Result:
    id: str
    file: str
    expect: Dict[str, str]
    got: Dict[str, str]
    transcript: List[Tuple[str, List[str]]] = field(default_factory=list)
    evidence: Dict[str, list] = field(default_factory=dict)
    error: Optional[str] = None

    @property
    def wrong(self) -> Dict[str, Tuple[str, Optional[str]]]:
        got = self.got
        return {cid: (want, got.get(cid)) for cid, want in self.expect.items() if got.get(cid) != want}

    @property
    def worst(self) -> int:
        return sum(1 for want, got in self.wrong.values() if want == OP_ORDE and got == AANDACHTSPUNT)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.wrong


def load_conversations(patterns: Sequence[str], ids: Sequence[str]) -> List[Tuple[str, dict]]:
    paths = sorted({p for pattern in patterns for p in glob.glob(str(ROOT / pattern))})
    convs = []
    for path in paths:
        for conv in (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("conversations", []):
            if not ids or conv["id"] in ids:
                convs.append((Path(path).name, conv))
    return convs


def run_one(url: str, token: str, file: str, conv: dict) -> Result:
    sender = f"eval-{conv['id']}-{uuid.uuid4().hex[:6]}"
    result = Result(conv["id"], file, dict(conv["expect"]), {})
    try:
        for message in conv["messages"]:
            resp = requests.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=120
            )
            resp.raise_for_status()
            result.transcript.append((message, [m.get("text", "") for m in resp.json()]))
        resp = requests.get(f"{url}/conversations/{sender}/tracker", params={"token": token}, timeout=60)
        resp.raise_for_status()
        slot = resp.json()["slots"].get("conclusion_status") or {}
    except requests.RequestException as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    result.got = {cid: (v.get("status") if isinstance(v, dict) else v) for cid, v in slot.items()}
    result.evidence = {cid: v.get("evidence", []) for cid, v in slot.items() if isinstance(v, dict)}
    return result


def summary(results: Sequence[Result]) -> Dict[str, int]:
    return {
        "conversations": len(results),
        "passed": sum(r.passed for r in results),
        "statuses": sum(len(r.expect) for r in results),
        "right": sum(len(r.expect) - len(r.wrong) for r in results),
        "worst": sum(r.worst for r in results),
        "errors": sum(r.error is not None for r in results),
    }


def line(label: str, s: Dict[str, int]) -> str:
    pct = 100.0 * s["right"] / s["statuses"] if s["statuses"] else 0.0
    text = (
        f"{label}: conversations {s['passed']}/{s['conversations']}, statuses {s['right']}/{s['statuses']} "
        f"({pct:.1f}%), worst errors {s['worst']}"
    )
    return text + (f", failed to run {s['errors']}" if s["errors"] else "")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="conversation ids (default: all)")
    parser.add_argument(
        "--files", action="append", help=f"glob of script files, may be repeated (default {DEFAULT_FILES})"
    )
    parser.add_argument("--url", help="a running Rasa server (with --enable-api)")
    parser.add_argument("--token", default="", help="its --auth-token")
    parser.add_argument("--jobs", type=int, default=4, help="conversations sent at the same time (default 4)")
    parser.add_argument("-v", "--verbose", action="store_true", help="transcript and evidence of failures")
    parser.add_argument("--json", type=Path, help="write every result to this file")
    args = parser.parse_args(argv)

    patterns = args.files or [DEFAULT_FILES]
    convs = load_conversations(patterns, args.ids)
    if not convs:
        print(f"no conversations match {' '.join(patterns)} {' '.join(args.ids)}", file=sys.stderr)
        return 2
    server = None
    url, token = args.url, args.token
    if not url:
        from tests.e2e.server import MODEL, BotServer

        if not MODEL.exists():
            print(f"{MODEL} is missing: train first (bash scripts/test.sh trains when needed)")
            return 2
        server = BotServer(workdir=Path(tempfile.mkdtemp(prefix="eval-scripted-")))
        print(f"starting a server in {server.workdir} ...", flush=True)
        server.start()
        url, token = server.url, server.token
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(lambda fc: run_one(url, token, *fc), convs))
    finally:
        if server is not None:
            server.stop()

    for r in results:
        mark = "OK  " if r.passed else "FAIL"
        detail = r.error or (", ".join(f"{c}: {w} -> {g}" for c, (w, g) in r.wrong.items()))
        print(f"{mark} {r.id} ({r.file}) {detail}".rstrip())
        if args.verbose and not r.passed:
            for message, replies in r.transcript:
                print(f"     > {message}\n     < {' | '.join(replies)[:300]}")
            for cid in r.wrong:
                print(f"     {cid}: {json.dumps(r.evidence.get(cid), ensure_ascii=False)[:600]}")
    files = sorted({r.file for r in results})
    if len(files) > 1:
        for name in files:
            print(line(name, summary([r for r in results if r.file == name])))
    print(line("total", summary(results)))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "summary": summary(results),
                    "results": [
                        {"id": r.id, "file": r.file, "expect": r.expect, "got": r.got, "error": r.error}
                        for r in results
                    ],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0 if all(r.error is None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
