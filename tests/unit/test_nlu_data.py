"""The held-out NLU test set stays apart from the training data, and covers what it must (issue 6).

Both sets are read with Rasa's own loader, as `rasa train` and `rasa test nlu` read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Set

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[2]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def train() -> TrainingData:
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def test() -> TrainingData:
    return load_data(str(ROOT / "tests" / "nlu" / "test_nlu.yml"))


def test_no_test_message_is_in_the_training_data(train, test) -> None:
    seen = {_norm(m.get("text")) for m in train.intent_examples}
    leaked = sorted(m.get("text") for m in test.intent_examples if _norm(m.get("text")) in seen)
    assert leaked == []


def test_the_test_set_is_large_enough_and_covers_every_intent(train, test) -> None:
    assert len(test.intent_examples) >= 250
    domain_intents: Set[str] = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", []) or []:
            # "- greet" or "- greet: {use_entities: ...}"
            domain_intents |= set(item) if isinstance(item, dict) else {item}
    # nlu_fallback is Rasa's own (FallbackClassifier), not a trained intent
    trained = train.intents - {"nlu_fallback"}
    assert trained <= domain_intents
    assert trained - test.intents == set(), "every trained intent has held-out messages"


def test_the_test_set_covers_every_entity(train, test) -> None:
    assert train.entities, "the training data annotates entities"
    assert train.entities - test.entities == set()
