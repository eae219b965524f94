"""The domain of the MKB technology-introduction advisor.

Plain Python, no Rasa server imports at module level: the action server (``actions/``) and the
custom Rasa components (``bot/nlu``, ``bot/channels``) build on it; it never imports them.
"""

from pathlib import Path
from typing import Tuple

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
