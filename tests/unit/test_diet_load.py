"""bot.nlu.diet.QuickLoadDIETClassifier: the trained model gives the same predictions as with Rasa's own load.

Loads models/bot.tar.gz twice: once as configured (eager one-example fit, then graph-mode predict),
once with Rasa's DIETClassifier load path (graph-mode training-step trace), and compares intent
rankings and entities on a set of Dutch messages.
"""

from __future__ import annotations

import asyncio
import time
from typing import Dict, List

import pytest

from bot import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "bot.tar.gz"

MESSAGES = [
    "hoi",
    "we willen een cobot bij het lassen omdat we geen mensen kunnen vinden",
    "wat is een 4.0-teamleider?",
    "nee, dat klopt niet, het is een lasrobot",
    "sla over",
    "waarom vraag je dat?",
    "geef me maar advies",
    "we zijn met 45 man in de metaal en gaan AR-brillen invoeren",
    "doei",
    "asdfgh qwerty",
]


def _parse_all(agent) -> List[Dict]:
    async def run() -> List[Dict]:
        return [await agent.parse_message(m) for m in MESSAGES]

    return asyncio.run(run())


def _summary(parsed: Dict) -> Dict:
    return {
        "intent": parsed["intent"]["name"],
        "ranking": {r["name"]: r["confidence"] for r in parsed.get("intent_ranking", [])},
        "entities": sorted((e["entity"], e["value"]) for e in parsed.get("entities", [])),
    }


@pytest.fixture(scope="module")
def both_loads():
    if not MODEL.is_file():
        pytest.skip("no trained model (scripts/test.sh trains first)")
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    from bot.nlu.diet import QuickLoadDIETClassifier

    start = time.perf_counter()
    quick_agent = Agent.load(str(MODEL))
    quick_seconds = time.perf_counter() - start
    quick = [_summary(p) for p in _parse_all(quick_agent)]
    diet_nodes = [
        n for n in quick_agent.processor.model_metadata.predict_schema.nodes.values()
        if n.uses is QuickLoadDIETClassifier
    ]

    original = QuickLoadDIETClassifier.__dict__["_load_model_class"]
    QuickLoadDIETClassifier._load_model_class = classmethod(DIETClassifier._load_model_class.__func__)
    try:
        start = time.perf_counter()
        rasa_agent = Agent.load(str(MODEL))
        rasa_seconds = time.perf_counter() - start
        rasa = [_summary(p) for p in _parse_all(rasa_agent)]
    finally:
        QuickLoadDIETClassifier._load_model_class = original
    return {"quick": quick, "rasa": rasa, "quick_s": quick_seconds, "rasa_s": rasa_seconds,
            "diet_nodes": diet_nodes}


def test_the_model_uses_the_quick_loading_diet(both_loads):
    assert len(both_loads["diet_nodes"]) == 1


def test_same_intents_confidences_and_entities_as_rasas_load(both_loads):
    for text, quick, rasa in zip(MESSAGES, both_loads["quick"], both_loads["rasa"]):
        assert quick["intent"] == rasa["intent"], text
        assert quick["entities"] == rasa["entities"], text
        assert quick["ranking"].keys() == rasa["ranking"].keys(), text
        for name, confidence in quick["ranking"].items():
            assert confidence == pytest.approx(rasa["ranking"][name], abs=1e-4), (text, name)


def test_loading_is_faster_than_rasas(both_loads):
    # ~30 s of training-graph tracing saved on this machine (docs/figures.md); generous margin for CI
    assert both_loads["quick_s"] < both_loads["rasa_s"] * 0.6, both_loads
