"""Held-out NLU evaluation: run ``rasa test nlu`` on tests/nlu/ and write the report to docs/.

    .venv/bin/python scripts/eval_nlu.py                 # held-out set against models/bot.tar.gz
    .venv/bin/python scripts/eval_nlu.py --cross-validation 5   # also k-fold CV on data/nlu (k trainings)

Rasa writes its raw reports (intent_report.json, DIETClassifier_report.json, errors, confusion
matrix image) to results/nlu/ (not committed); this script turns them into docs/nlu-evaluation.md:
macro and weighted intent F1, per-intent precision/recall/F1/support, the most frequent confusions
with examples, and entity F1 per entity type, with the date, machine, model and pipeline. The targets
of issue 6 (intent macro F1 >= 0.92, entity F1 >= 0.90) are printed next to the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INTENT_TARGET = 0.92
ENTITY_TARGET = 0.90


def rasa(*args: str) -> None:
    cmd = [str(Path(sys.executable).parent / "rasa"), *args]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def load(path: Path) -> Optional[Dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def met(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


def per_label_rows(report: Dict[str, Any]) -> List[str]:
    rows = []
    labels = sorted(k for k, v in report.items() if isinstance(v, dict) and "support" in v and "avg" not in k)
    for label in labels:
        v = report[label]
        rows.append(
            f"| `{label}` | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1-score']:.2f} | {v['support']} |"
        )
    return rows


def confusions(errors: List[Dict[str, Any]], top: int = 12) -> List[str]:
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    examples: Dict[tuple, str] = {}
    for e in errors:
        examples.setdefault((e["intent"], e["intent_prediction"]["name"]), e["text"])
    rows = []
    for (gold, predicted), n in pairs.most_common(top):
        text = examples[(gold, predicted)].replace("|", "/")
        if len(text) > 90:
            text = text[:87] + "..."
        rows.append(f"| `{gold}` | `{predicted}` | {n} | {text} |")
    return rows


def entity_summary(report: Optional[Dict[str, Any]]) -> tuple[Optional[float], List[str]]:
    if not report:
        return None, []
    rows = per_label_rows({k: v for k, v in report.items() if k != "no_entity"})
    micro = report.get("micro avg") or report.get("weighted avg") or {}
    return micro.get("f1-score"), rows


def pipeline_name() -> str:
    from bot import nlp

    info = nlp.describe(ROOT / ".spacy" / "nl_pipeline")
    return info.name if info else "unknown"


def diet_report(folder: Path) -> Optional[Dict[str, Any]]:
    """The entity report of the DIET classifier, whatever the component's class name
    (``DIETClassifier_report.json``, or ``QuickLoadDIETClassifier_report.json`` for bot.nlu.diet)."""
    for path in sorted(folder.glob("*DIETClassifier_report.json")):
        return load(path)
    return None


def section(title: str, folder: Path) -> tuple[List[str], Dict[str, Optional[float]]]:
    intents = load(folder / "intent_report.json") or {}
    errors = load(folder / "intent_errors.json") or []
    entity_f1, entity_rows = entity_summary(diet_report(folder))
    macro = intents.get("macro avg", {}).get("f1-score")
    weighted = intents.get("weighted avg", {}).get("f1-score")
    accuracy = intents.get("accuracy")
    lines = [f"## {title}", ""]
    lines.append(f"- intent accuracy: **{accuracy:.3f}**" if accuracy is not None else "- accuracy: n/a")
    lines.append(
        f"- intent macro F1: **{macro:.3f}** (target {INTENT_TARGET}: {met(macro, INTENT_TARGET)})"
        if macro is not None else "- intent macro F1: n/a"
    )
    if weighted is not None:
        lines.append(f"- intent weighted F1: {weighted:.3f}")
    lines.append(
        f"- entity F1 (micro, DIET): **{entity_f1:.3f}** "
        f"(target {ENTITY_TARGET}: {met(entity_f1, ENTITY_TARGET)})"
        if entity_f1 is not None else "- entity F1: n/a"
    )
    table = ["| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += ["", *table, *per_label_rows(intents)]
    if errors:
        lines += ["", "Most frequent confusions (gold -> predicted, count, one example):", "",
                  "| gold | predicted | n | example |", "|---|---|---|---|", *confusions(errors)]
    if entity_rows:
        lines += ["", "| entity | precision | recall | F1 | support |", "|---|---|---|---|---|", *entity_rows]
    return lines, {"macro": macro, "entity": entity_f1, "accuracy": accuracy}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "bot.tar.gz"))
    parser.add_argument("--cross-validation", type=int, default=0, metavar="FOLDS")
    parser.add_argument("--out", default=str(ROOT / "docs" / "nlu-evaluation.md"))
    args = parser.parse_args()

    held_out = ROOT / "results" / "nlu"
    rasa("test", "nlu", "--nlu", "tests/nlu", "--model", args.model, "--out", str(held_out))
    lines, figures = section("Held-out test set (tests/nlu/, not in the training data)", held_out)
    if args.cross_validation:
        cv = ROOT / "results" / "nlu-cv"
        rasa("test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
             "--folds", str(args.cross_validation), "--out", str(cv))
        cv_lines, _ = section(f"{args.cross_validation}-fold cross-validation on data/nlu (test folds)", cv)
        lines += ["", *cv_lines]

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# NLU evaluation",
        "",
        f"Generated by `scripts/eval_nlu.py` on {now}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; spaCy pipeline: `{pipeline_name()}`; "
        f"model: `{Path(args.model).name}`.",
        "Raw Rasa reports (JSON, confusion matrix image) are in `results/nlu/` after a run (not committed).",
        "",
    ]
    Path(args.out).write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"intent macro F1 {figures['macro']}, entity F1 {figures['entity']}, "
          f"accuracy {figures['accuracy']}")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
