#!/usr/bin/env python
"""Build ``knowledge/conclusion_training.yml``: the training data of the conclusion engine's learned layer.

    .venv/bin/python scripts/build_conclusion_training.py            # write the file
    .venv/bin/python scripts/build_conclusion_training.py --check    # exit 1 when it is out of date

The learned layer (``bot/conclusions/learned.py``) decides, per conclusion, whether to keep the status the
rules gave. To learn *how far the rules can be trusted on text they have not seen*, it needs the rules'
statuses as they were when a blind set was measured for the first time, not today's (today's rules were
improved on those very sets and are nearly always right there). So for every blind set in ``MEASURED``
this script checks out the commit of its first measurement in a temporary git worktree, runs that
commit's engine on the set and stores the statuses next to the case (``rules``). The developers' own
cases and the session-1 held-out set (``TEXT_ONLY``) have no such honest rule statuses: they are stored
without ``rules`` and teach the layer only which words go with which status.

A new blind set is added to ``MEASURED`` after its one measurement, with the commit it was measured at.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "knowledge" / "conclusion_training.yml"

#: Blind sets and the commit whose rules measured each one first (see the table in docs/conclusions.md).
MEASURED: Tuple[Tuple[str, str], ...] = (
    ("tests/data/conclusion_cases_fresh.yml", "bb0461a"),
    ("tests/data/conclusion_cases_fresh2.yml", "d6ab2a3"),
    ("tests/data/conclusion_cases_fresh3.yml", "4a7217e"),
    ("tests/data/conclusion_cases_fresh4.yml", "5d8ea3d"),
    ("tests/data/conclusion_cases_fresh5.yml", "4c4aa1f"),
    ("tests/data/conclusion_cases_fresh6.yml", "9f38bed"),
    ("tests/data/conclusion_cases_fresh7.yml", "2aefee7"),
    ("tests/data/conclusion_cases_fresh8.yml", "e2980e8"),
    ("tests/data/conclusion_cases_fresh9.yml", "ef0cdbe"),
    ("tests/data/conclusion_cases_fresh10.yml", "2d1d58c"),
    ("tests/data/conclusion_cases_fresh11.yml", "2d1d58c"),
    ("tests/data/conclusion_cases_fresh12.yml", "0fb052b"),
    ("tests/data/conclusion_cases_fresh13.yml", "0fb052b"),
    ("tests/data/conclusion_cases_fresh14.yml", "f365635"),
    ("tests/data/conclusion_cases_fresh15.yml", "f365635"),
    ("tests/data/conclusion_cases_fresh16.yml", "057c7af"),
    ("tests/data/conclusion_cases_fresh17.yml", "057c7af"),
    ("tests/data/conclusion_cases_fresh18.yml", "bdc1af1"),
    ("tests/data/conclusion_cases_fresh19.yml", "c68ca8f"),
    ("tests/data/conclusion_cases_fresh20.yml", "eca04eb"),
    ("tests/data/conclusion_cases_fresh21.yml", "9d7eded"),
    ("tests/data/conclusion_cases_fresh22.yml", "4570279"),
    ("tests/data/conclusion_cases_fresh23.yml", "58babba"),
    ("tests/data/conclusion_cases_fresh24.yml", "b07b0ca"),
    ("tests/data/conclusion_cases_fresh25.yml", "871e44b"),
    ("tests/data/conclusion_cases_fresh26.yml", "81b8ade"),
    ("tests/data/conclusion_cases_fresh27.yml", "8683aa4"),
)
#: Labelled sets without honest rule statuses (the rules were written with them in view).
TEXT_ONLY: Tuple[str, ...] = (
    "tests/data/conclusion_cases.yml",
    "tests/data/conclusion_cases_heldout.yml",
)

# Runs inside the old worktree, with its own engine: statuses per case id as JSON on stdout.
_OLD_ENGINE = r"""
import json, sys, yaml
sys.path.insert(0, sys.argv[1])
from bot.conclusions import ConclusionEngine
try:  # the rules alone (commits since the learned layer have one; older ones do not)
    engine = ConclusionEngine.from_file(learned=False)
except TypeError:
    engine = ConclusionEngine.from_file()
out = {}
for case in yaml.safe_load(open(sys.argv[2], encoding="utf-8"))["cases"]:
    items = []
    for turn, s in enumerate(case["statements"]):
        if isinstance(s, str):
            s = {"text": s}
        items.append({"text": s["text"], "slot": s.get("slot"), "turn": turn})
    assessment = engine.assess(items)
    out[case["id"]] = {cid: assessment.status(cid) for cid in case["expected"]}
print(json.dumps(out))
"""


def _statuses_at(commit: str, case_file: Path) -> Dict[str, Dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), commit], check=True
        )
        try:
            result = subprocess.run(
                [sys.executable, "-c", _OLD_ENGINE, str(tree), str(case_file)],
                cwd=tree,
                check=True,
                capture_output=True,
                text=True,
            )
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _case_rows(rel: str, rules: Dict[str, Dict[str, str]] = None) -> List[Dict[str, Any]]:
    data = yaml.safe_load((ROOT / rel).read_text(encoding="utf-8"))
    rows = []
    for case in data["cases"]:
        row: Dict[str, Any] = {
            "id": case["id"],
            "source": rel,
            "statements": [
                {"text": s} if isinstance(s, str) else {k: s[k] for k in ("slot", "text") if s.get(k)}
                for s in case["statements"]
            ],
            "expected": dict(case["expected"]),
        }
        if rules is not None:
            row["rules"] = rules[case["id"]]
        rows.append(row)
    return rows


def build(rule_statuses: Dict[str, Dict[str, Dict[str, str]]]) -> str:
    rows: List[Dict[str, Any]] = []
    for rel, _ in MEASURED:
        rows.extend(_case_rows(rel, rule_statuses[rel]))
    for rel in TEXT_ONLY:
        rows.extend(_case_rows(rel))
    header = (
        "# Training data of the conclusion engine's learned layer (bot/conclusions/learned.py).\n"
        "# GENERATED by scripts/build_conclusion_training.py from the labelled case files; do not edit by\n"
        "# hand (a unit test checks it matches the case files). 'rules' = the statuses the rules gave\n"
        "# at the first measurement of a blind set (commit below); cases without 'rules' teach words only.\n"
    )
    meta = {
        "measured": [{"file": rel, "rules_commit": commit} for rel, commit in MEASURED],
        "text_only": list(TEXT_ONLY),
    }
    body = yaml.safe_dump(
        {**meta, "cases": rows}, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=None
    )
    return header + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare the case texts and labels")
    args = parser.parse_args()
    if args.check:
        from bot.conclusions.learned import load_training, training_in_sync

        problems = training_in_sync(load_training(OUT), ROOT)
        for p in problems:
            print(p)
        return 1 if problems else 0
    statuses = {}
    for rel, commit in MEASURED:
        print(f"{rel}: rules of {commit} ...", flush=True)
        statuses[rel] = _statuses_at(commit, ROOT / rel)
    OUT.write_text(build(statuses), encoding="utf-8")
    print(f"written: {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
