"""Load and validate ``knowledge/conclusions.yml`` (the rule language is described at its top).

Every error names the file, the conclusion, the rule and the field, e.g.
``knowledge/conclusions.yml: conclusie 'betrekken', regel 'betrekken.niet_betrokken', veld 'effect': ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

from bot import PROJECT_ROOT
from bot.conclusions.model import CONCLUSION_IDS, EFFECTS, INTAKE_SLOTS, Conclusion, Handle, Rule
from bot.conclusions.terms import term_error

DEFAULT_PATH = PROJECT_ROOT / "knowledge" / "conclusions.yml"

#: The signal-word lists the engine needs (see the ``signalen`` section of the rules file).
SIGNAL_KEYS: Tuple[str, ...] = (
    "ontkenning",
    "geen_ontkenning",
    "gepland",
    "gepland_zin",
    "geen_gepland",
    "gedaan",
    "twijfel",
    "verwijzing",
    "verwijzing_begin",
    "overslaan",
    "opvulling",
    "correctie",
    "vraagwoorden",
    "ja",
    "nee",
    "splitsen",
    "splitsen_voor_onderwerp",
    "onderwerpen",
)
_TOP_KEYS = {"versie", "signalen", "woordgroepen", "conclusies"}
_CONCLUSION_KEYS = {"titel", "uitleg", "handvatten", "slots", "regels"}
_RULE_KEYS = {
    "id",
    "omschrijving",
    "effect",
    "patronen",
    "venster",
    "bereik",
    "ontkenning",
    "tijd",
    "slots",
    "behalve_slots",
    "antwoord",
    "zonder",
    "zonder_zin",
    "specifiek",
    "zwak",
    "zinsdeel",
}
_NEGATION = ("verboden", "vereist", "vrij")
_TENSE = ("gedaan", "gepland", "vrij")
_SCOPE = ("zin", "bericht")
_ANSWERS = ("ja", "nee")
_GROUP_RE = re.compile(r"^[A-Z][A-Z0-9_]+$")
_RULE_ID_RE = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


class ConclusionsFileError(ValueError):
    """The rules file is missing, unreadable or invalid; the message lists every problem found."""

    def __init__(self, file: str, problems: Sequence[str]) -> None:
        self.file = file
        self.problems = list(problems)
        shown = self.problems[:25]
        more = f"\n... en nog {len(self.problems) - 25} fout(en)" if len(self.problems) > 25 else ""
        super().__init__("\n".join(f"{file}: {p}" for p in shown) + more)


@dataclass(frozen=True)
class RuleBook:
    """The validated content of the rules file, ready for the engine to compile."""

    path: Path
    signals: Dict[str, Tuple[str, ...]]
    groups: Dict[str, Tuple[str, ...]]  # group name -> terms (nested groups expanded)
    conclusions: Dict[str, Conclusion]


def entry_ids(entries_dir: Path) -> Set[str]:
    """The ids of all knowledge entries in ``entries_dir/*.yml``."""
    ids: Set[str] = set()
    for path in sorted(Path(entries_dir).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("entries") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                ids.add(entry["id"])
    return ids


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


class _Checker:
    def __init__(self) -> None:
        self.problems: List[str] = []

    def err(self, where: str, field: str, message: str) -> None:
        self.problems.append(f"{where}, veld '{field}': {message}" if where else f"veld '{field}': {message}")


def _string_list(value: Any) -> Optional[List[str]]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _slot_list(chk: _Checker, where: str, raw: Dict[str, Any], field: str) -> Tuple[List[str], bool]:
    """The intake questions under ``field`` (``slots``, ``behalve_slots``) and whether they are valid."""
    slots = _string_list(raw.get(field, []))
    if slots is None:
        chk.err(where, field, "een lijst van intakevragen verwacht")
        return [], False
    ok = True
    for slot in slots:
        if slot not in INTAKE_SLOTS:
            chk.err(where, field, f"onbekende intakevraag {slot!r} (bekend: {', '.join(INTAKE_SLOTS)})")
            ok = False
    return slots, ok


def _split_element(element: str) -> List[str]:
    """The alternatives of an element; quotes around one alternative are allowed and dropped."""
    out = []
    for alt in element.split("|"):
        alt = alt.strip()
        if len(alt) > 1 and alt[0] == alt[-1] == '"':
            alt = alt[1:-1].strip()
        out.append(alt)
    return out


def _expand_groups(raw: Mapping[str, Any], chk: _Checker) -> Dict[str, Tuple[str, ...]]:
    groups: Dict[str, List[str]] = {}
    for name, terms in raw.items():
        where = f"woordgroep '{name}'"
        if not isinstance(name, str) or not _GROUP_RE.match(name):
            chk.err(where, "naam", "een woordgroep heet in HOOFDLETTERS (A-Z, 0-9, _), minstens 2 tekens")
            continue
        items = _string_list(terms)
        if not items:
            chk.err(where, "woorden", "een niet-lege lijst van woorden verwacht")
            continue
        for item in items:
            if not _GROUP_RE.match(item.strip()):
                problem = term_error(item)
                if problem:
                    chk.err(where, "woorden", problem)
        groups[name] = items

    expanded: Dict[str, Tuple[str, ...]] = {}

    def expand(name: str, trail: Tuple[str, ...]) -> Tuple[str, ...]:
        if name in expanded:
            return expanded[name]
        out: List[str] = []
        for item in groups.get(name, []):
            item = item.strip()
            if _GROUP_RE.match(item):
                if item in trail:
                    chk.err(f"woordgroep '{name}'", "woorden", f"kringverwijzing via {item}")
                elif item not in groups:
                    chk.err(f"woordgroep '{name}'", "woorden", f"onbekende woordgroep {item}")
                else:
                    out.extend(expand(item, trail + (item,)))
            else:
                out.append(item)
        expanded[name] = tuple(dict.fromkeys(out))
        return expanded[name]

    for name in groups:
        expand(name, (name,))
    return expanded


def _element_terms(
    element: Any, groups: Mapping[str, Tuple[str, ...]], chk: _Checker, where: str, field: str
) -> Optional[Tuple[str, ...]]:
    if not isinstance(element, str) or not element.strip():
        chk.err(where, field, f"element {element!r}: een tekst verwacht, alternatieven gescheiden door |")
        return None
    out: List[str] = []
    for alt in _split_element(element):
        if _GROUP_RE.match(alt):
            if alt not in groups:
                chk.err(where, field, f"onbekende woordgroep {alt} (woordgroepen staan in HOOFDLETTERS)")
                return None
            out.extend(groups[alt])
            continue
        problem = term_error(alt)
        if problem:
            chk.err(where, field, problem)
            return None
        out.append(alt)
    return tuple(dict.fromkeys(out))


def _rule(
    raw: Any, cid: str, groups: Mapping[str, Tuple[str, ...]], seen: Set[str], chk: _Checker, index: int
) -> Optional[Rule]:
    base = f"conclusie '{cid}'"
    if not isinstance(raw, Mapping):
        chk.err(
            f"{base}, regel #{index + 1}", "regel", "een mapping verwacht (id, omschrijving, effect, ...)"
        )
        return None
    rid = raw.get("id")
    where = f"{base}, regel '{rid}'" if isinstance(rid, str) and rid else f"{base}, regel #{index + 1}"
    ok = True
    for key in raw:
        if key not in _RULE_KEYS:
            chk.err(where, str(key), f"onbekend veld (toegestaan: {', '.join(sorted(_RULE_KEYS))})")
            ok = False
    if not isinstance(rid, str) or not _RULE_ID_RE.match(rid) or not rid.startswith(cid + "."):
        chk.err(where, "id", f"verwacht '{cid}.<naam>' (kleine letters, cijfers, _)")
        ok = False
    elif rid in seen:
        chk.err(where, "id", "dubbele regel-id")
        ok = False
    else:
        seen.add(rid)
    description = raw.get("omschrijving")
    if not isinstance(description, str) or not description.strip():
        chk.err(where, "omschrijving", "een korte Nederlandse omschrijving is verplicht")
        ok = False
    effect = raw.get("effect")
    if effect not in EFFECTS:
        chk.err(where, "effect", f"{effect!r} is geen geldige waarde (kies uit: {', '.join(EFFECTS)})")
        ok = False

    def choice(field: str, allowed: Tuple[str, ...], default: str) -> str:
        nonlocal ok
        value = raw.get(field, default)
        if value not in allowed:
            chk.err(where, field, f"{value!r} is geen geldige waarde (kies uit: {', '.join(allowed)})")
            ok = False
            return default
        return value

    negation = choice("ontkenning", _NEGATION, "verboden")
    tense = choice("tijd", _TENSE, "vrij")
    scope = choice("bereik", _SCOPE, "zin")
    window = raw.get("venster", 10)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 60:
        chk.err(where, "venster", f"{window!r}: een geheel getal van 0 tot en met 60 verwacht")
        ok = False
    flags = {}
    for field, default in (("specifiek", True), ("zwak", False), ("zinsdeel", False)):
        value = raw.get(field, default)
        if not isinstance(value, bool):
            chk.err(where, field, f"{value!r}: true of false verwacht")
            ok = False
        flags[field] = bool(value)

    slots, slots_ok = _slot_list(chk, where, raw, "slots")
    except_slots, except_ok = _slot_list(chk, where, raw, "behalve_slots")
    ok = ok and slots_ok and except_ok
    for slot in set(slots) & set(except_slots):
        chk.err(where, "behalve_slots", f"{slot!r} staat ook onder 'slots'")
        ok = False
    answer = raw.get("antwoord")
    if answer is not None:
        if answer not in _ANSWERS:
            chk.err(where, "antwoord", f"{answer!r} is geen geldige waarde (kies uit: ja, nee)")
            ok = False
        elif not slots:
            chk.err(
                where,
                "antwoord",
                "'antwoord' kan alleen samen met 'slots' (het is het antwoord op die vragen)",
            )
            ok = False

    patterns: List[Tuple[Tuple[str, ...], ...]] = []
    raw_patterns = raw.get("patronen")
    if raw_patterns is None:
        if answer is None:
            chk.err(where, "patronen", "verplicht (alleen een regel met 'antwoord' mag zonder patronen)")
            ok = False
    elif not isinstance(raw_patterns, list) or not raw_patterns:
        chk.err(where, "patronen", "een niet-lege lijst van patronen verwacht")
        ok = False
    else:
        for p, pattern in enumerate(raw_patterns):
            if not isinstance(pattern, list) or not pattern:
                chk.err(where, "patronen", f"patroon {p + 1}: een niet-lege lijst van elementen verwacht")
                ok = False
                continue
            if len(pattern) == 1 and not slots and raw.get("bereik") != "bericht":
                single = pattern[0]
                groups_in = isinstance(single, str) and any(
                    _GROUP_RE.match(a) for a in _split_element(single)
                )
                if groups_in:
                    chk.err(
                        where,
                        "patronen",
                        f"patroon {p + 1}: één woordgroep alleen is geen bewijs; "
                        "voeg een element of 'slots' toe",
                    )
                    ok = False
            elements = []
            for element in pattern:
                terms = _element_terms(element, groups, chk, where, "patronen")
                if terms is None:
                    ok = False
                else:
                    elements.append(terms)
            patterns.append(tuple(elements))
    without: List[str] = []
    raw_without = raw.get("zonder", [])
    if not isinstance(raw_without, list):
        chk.err(where, "zonder", "een lijst van woorden/woordgroepen verwacht")
        ok = False
    else:
        for element in raw_without:
            terms = _element_terms(element, groups, chk, where, "zonder")
            if terms is None:
                ok = False
            else:
                without.extend(terms)
    without_sentence: List[str] = []
    raw_sentence = raw.get("zonder_zin", [])
    if not isinstance(raw_sentence, list):
        chk.err(where, "zonder_zin", "een lijst van woorden/woordgroepen verwacht")
        ok = False
    else:
        for element in raw_sentence:
            terms = _element_terms(element, groups, chk, where, "zonder_zin")
            if terms is None:
                ok = False
            else:
                without_sentence.extend(terms)
    if not ok:
        return None
    return Rule(
        id=rid,
        conclusion=cid,
        description=description.strip(),
        effect=effect,
        patterns=tuple(patterns),
        window=window,
        same_segment=flags["zinsdeel"],
        scope=scope,
        negation=negation,
        tense=tense,
        slots=tuple(slots),
        except_slots=tuple(except_slots),
        answer=answer,
        without=tuple(dict.fromkeys(without)),
        without_sentence=tuple(dict.fromkeys(without_sentence)),
        specific=flags["specifiek"],
        weak=flags["zwak"],
    )


def _conclusion(
    cid: str,
    raw: Any,
    groups: Mapping[str, Tuple[str, ...]],
    known_entries: Set[str],
    seen: Set[str],
    chk: _Checker,
) -> Optional[Conclusion]:
    where = f"conclusie '{cid}'"
    if not isinstance(raw, Mapping):
        chk.err(where, "conclusie", "een mapping verwacht (titel, uitleg, handvatten, slots, regels)")
        return None
    for key in raw:
        if key not in _CONCLUSION_KEYS:
            chk.err(where, str(key), f"onbekend veld (toegestaan: {', '.join(sorted(_CONCLUSION_KEYS))})")
    texts = {}
    for field in ("titel", "uitleg"):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            chk.err(where, field, "verplicht, een niet-lege tekst")
        texts[field] = " ".join(str(value or "").split())
    handles: List[Handle] = []
    raw_handles = raw.get("handvatten")
    if not isinstance(raw_handles, list) or not raw_handles:
        chk.err(where, "handvatten", "een niet-lege lijst verwacht (tekst + bronnen)")
        raw_handles = []
    for h, item in enumerate(raw_handles):
        hwhere = f"{where}, handvat {h + 1}"
        if not isinstance(item, Mapping):
            chk.err(hwhere, "handvatten", "een mapping verwacht met 'tekst' en 'bronnen'")
            continue
        for key in item:
            if key not in ("tekst", "bronnen"):
                chk.err(hwhere, str(key), "onbekend veld (toegestaan: tekst, bronnen)")
        text = item.get("tekst")
        if not isinstance(text, str) or not text.strip():
            chk.err(hwhere, "tekst", "verplicht, een niet-lege tekst")
            continue
        sources = _string_list(item.get("bronnen"))
        if not sources:
            chk.err(hwhere, "bronnen", "een niet-lege lijst van entry-ids uit knowledge/entries/ verwacht")
            continue
        missing = [s for s in sources if s not in known_entries]
        if missing:
            chk.err(
                hwhere, "bronnen", f"onbekende entry-id(s) {', '.join(missing)} (niet in knowledge/entries/)"
            )
            continue
        handles.append(Handle(text=" ".join(text.split()), sources=tuple(sources)))
    slots, _ = _slot_list(chk, where, raw, "slots")
    rules: List[Rule] = []
    raw_rules = raw.get("regels")
    if not isinstance(raw_rules, list) or not raw_rules:
        chk.err(where, "regels", "een niet-lege lijst van regels verwacht")
        raw_rules = []
    for r, item in enumerate(raw_rules):
        rule = _rule(item, cid, groups, seen, chk, r)
        if rule is not None:
            rules.append(rule)
    return Conclusion(
        id=cid,
        title=texts["titel"],
        explanation=texts["uitleg"],
        handles=tuple(handles),
        slots=tuple(slots),
        rules=tuple(rules),
    )


def load_rulebook(path: Path = DEFAULT_PATH, entries_dir: Optional[Path] = None) -> RuleBook:
    """Read and validate the rules file; raise ``ConclusionsFileError`` naming every problem.

    ``entries_dir`` (default: ``entries/`` next to the file) holds the knowledge entries whose ids
    the advice handles cite.
    """
    path = Path(path)
    shown = _display(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConclusionsFileError(shown, ["bestand niet gevonden"]) from None
    except yaml.YAMLError as exc:
        raise ConclusionsFileError(shown, [f"geen geldige YAML: {exc}"]) from None
    chk = _Checker()
    if not isinstance(data, Mapping):
        raise ConclusionsFileError(
            shown, ["het bestand moet een mapping zijn (versie, signalen, woordgroepen, conclusies)"]
        )
    for key in data:
        if key not in _TOP_KEYS:
            chk.err("", str(key), f"onbekend onderdeel (toegestaan: {', '.join(sorted(_TOP_KEYS))})")
    if data.get("versie") != 1:
        chk.err("", "versie", f"{data.get('versie')!r}: alleen versie 1 wordt ondersteund")

    signals: Dict[str, Tuple[str, ...]] = {}
    raw_signals = data.get("signalen")
    if not isinstance(raw_signals, Mapping):
        chk.err("signalen", "signalen", "een mapping van signaallijsten verwacht")
        raw_signals = {}
    for key in raw_signals:
        if key not in SIGNAL_KEYS:
            chk.err(
                f"signalen '{key}'", str(key), f"onbekende signaallijst (bekend: {', '.join(SIGNAL_KEYS)})"
            )
    for key in SIGNAL_KEYS:
        items = _string_list(raw_signals.get(key))
        if not items:
            chk.err(f"signalen '{key}'", key, "verplicht, een niet-lege lijst van woorden")
            continue
        for item in items:
            problem = term_error(item)
            if problem:
                chk.err(f"signalen '{key}'", key, problem)
        signals[key] = tuple(items)

    raw_groups = data.get("woordgroepen")
    if not isinstance(raw_groups, Mapping):
        chk.err("woordgroepen", "woordgroepen", "een mapping van woordgroepen verwacht")
        raw_groups = {}
    groups = _expand_groups(raw_groups, chk)

    entries_dir = Path(entries_dir) if entries_dir is not None else path.parent / "entries"
    known_entries = entry_ids(entries_dir)
    if not known_entries:
        chk.err("", "handvatten", f"geen knowledge entries gevonden in {_display(entries_dir)}")

    conclusions: Dict[str, Conclusion] = {}
    raw_conclusions = data.get("conclusies")
    if not isinstance(raw_conclusions, Mapping):
        chk.err("conclusies", "conclusies", "een mapping van de zes conclusie-ids verwacht")
        raw_conclusions = {}
    for cid in raw_conclusions:
        if cid not in CONCLUSION_IDS:
            chk.err(
                f"conclusie '{cid}'", "id", f"onbekende conclusie-id (bekend: {', '.join(CONCLUSION_IDS)})"
            )
    seen_rules: Set[str] = set()
    for cid in CONCLUSION_IDS:
        if cid not in raw_conclusions:
            chk.err(f"conclusie '{cid}'", "conclusies", "ontbreekt (alle zes conclusies zijn verplicht)")
            continue
        conclusion = _conclusion(cid, raw_conclusions[cid], groups, known_entries, seen_rules, chk)
        if conclusion is not None:
            conclusions[cid] = conclusion
    if chk.problems:
        raise ConclusionsFileError(shown, chk.problems)
    return RuleBook(path=path, signals=signals, groups=groups, conclusions=conclusions)
