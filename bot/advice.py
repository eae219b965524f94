"""Advice texts from an assessment: per aandachtspunt what it means, a handle with its source.

Works on the public ``conclusion_status`` contract (conclusion id -> {status, evidence}) and the
conclusion definitions of ``knowledge/conclusions.yml``, so it serves the bot, the report and
tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from bot import CONCLUSION_IDS
from bot.knowledge import KnowledgeBase
from bot.knowledge.answers import citation_line

ORDER = CONCLUSION_IDS
STATUS_TEXT = {"aandachtspunt": "aandachtspunt", "op_orde": "op orde", "onbekend": "nog onbekend"}


#: Short names of the conclusions, for lists and overviews.
SHORT = {
    "uitleggen": "uitleggen in plaats van opleggen",
    "betrekken": "medewerkers vroeg en intensief betrekken",
    "meerwaarde": "tastbare meerwaarde voor medewerkers",
    "jong_talent": "aantrekkelijk zijn voor jong technisch talent",
    "rondkijken": "rondkijken bij collega-bedrijven en andere sectoren",
    "kennisinstellingen": "hogescholen en universiteiten inschakelen",
}


@dataclass(frozen=True)
class AdviceHandle:
    """A practical handle in the project's words, backed by a knowledge entry (its source)."""

    key: str  # stable id, remembered in the slot ``advice_shown``
    text: str
    entry_id: str


@dataclass(frozen=True)
class Definition:
    """What the bot needs of one core conclusion (from knowledge/conclusions.yml)."""

    id: str
    title: str
    short: str
    explanation: str
    handles: Tuple[AdviceHandle, ...]  # best first
    question: str = ""  # what the bot asks when the status is still unknown


def _status(status: Mapping[str, dict], cid: str) -> str:
    return (status.get(cid) or {}).get("status", "onbekend")


def _last_evidence(status: Mapping[str, dict], cid: str) -> str:
    evidence = (status.get(cid) or {}).get("evidence") or []
    return evidence[-1].get("text", "") if evidence else ""


def handle_text(handle: AdviceHandle, kb: KnowledgeBase) -> str:
    """The handle, then the ``Bron:`` line of the entry that backs it."""
    entry = kb.entry(handle.entry_id)
    return f"{handle.text}\n{citation_line(entry, kb.publication(entry.publication))}"


def advice_messages(
    status: Mapping[str, dict],
    definitions: Mapping[str, Definition],
    kb: KnowledgeBase,
    shown: Sequence[str] = (),
    per_conclusion: int = 1,
) -> Tuple[List[str], List[str]]:
    """The advice as chat messages, and the handle ids it used (for "meer")."""
    messages: List[str] = []
    used: List[str] = []
    gaps = [cid for cid in ORDER if _status(status, cid) == "aandachtspunt"]
    for cid in gaps:
        definition = definitions[cid]
        handles = [h for h in definition.handles if h.key not in shown and h.key not in used][:per_conclusion]
        said = _last_evidence(status, cid)
        lines = [f"Aandachtspunt: {definition.title}"]
        if said:
            lines.append(f"Je zei: “{said}”. {definition.explanation}")
        else:
            lines.append(definition.explanation)
        for handle in handles:
            lines.append(f"Tip: {handle_text(handle, kb)}")
        used += [h.key for h in handles]
        messages.append("\n".join(lines))
    if not gaps:
        messages.append("Op basis van wat je vertelde zie ik nu geen aandachtspunten. Mooi!")
    in_order = [definitions[cid].short for cid in ORDER if _status(status, cid) == "op_orde"]
    if in_order:
        messages.append(f"Wat al goed zit: {join_dutch(in_order)}.")
    unknown = [cid for cid in ORDER if _status(status, cid) == "onbekend"]
    if unknown:
        first = definitions[unknown[0]]
        names = join_dutch([definitions[cid].short for cid in unknown])
        ask = f" {first.question}" if first.question else ""
        messages.append(f"Waar ik nog niets over weet: {names}.{ask}")
    messages.append('Typ "waarom?" om te zien waarop ik dit baseer, of "meer" voor meer handvatten.')
    return messages, used


def more_messages(
    status: Mapping[str, dict],
    definitions: Mapping[str, Definition],
    kb: KnowledgeBase,
    shown: Sequence[str],
) -> Tuple[List[str], List[str]]:
    """The next handles for the aandachtspunten, not shown before."""
    messages: List[str] = []
    used: List[str] = []
    for cid in ORDER:
        if _status(status, cid) != "aandachtspunt":
            continue
        fresh = [h for h in definitions[cid].handles if h.key not in shown and h.key not in used][:1]
        for handle in fresh:
            messages.append(f"Nog een handvat bij “{definitions[cid].short}”:\n{handle_text(handle, kb)}")
        used += [h.key for h in fresh]
    if not messages:
        messages.append(
            "Meer handvatten heb ik hier niet. Stel gerust een gerichte vraag, bijvoorbeeld "
            "\"hoe betrek ik mijn operators bij de keuze?\""
        )
    return messages, used


def evidence_message(status: Mapping[str, dict], definitions: Mapping[str, Definition]) -> str:
    """Why the bot judged as it did: the owner's sentences and the rule per conclusion."""
    lines = ["Waarop ik mijn inschatting baseer:"]
    for cid in ORDER:
        state = status.get(cid) or {}
        label = STATUS_TEXT[state.get("status", "onbekend")]
        evidence = state.get("evidence") or []
        if not evidence:
            lines.append(f"- {definitions[cid].short}: {label} (je hebt er nog niets over gezegd)")
            continue
        quotes = "; ".join(f"“{e.get('text', '')}”" for e in evidence[-2:])
        rule = evidence[-1].get("description") or evidence[-1].get("rule", "")
        lines.append(f"- {definitions[cid].short}: {label}, omdat je zei: {quotes} (regel: {rule})")
    return "\n".join(lines)


def overview_message(status: Mapping[str, dict], definitions: Mapping[str, Definition]) -> str:
    """The status per conclusion in a few lines (consultants, "geef een overzicht")."""
    lines = ["Stand van zaken per kernconclusie:"]
    for cid in ORDER:
        lines.append(f"- {definitions[cid].short}: {STATUS_TEXT[_status(status, cid)]}")
    return "\n".join(lines)


def join_dutch(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def empty_status() -> Dict[str, dict]:
    return {cid: {"status": "onbekend", "evidence": []} for cid in ORDER}


def definitions_from(
    conclusions: Mapping[str, Any], questions: Mapping[str, str]
) -> Dict[str, Definition]:
    """Definitions from the conclusion engine's conclusions (title, explanation, handles with sources).

    ``questions``: conclusion id -> the intake question to ask while its status is unknown.
    """
    result: Dict[str, Definition] = {}
    for cid in ORDER:
        conclusion = conclusions[cid]
        handles = tuple(
            AdviceHandle(key=f"{cid}-{index}", text=handle.text.strip(), entry_id=handle.sources[0])
            for index, handle in enumerate(conclusion.handles)
            if handle.sources
        )
        result[cid] = Definition(
            id=cid,
            title=conclusion.title.strip(),
            short=SHORT[cid],
            explanation=conclusion.explanation.strip(),
            handles=handles,
            question=questions.get(cid, ""),
        )
    return result
