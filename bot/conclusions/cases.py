"""Labelled conversation cases (``tests/data/conclusion_cases*.yml``): load, validate, score.

The format is a contract shared with the held-out file::

    cases:
      - id: c001
        note: "..."
        statements:                      # a string is free text; a mapping answers an intake question
          - "We gaan een lasrobot neerzetten."
          - {slot: betrokkenheid, text: "nee, nog niet"}
        expected: {uitleggen: aandachtspunt, betrekken: aandachtspunt, meerwaarde: onbekend, ...}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

from bot.conclusions.model import (
    AANDACHTSPUNT,
    CONCLUSION_IDS,
    INTAKE_SLOTS,
    OP_ORDE,
    STATUSES,
    Assessment,
    Statement,
)


class CaseFileError(ValueError):
    """A case file does not follow the format; the message names file, case and field."""


@dataclass(frozen=True)
class Case:
    """One labelled conversation."""

    id: str
    note: str
    statements: Tuple[Statement, ...]
    expected: Dict[str, str]


def load_cases(path: Path) -> List[Case]:
    """Read and validate a case file."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
        raise CaseFileError(f"{path}: 'cases' (a list) expected at the top")
    cases: List[Case] = []
    seen = set()
    for n, raw in enumerate(data["cases"]):
        where = f"{path}: case #{n + 1}"
        if not isinstance(raw, Mapping):
            raise CaseFileError(f"{where}: a mapping expected")
        cid = str(raw.get("id", "")).strip()
        if not cid:
            raise CaseFileError(f"{where}, field 'id': required")
        where = f"{path}: case '{cid}'"
        if cid in seen:
            raise CaseFileError(f"{where}, field 'id': duplicate")
        seen.add(cid)
        raw_statements = raw.get("statements")
        if not isinstance(raw_statements, list) or not raw_statements:
            raise CaseFileError(f"{where}, field 'statements': a non-empty list expected")
        statements = []
        for turn, item in enumerate(raw_statements):
            if isinstance(item, str):
                statements.append(Statement(text=item, slot=None, turn=turn))
            elif isinstance(item, Mapping) and isinstance(item.get("text"), str):
                slot = item.get("slot")
                if slot is not None and slot not in INTAKE_SLOTS:
                    raise CaseFileError(f"{where}, field 'statements[{turn}].slot': unknown slot {slot!r}")
                statements.append(Statement(text=item["text"], slot=slot, turn=turn))
            else:
                raise CaseFileError(
                    f"{where}, field 'statements[{turn}]': a string or {{slot, text}} expected"
                )
        expected = raw.get("expected")
        if not isinstance(expected, Mapping):
            raise CaseFileError(f"{where}, field 'expected': a mapping of the six conclusion ids expected")
        missing = [c for c in CONCLUSION_IDS if c not in expected]
        unknown = [c for c in expected if c not in CONCLUSION_IDS]
        if missing or unknown:
            raise CaseFileError(f"{where}, field 'expected': missing {missing}, unknown {unknown}")
        for c in CONCLUSION_IDS:
            if expected[c] not in STATUSES:
                raise CaseFileError(
                    f"{where}, field 'expected.{c}': {expected[c]!r} is not one of {STATUSES}"
                )
        cases.append(
            Case(
                id=cid,
                note=str(raw.get("note", "")),
                statements=tuple(statements),
                expected={c: expected[c] for c in CONCLUSION_IDS},
            )
        )
    return cases


@dataclass
class Miss:
    """One wrong status."""

    case: str
    note: str
    conclusion: str
    expected: str
    got: str
    rules: List[str]


@dataclass
class Score:
    """Figures over a case file."""

    cases: int = 0
    statuses: int = 0
    correct: int = 0
    worst: int = 0  # aandachtspunt where op_orde was expected
    cases_all_right: int = 0
    confusion: Counter = field(default_factory=Counter)  # (expected, got) -> n
    per_conclusion: Dict[str, List[int]] = field(default_factory=lambda: {c: [0, 0] for c in CONCLUSION_IDS})
    misses: List[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of the six statuses per case that are right."""
        return self.correct / self.statuses if self.statuses else 0.0

    def add(self, case: Case, assessment: Assessment) -> None:
        """Score one assessed case."""
        self.cases += 1
        all_right = True
        for cid in CONCLUSION_IDS:
            want, got = case.expected[cid], assessment.status(cid)
            self.statuses += 1
            self.confusion[(want, got)] += 1
            self.per_conclusion[cid][1] += 1
            if want == got:
                self.correct += 1
                self.per_conclusion[cid][0] += 1
                continue
            all_right = False
            if want == OP_ORDE and got == AANDACHTSPUNT:
                self.worst += 1
            self.misses.append(
                Miss(case.id, case.note, cid, want, got, [ev.rule_id for ev in assessment.evidence(cid)])
            )
        self.cases_all_right += all_right

    def as_dict(self) -> Dict[str, Any]:
        """JSON-serialisable figures."""
        return {
            "cases": self.cases,
            "statuses": self.statuses,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "cases_all_right": self.cases_all_right,
            "aandachtspunt_where_op_orde": self.worst,
            "per_conclusion": {c: {"correct": v[0], "total": v[1]} for c, v in self.per_conclusion.items()},
            "confusion": {f"{w}->{g}": n for (w, g), n in sorted(self.confusion.items())},
            "misses": [m.__dict__ for m in self.misses],
        }
