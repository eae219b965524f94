"""The domain of the MKB technology-introduction advisor.

Plain Python, no Rasa server imports at module level: the action server (``actions/``) and the
custom Rasa components (``bot/nlu``, ``bot/channels``) build on it; it never imports them.
"""

from pathlib import Path
from typing import Dict, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The six core conclusions of ``ssas-2025-techniek``, in the publication's order: a public contract
#: (shared/DOMAIN.md), the keys of the slot ``conclusion_status``. The one definition; the engine, the
#: knowledge base and the advice import it.
CONCLUSION_IDS: Tuple[str, ...] = (
    "uitleggen",
    "betrekken",
    "meerwaarde",
    "jong_talent",
    "rondkijken",
    "kennisinstellingen",
)
#: The intake question (slot) that asks about each conclusion directly: the bot does not ask it again
#: when the rules already found a status for the conclusion in what the owner said.
QUESTION_OF: Dict[str, str] = {
    "uitleggen": "besluitvorming",
    "betrekken": "betrokkenheid",
    "meerwaarde": "meerwaarde_medewerkers",
    "jong_talent": "arbeidsmarkt",
    "rondkijken": "rondkijken",
    "kennisinstellingen": "kennispartners",
}
