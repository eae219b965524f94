"""The intake: which questions, what counts as an answer, and the owner's statements.

Plain functions over Rasa's event dictionaries, so the action server (``actions/intake.py``) stays a
thin adapter and everything here is unit-tested without a server.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot import PROJECT_ROOT
from bot.answer_topics import topic_model
from bot.conclusions import ConclusionEngine, Statement

FORM = "intake_form"
QUESTIONS_FILE = PROJECT_ROOT / "knowledge" / "intake.yml"


@dataclass(frozen=True)
class Question:
    """One intake question (knowledge/intake.yml)."""

    slot: str
    question: str
    why: str
    buttons: Tuple[Dict[str, str], ...] = ()


def load_questions(path: Path = QUESTIONS_FILE) -> Tuple[Question, ...]:
    """The intake questions in order; fails with a message naming the file and the question."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = []
    for index, item in enumerate(data.get("questions") or []):
        missing = [key for key in ("slot", "question", "why") if not str(item.get(key) or "").strip()]
        if missing:
            where = f"{path.name}: vraag {index + 1} ({item.get('slot')})"
            raise ValueError(f"{where}: ontbreekt {', '.join(missing)}")
        buttons = tuple({"title": b["title"], "payload": b["payload"]} for b in item.get("buttons") or [])
        questions.append(Question(item["slot"], item["question"].strip(), item["why"].strip(), buttons))
    if not questions:
        raise ValueError(f"{path.name}: geen vragen")
    return tuple(questions)


QUESTIONS: Dict[str, Question] = {q.slot: q for q in load_questions()}
#: The intake questions in the order the form asks them.
INTAKE_SLOTS: Tuple[str, ...] = tuple(QUESTIONS)
SKIPPED = "(overgeslagen)"
#: The canonical values of the entity ``fase`` (data/nlu/entities.yml); other spans are noise.
FASES = frozenset({"orienterend", "besloten", "invoeren", "problemen"})
STATUS_LABELS = {"aandachtspunt": "een aandachtspunt", "op_orde": "op orde", "onbekend": "nog onbekend"}
#: Intents whose text answers the question the form asked.
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "skip", "nlu_fallback"})
#: Intents whose text can carry facts about the plan, also when no question is open.
CONTENT_INTENTS = frozenset({"inform", "correct", "start_intake", "nlu_fallback"})
#: Which intake question a conclusion's evidence answers (so the bot does not ask it again).
CONCLUSION_SLOTS = {
    "uitleggen": "besluitvorming",
    "betrekken": "betrokkenheid",
    "meerwaarde": "meerwaarde_medewerkers",
    "jong_talent": "arbeidsmarkt",
    "rondkijken": "rondkijken",
    "kennisinstellingen": "kennispartners",
}
#: Words that show the owner is giving the motive ("omdat", "vanwege personeelstekort"). Not the work
#: itself: "exoskeletten voor de mensen die de rollen stof tillen" names the work, not why.
_MOTIVE = re.compile(
    r"\b(omdat|want|vanwege|doordat|reden|personeelstekort|tekort aan|kwaliteit|productiviteit|"
    r"efficiënt\w*|efficient\w*|zwaar werk|veilig\w*|kosten|besparen|sneller|foutloos|fouten)\b",
    re.IGNORECASE,
)


#: Words that say how far the plan is, for long messages where the NLU found no ``fase`` entity
#: ("... het is besloten, de integrator bouwt hem deze zomer. ...").
_STAGE = re.compile(
    r"\b(het is (al )?besloten|is (al )?besloten|we hebben (al )?besloten|(is|zijn) (al )?besteld|"
    r"we oriënter\w*|we orienter\w*|aan het invoeren|we voeren \w+ in|draait (al|nu)|is (al )?in gebruik|"
    r"loopt (niet|vast)|zitten (nu )?in de selectie)\b",
    re.IGNORECASE,
)


