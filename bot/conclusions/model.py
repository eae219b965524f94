"""The data types of the conclusion engine: what goes in, what comes out, what the rules file holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot import CONCLUSION_IDS  # noqa: F401 (re-exported)

AANDACHTSPUNT = "aandachtspunt"
OP_ORDE = "op_orde"
ONBEKEND = "onbekend"
#: The statuses a conclusion can have.
STATUSES: Tuple[str, ...] = (AANDACHTSPUNT, OP_ORDE, ONBEKEND)
#: The effects a rule can have (a rule never says "onbekend").
EFFECTS: Tuple[str, ...] = (AANDACHTSPUNT, OP_ORDE)

#: The intake questions (Rasa slot names, a contract); ``Statement.slot`` is one of these or None.
INTAKE_SLOTS: Tuple[str, ...] = (
    "technologie",
    "motief",
    "fase",
    "besluitvorming",
    "betrokkenheid",
    "verandering_werk",
    "meerwaarde_medewerkers",
    "arbeidsmarkt",
    "leren",
    "rondkijken",
    "kennispartners",
)


@dataclass(frozen=True)
class Statement:
    """One thing the owner said, in conversation order.

    ``slot`` names the intake question the text answers (see ``INTAKE_SLOTS``), or is None for free
    text; ``turn`` is the position in the conversation, carried into the evidence.
    """

    text: str
    slot: Optional[str] = None
    turn: int = 0


@dataclass(frozen=True)
class Evidence:
    """Why a conclusion got its status: the owner's own sentence and the rule that fired."""

    conclusion: str
    text: str
    rule_id: str
    rule_description: str
    effect: str
    turn: int
    slot: Optional[str] = None
    weak: bool = False  # hedged ("misschien", "denk het wel") or from a rule marked ``zwak``

    def as_slot_item(self) -> Dict[str, Any]:
        """The JSON form used in the ``conclusion_status`` slot."""
        return {
            "text": self.text,
            "rule": self.rule_id,
            "description": self.rule_description,
            "effect": self.effect,
            "turn": self.turn,
        }


@dataclass(frozen=True)
class Handle:
    """A practical piece of advice for a conclusion, with the knowledge entries that back it."""

    text: str
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One detection rule of a conclusion (see the top of ``knowledge/conclusions.yml``)."""

    id: str
    conclusion: str
    description: str
    effect: str
    patterns: Tuple[Tuple[Tuple[str, ...], ...], ...]  # patterns -> elements -> alternative terms
    window: int = 10
    same_segment: bool = False  # all elements in one segment (zinsdeel)
    scope: str = "zin"  # "zin" (one sentence) or "bericht" (the whole statement)
    negation: str = "verboden"  # "verboden", "vereist" or "vrij"
    tense: str = "vrij"  # "gedaan", "gepland" or "vrij"
    slots: Tuple[str, ...] = ()
    except_slots: Tuple[str, ...] = ()  # not for answers to these questions
    answer: Optional[str] = None  # "ja" / "nee": the polarity a short slot answer must have
    without: Tuple[str, ...] = ()  # terms that must not occur in the matched segments
    without_sentence: Tuple[str, ...] = ()  # terms that must not occur in the matched sentence (zonder_zin)
    specific: bool = True
    weak: bool = False


@dataclass(frozen=True)
class Conclusion:
    """A core conclusion: its wording, explanation, advice handles, related slots and rules."""

    id: str
    title: str
    explanation: str
    handles: Tuple[Handle, ...]
    slots: Tuple[str, ...]
    rules: Tuple[Rule, ...]

    @property
    def sources(self) -> Tuple[str, ...]:
        """All knowledge-entry ids behind this conclusion's handles, first mention first."""
        seen: Dict[str, None] = {}
        for handle in self.handles:
            for source in handle.sources:
                seen.setdefault(source, None)
        return tuple(seen)


@dataclass
class Assessment:
    """The judgement per core conclusion for one conversation."""

    statuses: Dict[str, str]
    evidences: Dict[str, List[Evidence]] = field(default_factory=dict)

    def _check(self, cid: str) -> None:
        if cid not in self.statuses:
            raise KeyError(f"unknown conclusion id {cid!r}; known: {', '.join(CONCLUSION_IDS)}")

    def status(self, cid: str) -> str:
        """``aandachtspunt``, ``op_orde`` or ``onbekend`` for conclusion ``cid``."""
        self._check(cid)
        return self.statuses[cid]

    def evidence(self, cid: str) -> List[Evidence]:
        """The statements that decided the status of ``cid`` (empty when ``onbekend``)."""
        self._check(cid)
        return list(self.evidences.get(cid, []))

    def with_status(self, status: str) -> List[str]:
        """The conclusion ids that have ``status``, in the publication's order."""
        return [cid for cid in CONCLUSION_IDS if self.statuses.get(cid) == status]

    def to_slot(self) -> Dict[str, Dict[str, Any]]:
        """The value of the Rasa slot ``conclusion_status`` (JSON-serialisable, a public contract).

        ``{cid: {"status": ..., "evidence": [{"text": ..., "rule": ..., "turn": ...}, ...]}}`` for
        each of the six conclusion ids.
        """
        return {
            cid: {
                "status": self.statuses[cid],
                "evidence": [ev.as_slot_item() for ev in self.evidences.get(cid, [])],
            }
            for cid in CONCLUSION_IDS
        }

    @classmethod
    def from_slot(cls, value: Mapping[str, Any]) -> "Assessment":
        """Rebuild an assessment (statuses and evidence text/rule/turn) from a slot value."""
        statuses: Dict[str, str] = {}
        evidences: Dict[str, List[Evidence]] = {}
        for cid in CONCLUSION_IDS:
            item = value.get(cid) or {}
            status = item.get("status", ONBEKEND)
            statuses[cid] = status if status in STATUSES else ONBEKEND
            evidences[cid] = [
                Evidence(
                    conclusion=cid,
                    text=str(ev.get("text", "")),
                    rule_id=str(ev.get("rule", "")),
                    rule_description=str(ev.get("description", "")),
                    effect=str(ev.get("effect") or statuses[cid]),
                    turn=int(ev.get("turn", 0)),
                )
                for ev in item.get("evidence", []) or []
            ]
        return cls(statuses=statuses, evidences=evidences)
