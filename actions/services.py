"""The domain objects the actions use, built once per process (at the action server's start)."""

from __future__ import annotations

from functools import lru_cache
from typing import Dict

from bot import advice, answer_topics, intake
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
    """Build everything now, so the first owner does not wait for it: the retriever (~9 s), the conclusion
    layer (~15 s to train, ~0.01 s from its cache in .cache/) and the answer-topic model (~2.5 s)."""
    retriever().search("cobot")
    definitions()
    engine().assess(["We willen een cobot bij het inpakken."])  # loads the pipeline and the learned layer
    answer_topics.topic_model(engine())


@lru_cache(maxsize=1)
def definitions() -> Dict[str, advice.Definition]:
    questions = {
        cid: intake.QUESTIONS[slot].question for cid, slot in intake.CONCLUSION_SLOTS.items()
    }
    return advice.definitions_from(engine().conclusions, questions)