@dataclass
class Turn:
    """One user message as Rasa parsed it."""

    text: str
    intent: Optional[str] = None
    confidence: float = 0.0
    entities: List[Dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_event(cls, event: Dict[str, Any]) -> "Turn":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        return cls(
            text=(event.get("text") or "").strip(),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            entities=list(parse.get("entities") or []),
        )

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    @property
    def from_language_guard(self) -> bool:
        """nlu_fallback with confidence 1.0 comes from bot.nlu.language_guard: no Dutch words at all."""
        return self.intent == "nlu_fallback" and self.confidence >= 0.999

    def answers_question(self) -> bool:
        return self.intent in ANSWER_INTENTS and not self.from_language_guard and bool(self.text)

    def carries_content(self) -> bool:
        return (
            self.intent in CONTENT_INTENTS
            and not self.from_language_guard
            and not self.is_payload
            and bool(self.text)
        )

    def entity_values(self, entity: str) -> List[str]:
        return [str(e.get("value")) for e in self.entities if e.get("entity") == entity]


def _stores(event: Dict[str, Any], text: str) -> bool:
    """Whether a slot event stores ``text`` as the answer to an intake question."""
    return event.get("name") in INTAKE_SLOTS and event.get("value") == text


def statements_from_events(events: Iterable[Dict[str, Any]]) -> List[Statement]:
    """The owner's statements since the last restart, each with the question it answered.

    A message counts as the answer to a question when the NLU labelled it an answer while that
    question was asked, or when the form stored its text as the answer (the actions also take a
    statement the NLU mislabelled, "ja, de schuurders hebben zelf 3 modellen uitgeprobeerd" as
    ``ask_knowledge``, as the answer to the question just asked).
    """
    statements: List[Statement] = []
    requested: Optional[str] = None
    active: Optional[str] = None
    turn_no = 0
    # text, turn, index in statements: the message waiting for the form to store it
    pending: Optional[Tuple[str, int, Optional[int]]] = None
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            statements, requested, active, turn_no, pending = [], None, None, 0, None
        elif kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "slot" and pending and _stores(event, pending[0]):
            # the form stored this message as an answer: the first such slot is the question it answered
            text, number, index = pending
            # (for an answer to the question asked that is the question asked, unless the owner was ahead
            # of the bot and the form filed it under a later question: ``slots_from_turn``)
            if index is None:
                statements.append(Statement(text=text, slot=event["name"], turn=number))
            elif statements[index].slot != event["name"]:
                statements[index] = dataclasses.replace(statements[index], slot=event["name"])
            pending = None
        elif kind == "active_loop":
            active = event.get("name")
        elif kind == "user":
            turn_no += 1
            pending = None
            turn = Turn.from_event(event)
            if turn.intent == "skip" or turn.is_payload and not turn.answers_question():
                continue
            in_form = active == FORM and requested in INTAKE_SLOTS
            if in_form and turn.intent != "correct" and turn.answers_question():
                statements.append(Statement(text=turn.text, slot=requested, turn=turn_no))
                pending = (turn.text, turn_no, len(statements) - 1)
            elif turn.carries_content():
                statements.append(Statement(text=turn.text, slot=None, turn=turn_no))
                pending = (turn.text, turn_no, len(statements) - 1)
            elif turn.text:
                pending = (turn.text, turn_no, None)
    return statements


def slots_from_turn(
    turn: Turn,
    requested_slot: Optional[str],
    filled: Dict[str, Any],
    engine: ConclusionEngine,
) -> Dict[str, Any]:
    """Which intake answers this one message gives: the question asked, and any others it answers too."""
    values: Dict[str, Any] = {}
    answered_asked = False
    if requested_slot in INTAKE_SLOTS and turn.intent != "correct" and turn.answers_question():
        answered_asked = True
        if turn.intent == "skip":
            values[requested_slot] = SKIPPED
        else:
            # the owner may be ahead of the bot: "lastig, veel uitzendkrachten en de vaste ploeg wordt
            # ouder" when asked what changes in the work answers the question about staff; it is filed
            # there, and the question asked comes back later (``next_question``)
            ahead = None
            if turn.intent in ("inform", "nlu_fallback"):
                later = open_after(filled, requested_slot)
                ahead = topic_model(engine).ahead_of(turn.text, requested_slot, later)
            values[ahead or requested_slot] = turn.text

    def offer(slot: str) -> None:
        if filled.get(slot) is None and slot not in values:
            values[slot] = turn.text

    if not turn.carries_content():
        return values
    if turn.entity_values("technologie"):
        offer("technologie")
    if set(turn.entity_values("fase")) & FASES:
        offer("fase")
    if answered_asked:
        # An answer to the asked question fills only that one (plus recognised facts): reading
        # more into it would skip questions the owner has not really answered. (Tried in session 7:
        # also skipping a question the answer clearly settles as in order; of the 26 blind REST
        # conversations 21 instead of 22 passed: their writers expect the question anyway.)
        return values
    if _MOTIVE.search(turn.text):
        offer("motief")
    if _STAGE.search(turn.text):
        offer("fase")
    # the rules alone: a slot is offered only for explicit evidence in this message, never for the
    # learned layer's estimate (which would route "zien we dan wel" to a question it does not answer)
    single = engine.assess([Statement(text=turn.text, slot=None, turn=0)], rules_only=True)
    for conclusion_id, slot in CONCLUSION_SLOTS.items():
        if single.status(conclusion_id) != "onbekend":
            offer(slot)
    return values


_CORRECTION = re.compile(
    r"\b(klopt(?:te)? (?:dat |het )?niet|bedoel\w*|eigenlijk|toch|wacht|vergis\w*|verkeerd|fout|"
    r"corrigeer\w*|verbeter\w*|aanpass\w*|moet zijn|ik zei|zei ik|terugkomen|niet \w+(?: \w+)? maar)\b",
    re.IGNORECASE,
)


def corrects_earlier_answer(text: str) -> bool:
    """Whether a message takes back something said before ("nee wacht, het is geen cobot maar ...").

    The NLU also labels plain answers that start with "nee" as ``correct`` ("nee, we werken niet
    samen met een hogeschool"); without one of these markers such a message answers the question
    just asked.
    """
    return bool(_CORRECTION.search(text))


_QUESTION_START = re.compile(
    r"^\s*(wat|wie|waar|waarom|wanneer|welke?|hoe|hoeveel|hoezo|kun|kan|kunnen|mag|moet|moeten|is|zijn|"
    r"heb|hebben|heeft|weet|bestaat|zit|werkt|geldt|vertel|geef|leg|noem|zeg|toon|laat|zoek)\b",
    re.IGNORECASE,
)


_FILLERS = re.compile(
    r"^\s*((hmm+|hm|eh+m?|uh+m?|nou|tja|ok[eé]?|oké|en|maar|dus|zeg|sorry)\b[\s,.!]*)+", re.IGNORECASE
)


def looks_like_question(text: str) -> bool:
    """A question or a request ("hoe betrek ik ...", "vertel over ..."), not a statement.

    A question mark alone is not enough when there is more: in "hmm denk het wel goed eigenlijk?
    volgens mij staan er geen vacatures open" or "bij een collega gekeken? nee, alleen in de showroom"
    the owner answers (blind REST conversations s29, s35). Then a clause with "?" must open with a
    question word ("cobots, zijn die veilig?").
    """
    if _QUESTION_START.search(text):
        return True
    if "?" not in text:
        return False
    clauses = [c for c in re.split(r"(?<=[?.!;:,])\s+|\n", text.strip()) if c.strip()]
    if len(clauses) == 1:
        return True  # "cobots veilig?"
    return any("?" in c and _QUESTION_START.search(_FILLERS.sub("", c)) for c in clauses)


def open_after(filled: Dict[str, Any], slot: Optional[str]) -> List[str]:
    """The questions without an answer after ``slot``, in the order the bot asks them."""
    start = INTAKE_SLOTS.index(slot) + 1 if slot in INTAKE_SLOTS else 0
    return [s for s in INTAKE_SLOTS[start:] if filled.get(s) is None and s != slot]


def next_question(filled: Dict[str, Any], after: Optional[str] = None) -> Optional[str]:
    """The intake question to ask next, or None when the intake is complete: the first one without an
    answer after ``after`` (the question the owner answered last), then the ones left open before it.

    In order, that is simply the first open question. When the owner was ahead of the bot and an
    answer was filed under a later question, the bot goes on after that one, as the owner expects,
    and asks the question they passed over at the end.
    """
    later = open_after(filled, after) if after in INTAKE_SLOTS else []
    return later[0] if later else next((slot for slot in INTAKE_SLOTS if filled.get(slot) is None), None)


def last_answered(events: Iterable[Dict[str, Any]]) -> Optional[str]:
    """The question the owner's latest answer was filed under (the first intake slot that stores the
    text of a user message), since the last restart; None before any answer."""
    last: Optional[str] = None
    text: Optional[str] = None
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            last, text = None, None
        elif kind == "user":
            text = (event.get("text") or "").strip()
        elif kind == "slot" and text is not None and _stores(event, text):
            last, text = event["name"], None
    return last


def answered(filled: Dict[str, Any]) -> Sequence[str]:
    return [slot for slot in INTAKE_SLOTS if filled.get(slot) not in (None, SKIPPED)]
