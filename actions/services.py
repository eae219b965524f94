"""The domain objects the actions use, built once per process (at the action server's start)."""

from __future__ import annotations

from functools import lru_cache
from typing import Dict

from bot import advice, intake
from bot.conclusions import ConclusionEngine
from bot.knowledge import KnowledgeBase, Retriever, default_retriever


@lru_cache(maxsize=1)
def retriever() -> Retriever:
    return default_retriever()


def knowledge_base() -> KnowledgeBase:
    return retriever().kb


@lru_cache(maxsize=1)
def engine() -> ConclusionEngine:
    return ConclusionEngine.from_file()


def warm_up() -> None:
    """Build everything now (about 20 s: retriever ~9 s, the conclusion layer ~9 s), so the first owner
    does not wait for it."""
    retriever().search("cobot")
    definitions()
    engine().assess(["We willen een cobot bij het inpakken."])  # loads the pipeline, trains the learned layer


@lru_cache(maxsize=1)
def definitions() -> Dict[str, advice.Definition]:
    questions = {
        cid: intake.QUESTIONS[slot].question for cid, slot in intake.CONCLUSION_SLOTS.items()
    }
    return advice.definitions_from(engine().conclusions, questions)
