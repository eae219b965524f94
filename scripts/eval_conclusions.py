#!/usr/bin/env python
"""Evaluate the conclusion engine on a labelled case file and record the figures in docs/conclusions.md.

    .venv/bin/python scripts/eval_conclusions.py                       # the held-out file
    .venv/bin/python scripts/eval_conclusions.py tests/data/conclusion_cases.yml
    .venv/bin/python scripts/eval_conclusions.py --json --no-doc       # figures as JSON, no doc update
    .venv/bin/python scripts/eval_conclusions.py --rules-only FILE     # the rules without the learned layer
    .venv/bin/python scripts/eval_conclusions.py --cv                  # leave-one-set-out, learned layer
    .venv/bin/python scripts/eval_conclusions.py --rules-all AFTER.json [--compare BEFORE.json]
                                              # the rules alone on every case file, and what moved

Reports the per-status accuracy (share of the six statuses per case that are right), the number of
"aandachtspunt where the expected status is op_orde" (the worst error: advice about a gap the owner
does not have), a confusion table, the misses and the speed of ``assess()``. Exit status: 0 when
accuracy >= 95% and there is no aandachtspunt-where-op_orde, 1 when not, 2 when the file is missing
or invalid.

By default the engine is measured as the bot runs it: the rules plus the learned layer
(``bot/conclusions/learned.py``). A case file that is part of the layer's training data
(``knowledge/conclusion_training.yml``) is marked as such: its figure says nothing about new text. ``--cv``
trains the layer on all but one blind set and tests it on that set, with the rules' statuses of the set's
first measurement, for every blind set in the training file (the honest estimate for new text).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import PROJECT_ROOT  # noqa: E402
from bot.conclusions import CONCLUSION_IDS, STATUSES, ConclusionEngine  # noqa: E402
from bot.conclusions.cases import Case, CaseFileError, Score, load_cases  # noqa: E402

DEFAULT_CASES = PROJECT_ROOT / "tests" / "data" / "conclusion_cases_heldout.yml"
DOC = PROJECT_ROOT / "docs" / "conclusions.md"
MIN_ACCURACY = 0.95


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def measure_speed(engine: ConclusionEngine, cases: List[Case], n: int = 30) -> Dict[str, float]:
    """Time ``assess()`` on a 20-statement conversation: cold (nothing cached) and warm (cached)."""
    statements = [s for case in cases for s in case.statements][:20]
    while len(statements) < 20:
        statements = statements + statements
    statements = statements[:20]
    engine.assess(statements)
    cold, warm = [], []
    for _ in range(n):
        engine.clear_caches()
        start = time.perf_counter()
        engine.assess(statements)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.assess(statements)
        warm.append(time.perf_counter() - start)
    return {
        "statements": len(statements),
        "cold_ms_best": round(min(cold) * 1000, 2),
        "cold_ms_median": round(statistics.median(cold) * 1000, 2),
        "warm_ms_median": round(statistics.median(warm) * 1000, 3),
    }


def environment() -> Dict[str, Any]:
    """Date, machine and pipeline, for the record."""
    from bot import nlp

    info = nlp.describe()
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} ({platform.system()} {platform.machine()}, {os.cpu_count()} CPU, "
        f"load {load}), Python {platform.python_version()}",
        "pipeline": info.summary if info else "geen pipeline voorbereid",
    }


def evaluate(path: Path, rules_only: bool = False) -> Dict[str, Any]:
    """Run every case of ``path`` and return the figures (see ``Score.as_dict``) plus context."""
    from bot.conclusions.learned import load_training

    cases = load_cases(path)
    engine = ConclusionEngine.from_file(learned=not rules_only)
    _ = engine.nlp  # the pipeline loads first, so the timing below is the layer's training alone
    start = time.perf_counter()
    learned = engine.model is not None
    train_s = round(time.perf_counter() - start, 2) if learned else None
    score = Score()
    for case in cases:
        score.add(case, engine.assess(case.statements))
    result = score.as_dict()
    result["file"] = _rel(path)
    result["mode"] = "alleen de regels" if rules_only else "regels + geleerde laag"
    result["in_training"] = (not rules_only) and result["file"] in {c.source for c in load_training()}
    result["speed"] = measure_speed(engine, cases)
    result["speed"]["train_s"] = train_s
    result["rules"] = len(engine.rules)
    result.update(environment())
    result["passed"] = score.accuracy >= MIN_ACCURACY and score.worst == 0
    result["confusion_matrix"] = {
        want: {got: score.confusion.get((want, got), 0) for got in STATUSES} for want in STATUSES
    }
    return result


def render(result: Dict[str, Any]) -> str:
    """The Markdown block for docs/conclusions.md."""
    lines = [
        f"### `{result['file']}`",
        "",
        f"- Datum: {result['date']}; machine: {result['machine']}",
        f"- Pipeline: {result['pipeline']}",
        f"- Engine: {result['mode']}"
        + (
            " (LET OP: dit bestand zit in de trainingsdata van de geleerde laag; het cijfer zegt niets over "
            "nieuwe tekst, zie `--cv`)"
            if result.get("in_training")
            else ""
        ),
        f"- Reproduceren: `.venv/bin/python scripts/eval_conclusions.py "
        f"{'--rules-only ' if result['mode'] == 'alleen de regels' else ''}{result['file']}`",
        "",
        "| maat | waarde |",
        "|---|---|",
        f"| casussen | {result['cases']} ({result['statuses']} statussen, {result['rules']} regels) |",
        f"| **nauwkeurigheid per status** | **{result['accuracy']:.1%}** "
        f"({result['correct']}/{result['statuses']}) |",
        f"| casussen helemaal goed | {result['cases_all_right']}/{result['cases']} |",
        f"| **aandachtspunt waar op_orde verwacht** | **{result['aandachtspunt_where_op_orde']}** |",
        f"| assess(), 20 uitspraken, koud (beste / mediaan) | {result['speed']['cold_ms_best']} / "
        f"{result['speed']['cold_ms_median']} ms |",
        f"| assess(), 20 uitspraken, warm (mediaan) | {result['speed']['warm_ms_median']} ms |",
        *(
            [
                "| geleerde laag trainen of uit .cache/ laden (eenmalig per proces) | "
                f"{result['speed']['train_s']} s |"
            ]
            if result["speed"].get("train_s") is not None
            else []
        ),
        f"| drempel (>= 95%, 0 ergste fouten) | {'gehaald' if result['passed'] else 'NIET gehaald'} |",
        "",
        "Per conclusie:",
        "",
        "| conclusie | goed |",
        "|---|---|",
    ]
    for cid in CONCLUSION_IDS:
        pc = result["per_conclusion"][cid]
        lines.append(f"| {cid} | {pc['correct']}/{pc['total']} |")
    lines += [
        "",
        "Verwarringstabel (rij = verwacht, kolom = gegeven):",
        "",
        "| verwacht \\ gegeven | " + " | ".join(STATUSES) + " |",
        "|---|" + "---|" * len(STATUSES),
    ]
    for want in STATUSES:
        row = result["confusion_matrix"][want]
        lines.append(f"| {want} | " + " | ".join(str(row[got]) for got in STATUSES) + " |")
    lines += ["", f"Missers ({len(result['misses'])}):", ""]
    if not result["misses"]:
        lines.append("- geen")
    for miss in result["misses"]:
        rules = ", ".join(miss["rules"]) or "geen regel"
        lines.append(
            f"- `{miss['case']}` {miss['conclusion']}: verwacht {miss['expected']}, gegeven {miss['got']} "
            f"({rules}) - {miss['note']}"
        )
    return "\n".join(lines) + "\n"


def cross_validate() -> Dict[str, Any]:
    """Leave one blind set out: train the learned layer on the rest, test it on that set.

    The test set's rule statuses are those of its first measurement (stored in the training file), so
    both columns are what the rules alone and rules + layer would have scored on text never seen.
    """
    from bot.conclusions.learned import StatusModel, load_training, merged_conversations, scope_of

    cases = load_training()
    engine = ConclusionEngine.from_file(learned=False)
    feats = {case.id: engine.statement_features_of(case) for case in cases}
    scope = scope_of(engine)
    sources = list(dict.fromkeys(case.source for case in cases if case.rules))
    rows, total = [], {"statuses": 0, "rules": 0, "learned": 0, "rules_worst": 0, "learned_worst": 0}
    for source in sources:
        model = StatusModel.train([c for c in cases if c.source != source], lambda c: feats[c.id], scope)
        row = {"file": source, "statuses": 0, "rules": 0, "learned": 0, "rules_worst": 0, "learned_worst": 0}
        for case in (c for c in cases if c.source == source):
            counted = engine.counted(case.statements)
            final = model.final_statuses([model.columns(feats[case.id][i]) for i in counted], case.rules)
            final.update({cid: case.rules[cid] for cid in engine.left_to_rules(case.statements)})
            for cid in CONCLUSION_IDS:
                want = case.expected[cid]
                row["statuses"] += 1
                for key, got in (("rules", case.rules[cid]), ("learned", final[cid])):
                    row[key] += got == want
                    row[key + "_worst"] += want == "op_orde" and got == "aandachtspunt"
        # the same set as longer conversations (2-4 of its cases that speak about different conclusions
        # merged, as in a full intake): does the layer hold when the owner also talks about other things?
        tests = [c for c in cases if c.source == source]
        for key in ("long_statuses", "long_rules", "long_rules_worst", "long_learned", "long_learned_worst"):
            row[key] = 0
        for group, long_case in merged_conversations(tests, 1.0, seed=11):
            features = [f for i in group for f in feats[tests[i].id]]
            cols = [model.columns(features[i]) for i in engine.counted(long_case.statements)]
            final = model.final_statuses(cols, long_case.rules)
            final.update({cid: long_case.rules[cid] for cid in engine.left_to_rules(long_case.statements)})
            for cid in CONCLUSION_IDS:
                want = long_case.expected[cid]
                row["long_statuses"] += 1
                row["long_rules"] += long_case.rules[cid] == want
                row["long_rules_worst"] += want == "op_orde" and long_case.rules[cid] == "aandachtspunt"
                row["long_learned"] += final[cid] == want
                row["long_learned_worst"] += want == "op_orde" and final[cid] == "aandachtspunt"
        rows.append(row)
        for key in row:
            if key != "file":
                total[key] = total.get(key, 0) + row[key]
    return {"sets": rows, "total": total, **environment()}


def render_cv(result: Dict[str, Any]) -> str:
    lines = [
        "### Leave-one-set-out van de geleerde laag (`--cv`)",
        "",
        f"- Datum: {result['date']}; machine: {result['machine']}",
        f"- Pipeline: {result['pipeline']}",
        "- Reproduceren: `.venv/bin/python scripts/eval_conclusions.py --cv`",
        "- Per blinde set: de laag getraind op alle andere casussen, getest op deze set met de statussen",
        "  die de regels bij de eerste meting van de set gaven (in `knowledge/conclusion_training.yml`).",
        "",
        "- Lange gesprekken: dezelfde set met telkens 2-4 casussen over verschillende conclusies",
        "  samengevoegd (zoals een volledige intake); regelstatussen van de delen samengenomen.",
        "",
        "| set | regels (eerste meting) | ergste | regels + geleerde laag | ergste "
        "| lang: regels | ergste | lang: regels + laag | ergste |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["sets"] + [dict(result["total"], file="**samen**")]:
        n, m = row["statuses"], row["long_statuses"]
        lines.append(
            f"| {row['file']} | {row['rules'] / n:.1%} ({row['rules']}/{n}) | {row['rules_worst']} | "
            f"{row['learned'] / n:.1%} ({row['learned']}/{n}) | {row['learned_worst']} | "
            f"{row['long_rules'] / m:.1%} | {row['long_rules_worst']} | {row['long_learned'] / m:.1%} | "
            f"{row['long_learned_worst']} |"
        )
    return "\n".join(lines) + "\n"


def update_doc(
    result: Dict[str, Any], doc: Path = DOC, key: Optional[str] = None, text_block: str = ""
) -> None:
    """Replace (or add) the block of this case file between its markers in ``doc``."""
    key = key or result["file"]
    start = f"<!-- eval:{key}:start -->"
    end = f"<!-- eval:{key}:end -->"
    block = f"{start}\n{text_block or render(result)}{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# De conclusie-engine\n\n## Meetresultaten\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def rules_on_all(paths: Optional[List[Path]] = None) -> Dict[str, Any]:
    """The rules alone on every case file (default: all ``tests/data/conclusion_cases*.yml``): the status per
    case and conclusion, and the sums. What a change of the rules does to every labelled case at once; with
    ``compare`` the statuses that moved."""
    files = paths or sorted((PROJECT_ROOT / "tests" / "data").glob("conclusion_cases*.yml"))
    engine = ConclusionEngine.from_file(learned=False)
    statuses: Dict[str, Dict[str, str]] = {}
    expected: Dict[str, Dict[str, str]] = {}
    right = total = worst = 0
    for path in files:
        for case in load_cases(Path(path)):
            assessment = engine.assess(case.statements)
            statuses[case.id] = {cid: assessment.status(cid) for cid in CONCLUSION_IDS}
            expected[case.id] = dict(case.expected)
            for cid in CONCLUSION_IDS:
                want, got = case.expected[cid], statuses[case.id][cid]
                total += 1
                right += got == want
                worst += want == "op_orde" and got == "aandachtspunt"
    return {
        "files": [_rel(Path(f)) for f in files],
        "statuses": statuses,
        "expected": expected,
        "total": total,
        "right": right,
        "worst": worst,
    }


def compare(before: Dict[str, Dict[str, str]], after: Dict[str, Any]) -> List[str]:
    """One line per status that moved between two ``rules_on_all`` runs: BETTER, WORSE or CHANGE (both
    wrong)."""
    lines = []
    for case_id, now in after["statuses"].items():
        old = before.get(case_id)
        if old is None:
            continue
        for cid, got in now.items():
            if old.get(cid, got) != got:
                want = after["expected"][case_id][cid]
                tag = "BETTER" if got == want else "WORSE" if old[cid] == want else "CHANGE"
                lines.append(f"{tag} {case_id} {cid}: {old[cid]} -> {got} (verwacht {want})")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cases", nargs="?", default=str(DEFAULT_CASES), help="case file (default: the held-out file)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/conclusions.md")
    parser.add_argument("--rules-only", action="store_true", help="the rules without the learned layer")
    parser.add_argument("--cv", action="store_true", help="leave-one-set-out figures of the learned layer")
    parser.add_argument(
        "--rules-all",
        metavar="OUT.json",
        help="the rules alone on every case file; the statuses per case go to OUT.json",
    )
    parser.add_argument(
        "--compare", metavar="BEFORE.json", help="with --rules-all: what moved since BEFORE.json"
    )
    args = parser.parse_args(argv)
    if args.rules_all:
        result = rules_on_all()
        Path(args.rules_all).write_text(json.dumps(result["statuses"], ensure_ascii=False), encoding="utf-8")
        if args.compare:
            print("\n".join(compare(json.loads(Path(args.compare).read_text(encoding="utf-8")), result)))
        print(
            f"regels alleen, {len(result['files'])} casusbestanden: {result['right']}/{result['total']} = "
            f"{100 * result['right'] / result['total']:.2f}%, "
            f"aandachtspunt waar op_orde verwacht: {result['worst']}"
        )
        return 0
    if args.cv:
        cv = cross_validate()
        if not args.no_doc:
            update_doc(cv, key="cv", text_block=render_cv(cv))
        print(json.dumps(cv, ensure_ascii=False, indent=2) if args.json else render_cv(cv))
        t = cv["total"]
        return 0 if t["learned"] / t["statuses"] >= MIN_ACCURACY and t["learned_worst"] == 0 else 1
    path = Path(args.cases)
    if not path.is_file():
        print(f"Geen casusbestand: {path} bestaat (nog) niet.", file=sys.stderr)
        return 2
    try:
        result = evaluate(path, rules_only=args.rules_only)
    except (CaseFileError, ValueError) as exc:
        print(f"Ongeldig casusbestand: {exc}", file=sys.stderr)
        return 2
    if not args.no_doc:
        update_doc(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render(result))
        if not args.no_doc:
            print(f"(bijgewerkt: {_rel(DOC)})")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
