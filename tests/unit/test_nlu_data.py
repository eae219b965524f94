"""The held-out NLU test set stays apart from the training data, and covers what it must (issue 6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def _examples(path: Path) -> Dict[str, List[str]]:
    """intent -> example texts (entity markup removed) of one Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: Dict[str, List[str]] = {}
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        lines = [ln.strip() for ln in str(block.get("examples", "")).splitlines()]
        out.setdefault(block["intent"], []).extend(ln[2:] for ln in lines if ln.startswith("- "))
    return out


def _entities(path: Path) -> Set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"\]\((\w+)\)", text)) | set(re.findall(r'\]\{"entity":\s*"(\w+)"', text))


def _norm(text: str) -> str:
    return " ".join(_ANNOTATION.sub(r"\1", text).lower().split())


@pytest.fixture(scope="module")
def train() -> Dict[str, List[str]]:
    merged: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for intent, texts in _examples(path).items():
            merged.setdefault(intent, []).extend(texts)
    return merged


@pytest.fixture(scope="module")
def test() -> Dict[str, List[str]]:
    return _examples(ROOT / "tests" / "nlu" / "test_nlu.yml")


def test_no_test_message_is_in_the_training_data(train, test) -> None:
    seen = {_norm(t) for texts in train.values() for t in texts}
    leaked = sorted(t for texts in test.values() for t in texts if _norm(t) in seen)
    assert leaked == []


def test_the_test_set_is_large_enough_and_covers_every_intent(train, test) -> None:
    assert sum(len(v) for v in test.values()) >= 250
    domain_intents: Set[str] = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", []) or []:
            # "- greet" or "- greet: {use_entities: ...}"
            domain_intents |= set(item) if isinstance(item, dict) else {item}
    # nlu_fallback is Rasa's own (FallbackClassifier), not a trained intent
    trained = set(train) - {"nlu_fallback"}
    assert trained <= domain_intents
    assert trained - set(test) == set(), "every trained intent has held-out messages"


def test_the_test_set_covers_every_entity() -> None:
    trained = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        trained |= _entities(path)
    assert trained, "the training data annotates entities"
    assert trained - _entities(ROOT / "tests" / "nlu" / "test_nlu.yml") == set()
