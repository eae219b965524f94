"""The knowledge base of the five publications: load, validate, retrieve, answer with a citation.

Plain Python (no Rasa imports). Typical use::

    from bot.knowledge import default_retriever, list_entries
    answer = default_retriever().answer("Wat is een 4.0 teamleider?")
    answer.found, answer.text          # text ends with a "Bron: ..." line when found
    list_entries("Wat zegt het rapport over sociale innovatie?")   # a short list, or None
"""

from bot.knowledge.analysis import Analyzer, SynonymConfig, load_synonyms
from bot.knowledge.listing import list_entries
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import (
    CONCLUSION_IDS,
    ENTRY_KINDS,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Publication,
    TrainingQuestion,
)
from bot.knowledge.retrieval import Answer, Hit, RankingConfig, Retriever, default_retriever

__all__ = [
    "Analyzer",
    "Answer",
    "CONCLUSION_IDS",
    "ENTRY_KINDS",
    "Entry",
    "Hit",
    "KnowledgeBase",
    "KnowledgeError",
    "Publication",
    "RankingConfig",
    "Retriever",
    "SynonymConfig",
    "TrainingQuestion",
    "default_retriever",
    "list_entries",
    "load_knowledge_base",
    "load_synonyms",
]
