"""The conclusion engine: from what the owner said to a status per core conclusion, with evidence.

Plain Python (no Rasa imports). The rules are data, in ``knowledge/conclusions.yml``.

    from bot.conclusions import ConclusionEngine, Statement
    engine = ConclusionEngine.from_file()
    assessment = engine.assess([Statement("ik heb het besloten met de leverancier"),
                                Statement("nee, nog niet", slot="betrokkenheid", turn=1)])
    assessment.status("betrekken")       # "aandachtspunt"
    assessment.evidence("betrekken")     # [Evidence(text=..., rule_id=..., turn=...), ...]
    assessment.to_slot()                 # the Rasa slot ``conclusion_status``
"""

from bot.conclusions.engine import ConclusionEngine
from bot.conclusions.loader import DEFAULT_PATH, ConclusionsFileError, RuleBook, load_rulebook
from bot.conclusions.model import (
    AANDACHTSPUNT,
    CONCLUSION_IDS,
    EFFECTS,
    INTAKE_SLOTS,
    ONBEKEND,
    OP_ORDE,
    STATUSES,
    Assessment,
    Conclusion,
    Evidence,
    Handle,
    Rule,
    Statement,
)

__all__ = [
    "AANDACHTSPUNT",
    "CONCLUSION_IDS",
    "DEFAULT_PATH",
    "EFFECTS",
    "INTAKE_SLOTS",
    "ONBEKEND",
    "OP_ORDE",
    "STATUSES",
    "Assessment",
    "Conclusion",
    "ConclusionEngine",
    "ConclusionsFileError",
    "Evidence",
    "Handle",
    "Rule",
    "RuleBook",
    "Statement",
    "load_rulebook",
]
