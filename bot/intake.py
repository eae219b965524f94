"""The intake: which questions, what counts as an answer, and the owner's statements.

Plain functions over Rasa's event dictionaries, so the action server (``actions/intake.py``) stays a
thin adapter and everything here is unit-tested without a server.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot import PROJECT_ROOT, QUESTION_OF
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
    #: words that label an answer to it in a prepared list ("- Besluit: het MT, ..."; ``list_parts``)
    labels: Tuple[str, ...] = ()


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
        labels = tuple(str(label).strip().lower() for label in item.get("labels") or [] if str(label).strip())
        questions.append(
            Question(item["slot"], item["question"].strip(), item["why"].strip(), buttons, labels)
        )
    if not questions:
        raise ValueError(f"{path.name}: geen vragen")
    return tuple(questions)


QUESTIONS: Dict[str, Question] = {q.slot: q for q in load_questions()}
#: The intake questions in the order the form asks them.
INTAKE_SLOTS: Tuple[str, ...] = tuple(QUESTIONS)
SKIPPED = "(overgeslagen)"
#: The canonical values of the entity ``fase`` (data/nlu/entities.yml); other spans are noise.
FASES = frozenset({"orienterend", "besloten", "invoeren", "problemen"})
ENTITIES_FILE = PROJECT_ROOT / "data" / "nlu" / "entities.yml"


#: lookup entries that are everyday words as well ("met een mes", "sensoren" in a machine): the NLU model
#: weighs their context; this fallback would not
_EVERYDAY_WORDS = frozenset({"mes", "sensoren"})
#: the canonical technology values (the contract in ``data/nlu/entities.yml``)
TECHNOLOGY_VALUES = frozenset({
    "cobot", "robot", "lasrobot", "ar_bril", "digitale_werkinstructies", "exoskelet", "vision",
    "digital_twin", "3d_printer", "ai", "mes", "erp", "agv", "iot",
})


@lru_cache(maxsize=1)
def _technology_pattern() -> "re.Pattern[str]":
    """The technology lookup table and synonyms of the NLU data (``data/nlu/entities.yml``) as one regex."""
    data = yaml.safe_load(ENTITIES_FILE.read_text(encoding="utf-8")) or {}
    terms = set()
    for block in data.get("nlu", []):
        if block.get("lookup") == "technologie" or (
            "synonym" in block and str(block["synonym"]) in TECHNOLOGY_VALUES
        ):
            terms.update(line.strip()[2:].strip() for line in str(block.get("examples", "")).splitlines()
                         if line.strip().startswith("- "))
            if "synonym" in block:
                terms.add(str(block["synonym"]).replace("_", " "))
    terms -= _EVERYDAY_WORDS
    alternatives = "|".join(sorted((re.escape(t.lower()) for t in terms if t), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def mentions_technology(text: str) -> bool:
    """Whether the message names a technology of the NLU lookup table or its synonyms, for when the NLU model
    missed it ("een inline kleurmeting met AI", "een automatische snijtafel": blind REST s115, s117)."""
    return bool(_technology_pattern().search(text or ""))


STATUS_LABELS = {"aandachtspunt": "een aandachtspunt", "op_orde": "op orde", "onbekend": "nog onbekend"}
#: Intents whose text answers the question the form asked.
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "skip", "nlu_fallback"})
#: Intents whose text can carry facts about the plan, also when no question is open.
CONTENT_INTENTS = frozenset({"inform", "correct", "start_intake", "nlu_fallback"})
#: Which intake question a conclusion's evidence answers (so the bot does not ask it again).
CONCLUSION_SLOTS = QUESTION_OF
#: Words that show the owner is giving the motive ("omdat", "vanwege personeelstekort"). Not the work
#: itself: "exoskeletten voor de mensen die de rollen stof tillen" names the work, not why.
_MOTIVE = re.compile(
    r"\b(omdat|want|vanwege|doordat|reden|personeelstekort|tekort aan|kwaliteit|productiviteit|"
    r"efficiënt\w*|efficient\w*|zwaar werk|veilig\w*|kosten|besparen|sneller|foutloos|minder fouten|"
    # not "fouten" alone: "terminals waarop de wevers hun orders, stilstand en fouten registreren" is the
    # work the technology is for (blind REST s129)
    r"fouten (?:eruit|voorkomen|verminderen|terugdringen)|"
    # what it saves and what it is to remove: "vision camera's op de verpakkingslijn om de handmatige controle
    # eruit te halen, scheelt ons zo'n 4 fte" (blind REST s160); not "om ... te" alone: "een cobot om de dozen
    # te stapelen" names the work
    r"scheel\w*|bespaart|besparing|om (?:\w+ ){1,6}(?:eruit|weg) te (?:halen|krijgen|werken)|"
    r"om (?:\w+ ){1,6}te (?:verminderen|verlagen|voorkomen|verbeteren|verhogen|besparen))\b",
    re.IGNORECASE,
)


#: Words that say how far the plan is, for long messages where the NLU found no ``fase`` entity
#: ("... het is besloten, de integrator bouwt hem deze zomer. ...").
_STAGE = re.compile(
    r"\b(het is (al )?besloten|is (al )?besloten|we hebben (al )?besloten|(is|zijn) (al )?besteld|"
    r"we oriënter\w*|we orienter\w*|aan het invoeren|we voeren \w+ in|draait (al|nu)|is (al )?in gebruik|"
    r"loopt (niet|vast)|zitten (nu )?in de selectie|knoop (is )?doorgehakt|"
    r"(offerte|contract|order) (is )?getekend|(heb|hebben) (de offerte|het contract|de order) getekend|"
    r"(komt|komen|wordt|worden) (in|na|voor) (januari|februari|maart|april|mei|juni|juli|augustus|september|"
    r"oktober|november|december|de zomer|het voorjaar|het najaar|de winter)|"
    r"(staat|staan) (er )?(al|nu|sinds)|"
    r"we (denken|zijn) er ?(aan|over)( aan het)? (na|oriënteren|orienteren)|"
    # "het MT heeft vorige week besloten een lasrobot te kopen" (blind REST s167), "we hebben sinds 3 maanden
    # een palletiseerrobot ... het loopt voor geen meter, steeds storingen" (s166)
    r"(heeft|hebben) (\w+ ){0,3}besloten|loopt voor geen meter|"
    r"(steeds|veel|constant|continu|vaak) (\w+ )?storing\w*|(draait|draaien) (\w+ ){0,4}sinds)\b",
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


#: The marker of a list item at the start of a line: "-", "*", "•", "1.", "2)", "a." (and the space after it).
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022\u00b7\u2013\u2014]+|\(?\d{1,2}[.):]|[a-k][.)])\s+")
#: "Label: answer" at the start of an item; a label has at most ``LABEL_MAX_WORDS`` words.
_LABELLED = re.compile(r"^\s*(?P<label>[^:\n]{1,60}?)\s*:\s*(?P<rest>.*)$", re.DOTALL)
LABEL_MAX_WORDS = 6


def label_slot(label: str) -> Optional[str]:
    """The intake question a list label names ("Besluit", "Wie besloot", "Personeel (even vooruit)",
    "Bij anderen gekeken"), from the ``labels`` in knowledge/intake.yml: the longest label word or phrase
    found as whole words wins; None when none is found or two questions tie."""
    text = re.sub(r"\([^)]*\)", " ", label.lower())
    text = " " + " ".join(re.findall(r"[\w'-]+", text)) + " "
    if len(text.split()) > LABEL_MAX_WORDS or not text.strip():
        return None
    best: Dict[str, int] = {}
    for slot, question in QUESTIONS.items():
        for word in question.labels:
            if f" {word} " in text:
                best[slot] = max(best.get(slot, 0), len(word))
    if not best:
        return None
    top = max(best.values())
    winners = [slot for slot, length in best.items() if length == top]
    return winners[0] if len(winners) == 1 else None


@lru_cache(maxsize=256)
def list_parts(text: str) -> Optional[Tuple[Tuple[Optional[str], str], ...]]:
    """A prepared list of answers, split into (question, answer) parts; None when ``text`` is no such list.

    Owners and consultants who prepared the intake paste their answers as a list, one item per question,
    each with a label ("1. Techniek: een cobot ...", "- besluit: neem ik samen met de ploegbazen ...",
    blind REST s243-s253). Read as one answer, the whole list went to the question asked: the bot asked
    the next questions anyway (every later answer landed one question off), a label ("Bij anderen
    gekeken:") was read as a statement, and a correction of one item withdrew the whole list. A list is at
    least two items whose label names an intake question (``label_slot``); an item starts at a list marker
    or at such a label, other lines continue the item before them. Items without a known label are parts
    without a question (``None``; ``assign_parts`` decides), the text before the first item too (``""``)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    preface: List[str] = []
    items: List[List[Any]] = []  # [slot, text]
    for line in lines:
        marker = _LIST_ITEM.match(line)
        body = line[marker.end():].strip() if marker else line
        labelled = _LABELLED.match(body)
        slot = label_slot(labelled.group("label")) if labelled else None
        if slot is not None:
            items.append([slot, labelled.group("rest").strip()])
        elif marker:
            items.append([None, body])
        elif items:
            items[-1][1] = f"{items[-1][1]}\n{line}"
        else:
            preface.append(line)
    if sum(1 for slot, _ in items if slot is not None) < 2:
        return None
    parts: List[Tuple[Optional[str], str]] = []
    if preface:  # "" (no question, and never the answer to the question asked: ``assign_parts``)
        parts.append(("", " ".join(preface)))
    parts += [(slot, body.strip()) for slot, body in items if body.strip()]
    return tuple(parts)


def assign_parts(
    parts: Sequence[Tuple[Optional[str], str]], requested: Optional[str]
) -> List[Tuple[Optional[str], str]]:
    """The parts of a list with the question each answers: the first item without a label answers the
    question asked when no item is labelled for it ("- exoskeletten met schouderondersteuning, ..." after
    "welke techniek?"); the text before the list and other unlabelled items are free text (None)."""
    free_for_asked = requested in INTAKE_SLOTS and requested not in {slot for slot, _ in parts}
    out: List[Tuple[Optional[str], str]] = []
    for slot, body in parts:
        if slot is None and free_for_asked:
            out.append((requested, body))
            free_for_asked = False
        else:
            out.append((slot or None, body))
    return out


def _stores(event: Dict[str, Any], text: str) -> bool:
    """Whether a slot event stores ``text`` (or one of its parts, when it is a prepared list: ``list_parts``)
    as the answer to an intake question."""
    if event.get("name") not in INTAKE_SLOTS:
        return False
    value = event.get("value")
    if value == text:
        return True
    parts = list_parts(text) if isinstance(value, str) and "\n" in text else None
    return bool(parts) and any(value == body for _, body in parts)


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
            parts = list_parts(turn.text) if turn.intent != "correct" and not turn.is_payload else None
            if parts and (turn.answers_question() or turn.carries_content()):
                # a prepared list: one statement per item, under the question its label names
                asked_now = requested if active == FORM and requested in INTAKE_SLOTS else None
                for slot, body in assign_parts(parts, asked_now):
                    statements.append(Statement(text=body, slot=slot, turn=turn_no))
                continue
            if turn.intent == "skip":
                # A skip is read as the answer to the question asked (the form stores it as skipped, or as
                # the answer after all: ``_has_evidence``): "sla over" or "weet ik niet" gives no evidence,
                # and "geen idee eerlijk gezegd, daar hebben we nog niet over nagedacht" tells the engine that
                # the owner does not know, so the learned layer decides nothing from his other answers there
                # (blind REST s177; ``ConclusionEngine._not_known``)
                if active == FORM and requested in INTAKE_SLOTS:
                    statements.append(Statement(text=turn.text, slot=requested, turn=turn_no))
                    pending = (turn.text, turn_no, len(statements) - 1)
                else:
                    pending = (turn.text, turn_no, None)
                continue
            if turn.is_payload and not turn.answers_question():
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


#: The sentences of a message, each with its end mark (a question says nothing about the plan).
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
#: A sentence of a free message describes what changes in the work when the topic model
#: (``bot.answer_topics``) reads it as an answer about the work or what it brings the workers with at
#: least ``WORK_TOPICS_MIN`` together, and about the work with at least ``WORK_CHANGE_MIN`` (the two
#: overlap: "minder tillen, meer controleren" is both). Only for sentences of ``WORK_CHANGE_WORDS``
#: words or more: a short remark in an opening message is rarely the answer.
WORK_TOPICS_MIN = 0.85
WORK_CHANGE_MIN = 0.35
WORK_CHANGE_WORDS = 6


def _describes_work_change(engine: ConclusionEngine, sentences: Sequence[str]) -> bool:
    model = None
    for sentence in sentences:
        if len(sentence.split()) < WORK_CHANGE_WORDS:
            continue
        model = model or topic_model(engine)
        proba = model.probabilities(sentence)
        work = proba.get("verandering_werk", 0.0)
        if work >= WORK_CHANGE_MIN and work + proba.get("meerwaarde_medewerkers", 0.0) >= WORK_TOPICS_MIN:
            return True
    return False


def _has_evidence(engine: ConclusionEngine, text: str, slot: Optional[str]) -> bool:
    """Whether the rules find a status in this answer: then it is an answer, also when the NLU heard a skip
    ("nee nergens gekeken, daar is geen tijd voor", "voor hen niet zoveel eigenlijk": blind REST conversations
    s71 and s90). A real skip ("weet ik niet", "zien we dan wel") gives no status."""
    single = engine.assess([Statement(text=text, slot=slot, turn=0)], rules_only=True)
    return any(single.status(cid) != "onbekend" for cid in single.statuses)


def slots_from_turn(
    turn: Turn,
    requested_slot: Optional[str],
    filled: Dict[str, Any],
    engine: ConclusionEngine,
    asked: Optional[Iterable[str]] = None,
) -> Dict[str, Any]:
    """Which intake answers this one message gives: the question asked, and any others it answers too.

    ``asked``: the questions the bot has put to the owner so far (``asked_questions``); with it, an
    answer to a question the bot passed over can be filed there (``unasked_before``).
    """
    values: Dict[str, Any] = {}
    parts = list_parts(turn.text) if turn.intent != "correct" and not turn.is_payload else None
    if parts and (turn.answers_question() or turn.carries_content()):
        # a prepared list: each item answers the question its label names (``list_parts``)
        asked_now = requested_slot if requested_slot in INTAKE_SLOTS else None
        for slot, body in assign_parts(parts, asked_now):
            if slot is not None and slot not in values:
                values[slot] = body
        return {slot: values[slot] for slot in INTAKE_SLOTS if slot in values}
    answered_asked = False
    if requested_slot in INTAKE_SLOTS and turn.intent != "correct" and turn.answers_question():
        answered_asked = True
        if turn.intent == "skip" and not _has_evidence(engine, turn.text, requested_slot):
            values[requested_slot] = SKIPPED
        else:
            # the owner may be ahead of the bot: "lastig, veel uitzendkrachten en de vaste ploeg wordt
            # ouder" when asked what changes in the work answers the question about staff; it is filed
            # there, and the question asked comes back later (``next_question``). Or behind it: the bot
            # passed over a question because an earlier message seemed to answer it, and the owner
            # answers that one now ("ze leren programmeren, krijgen er een cursus bij" when asked
            # about staff); filed there too, and the question asked comes again.
            ahead = None
            if turn.intent in ("inform", "nlu_fallback"):
                later = open_after(filled, requested_slot)
                earlier = unasked_before(filled, requested_slot, asked) if asked is not None else []
                ahead = topic_model(engine).ahead_of(turn.text, requested_slot, later, earlier)
            values[ahead or requested_slot] = turn.text

    def offer(slot: str) -> None:
        if filled.get(slot) is None and slot not in values:
            values[slot] = turn.text

    if not turn.carries_content():
        return values
    if turn.entity_values("technologie") or mentions_technology(turn.text):
        offer("technologie")
    if set(turn.entity_values("fase")) & FASES:
        offer("fase")
    if answered_asked:
        # An answer to the asked question fills only that one (plus recognised facts): reading
        # more into it would skip questions the owner has not really answered. (Tried in session 7:
        # also skipping a question the answer clearly settles as in order; of the 26 blind REST
        # conversations 21 instead of 22 passed: their writers expect the question anyway.)
        return values
    statements = [part for part in _SENTENCE.findall(turn.text) if not part.rstrip().endswith("?")]
    if any(_MOTIVE.search(part) for part in statements):
        offer("motief")
    if any(_STAGE.search(part) for part in statements):
        offer("fase")
    if filled.get("verandering_werk") is None and _describes_work_change(engine, statements):
        offer("verandering_werk")
    # the rules alone: a slot is offered only for explicit evidence in this message, never for the
    # learned layer's estimate (which would route "zien we dan wel" to a question it does not answer)
    single = engine.assess([Statement(text=turn.text, slot=None, turn=0)], rules_only=True)
    for conclusion_id, slot in CONCLUSION_SLOTS.items():
        if single.status(conclusion_id) != "onbekend":
            offer(slot)
    return values


#: Phrases that take something back wherever they stand in a message.
_CORRECTION = re.compile(
    r"\b(klopt(?:te)? (?:dat |het )?niet|bedoel(?:de|den|t)?|wat ik bedoel\w*|wacht|vergis\w*|corrigeer\w*|"
    r"correctie|rechtzetten|recht zetten|moet zijn)\b",
    re.IGNORECASE,
)
#: Words that take something back only at the opening of a message ("eigenlijk is het een lasrobot",
#: "sorry, verkeerd: ..."); inside an answer they are ordinary words: "na een uur gaat het dan toch mis",
#: "ze zitten nu in het verbeterteam", "het gaat niet om kosten maar om kwaliteit" (blind REST s112).
_CORRECTION_OPENING = re.compile(
    r"\b(eigenlijk|toch|verkeerd|fout|verbeter\w*|aanpass\w*|ik zei|zei ik|terugkomen|"
    r"niet \w+(?: \w+)? maar)\b",
    re.IGNORECASE,
)
_OPENING_WORDS = 6


def corrects_earlier_answer(text: str) -> bool:
    """Whether a message takes back something said before ("nee wacht, het is geen cobot maar ...").

    The NLU also labels plain answers that start with "nee" as ``correct`` ("nee, we werken niet
    samen met een hogeschool"), and now and then a long answer ("klachten van supermarkten ...,
    na een uur gaat het dan toch mis"); without a correction phrase, or one of the weaker words in
    its first words, such a message answers the question just asked.
    """
    opening = " ".join(text.split()[:_OPENING_WORDS])
    return bool(_CORRECTION.search(text) or _CORRECTION_OPENING.search(opening))


_QUESTION_START = re.compile(
    r"^\s*(wat|wie|waar|waarom|wanneer|welke?|hoe|hoeveel|hoezo|kun|kan|kunnen|mag|moet|moeten|is|zijn|"
    r"heb|hebben|heeft|weet|bestaat|zit|werkt|geldt|vertel|geef|leg|noem|zeg|toon|laat|zoek)\b",
    re.IGNORECASE,
)


#: A clause that ends in "?" and opens with a verb is a question too ("staat er in die publicaties eigenlijk
#: iets over hoeveel zo'n AI-planning oplevert? rendement of zo", blind REST s211: stored as the answer about
#: staff, it put every later answer one question off). Only with its "?": "gaat prima" is an answer.
_VERB_FIRST = re.compile(
    r"^\s*(staat|staan|zegt|zeggen|noemt|noemen|levert|leveren|helpt|helpen|ken|kent|kennen|wordt|worden|gaat|"
    r"gaan|doet|doen|geeft|geven|speelt|spelen|valt|vallen|loont|hoort|horen|komt|komen|werken|past|passen|"
    r"heeft|hebben|klopt)\b",
    re.IGNORECASE,
)


_FILLERS = re.compile(
    r"^\s*((hmm+|hm|eh+m?|uh+m?|nou|tja|ok[eé]?|oké|en|maar|dus|zeg|sorry)\b[\s,.!]*)+", re.IGNORECASE
)


#: A message that opens with a plain "no" and then asks something ("nee, is dat wat voor een bedrijf van 20
#: man?") answers the question asked and asks one back (blind REST conversation s109). Only "no": "ja, wat
#: is een fieldlab?" is as often "yes, (but) what do you mean" as an answer.
_NO_THEN_QUESTION = re.compile(
    r"^\s*(?:nee|neen|nope|nee hoor|nee joh|nee nog niet|nog niet|niet echt)\s*[,.!;:]+\s*"
    r"(?P<question>\S.*\?)\s*$",
    re.IGNORECASE | re.DOTALL,
)


def no_then_question(text: str) -> Optional[str]:
    """The question after an opening "nee, ..." (see ``_NO_THEN_QUESTION``), or None."""
    match = _NO_THEN_QUESTION.match(text or "")
    return match.group("question").strip() if match else None


#: "wat het ze oplevert? eerlijk gezegd niet zo veel. ...": a short question first, then only statements.
_ECHO_THEN_REST = re.compile(r"^\s*(?P<echo>[^?.!]{1,60}\?)\s*(?P<rest>[^?]+)$", re.DOTALL)
ECHO_MAX_WORDS = 6


def echo_then_answer(text: str) -> Optional[str]:
    """The statements after a short opening question, when nothing else in the message is a question.

    Owners repeat the question before they answer it ("wat het ze oplevert? eerlijk gezegd niet zo
    veel", blind REST s113); whether the rest answers the asked question the caller decides (the rules
    must find a status in it): "wat is een fieldlab? kom ik steeds tegen" stays a question."""
    match = _ECHO_THEN_REST.match(text or "")
    if not match or len(match.group("echo").split()) > ECHO_MAX_WORDS:
        return None
    rest = match.group("rest").strip()
    return rest if len(rest.split()) >= 3 else None


def has_evidence(engine: ConclusionEngine, text: str, slot: Optional[str]) -> bool:
    """Public name of ``_has_evidence``: whether the rules find a status in this answer."""
    return _has_evidence(engine, text, slot)


def answers_after_echo(engine: ConclusionEngine, text: str, slot: Optional[str]) -> bool:
    """Whether ``text`` is an echoed question plus an answer the rules find a status in (see above)."""
    rest = echo_then_answer(text)
    return rest is not None and slot in INTAKE_SLOTS and _has_evidence(engine, rest, slot)


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
    return any(
        "?" in c and (_QUESTION_START.search(_FILLERS.sub("", c)) or _VERB_FIRST.search(_FILLERS.sub("", c)))
        for c in clauses
    )


def open_after(filled: Dict[str, Any], slot: Optional[str]) -> List[str]:
    """The questions without an answer after ``slot``, in the order the bot asks them."""
    start = INTAKE_SLOTS.index(slot) + 1 if slot in INTAKE_SLOTS else 0
    return [s for s in INTAKE_SLOTS[start:] if filled.get(s) is None and s != slot]


def unasked_before(filled: Dict[str, Any], slot: Optional[str], asked: Iterable[str]) -> List[str]:
    """The questions before ``slot`` that have an answer although the bot never asked them (an earlier
    message seemed to answer them), in the order the bot asks them."""
    if slot not in INTAKE_SLOTS:
        return []
    put = set(asked)
    before = INTAKE_SLOTS[: INTAKE_SLOTS.index(slot)]
    return [s for s in before if filled.get(s) not in (None, SKIPPED) and s not in put]


def asked_questions(events: Iterable[Dict[str, Any]]) -> List[str]:
    """The intake questions the bot has asked since the last restart (the values ``requested_slot`` took)."""
    asked: List[str] = []
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            asked = []
        elif kind == "slot" and event.get("name") == "requested_slot" and event.get("value") in INTAKE_SLOTS:
            if event["value"] not in asked:
                asked.append(event["value"])
    return asked


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
    text of a user message sent while a question was asked), since the last restart; None before any
    answer. A message sent before the bot asked anything ("we hebben een snijtafel gekocht, ...") may
    fill questions too, but is no answer to one: the bot does not go on after those (it would pass
    over the technology question when the opener gave only the stage)."""
    last: Optional[str] = None
    text: Optional[str] = None
    requested: Optional[str] = None
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            last, text, requested = None, None, None
        elif kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "user":
            text = (event.get("text") or "").strip() if requested in INTAKE_SLOTS else None
        elif kind == "slot" and text is not None and _stores(event, text):
            last, text = event["name"], None
    return last


def answered(filled: Dict[str, Any]) -> Sequence[str]:
    return [slot for slot in INTAKE_SLOTS if filled.get(slot) not in (None, SKIPPED)]
