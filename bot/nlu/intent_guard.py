"""Rasa NLU component: seven corrections of the intent classifier that the dialogue depends on.

1. A long message is not a greeting, a goodbye or "meer" (nor, without a question mark, "help", "ga verder" or
"ben je een bot": ``statement_intents``).

Owners say goodbye, thanks or "meer" in a few words; the training examples of those intents are at
most 4-9 words long. The classifier still gives such a label to long answers now and then ("dat
beslis ik uiteindelijk zelf. hoe ik het ga brengen weet ik nog niet" came out as ``goodbye``, and
"minder stof happen en geen pijnlijke schouders meer" as ``more``), and then the bot says goodbye
in the middle of the intake or loses the answer. This component learns the longest training
example of each of these short intents; a message that is clearly longer (``margin`` words more)
gets the intent ``inform`` instead: it is content, which the intake stores as the answer to the
question asked and the conclusion engine reads. The same holds for a statement (no "?") heard as ``help``:
"er is een handleiding en een filmpje van de leverancier. de uitleg in die handleiding is alleen niet best"
(19 words; 0.97 ``help``, blind REST s137) answers "hoe gaan je mensen leren ...", and the bot gave its help
text and took the next answer for this question. The longest help example has 11 words.

2. A question with a question mark that the classifier was unsure of (``nlu_fallback`` from the
FallbackClassifier: "wat is een fieldlab eigenlijk? hoor het steeds maar weet niet precies wat het
is") gets ``ask_knowledge``: the bot answers it from the knowledge base (or says it has no source)
instead of "niet begrepen", and during the intake it is not taken for the answer to the question
asked.

3. A message that opens with a knowledge question ("wat is een fieldlab eigenlijk? de leverancier had
het er laatst over") is ``ask_knowledge`` also when the classifier was sure it is ``inform`` (a blind
REST conversation, session 8) or ``correct`` (s79, session 12): stored as the answer to the question
asked, it put every later answer one question off. Only a first clause that ends in "?" and opens the
way questions to the knowledge base open ("wat is", "hoe werkt", "kun je", "zijn er"); "wie er besloten
heeft? dat was ik" and "bij een collega gekeken? nee" stay answers.

4. A statement that the classifier took for "show me the status" (``show_status``) or "why do you say
that" (``show_evidence``) is ``inform`` when it neither asks nor uses the words of such a request: "we zijn
ermee bezig, het model wordt nu gebouwd", the answer to "hoe ver ben je ermee?", came out as
``show_status`` (0.60, blind REST s146), "ja, zoals gezegd, bij dat distributiecentrum en die drukkerij"
as ``show_evidence`` (0.83, s143 after a retrain); the bot showed the overview or the evidence, asked the
question again, and the next short answer landed on the wrong question. Requests ask ("wat weet je ...",
"waarom zeg je dat", "?") or name what they want ("tussenstand", "overzicht", "bron", "onderbouwing").

5. The same for "let's pause" (``pause_intake``) and "what can you do" (``capabilities``): "ik, na teamoverleg
met uitleg en vragen", the answer to who decided, came out as ``pause_intake`` (0.84, blind REST s202) and the
bot paused the intake; "nee, alleen de integrator. ik heb voorgesteld om de regionale hub eens te benaderen"
as ``capabilities`` (0.60, s197) and the intake never ended. A pause names the break ("even weg", "pauze",
"later verder", "momentje", "wacht"), a question about the bot asks or names it ("wat kun je", "waar ben je
voor", "?"); without any of those words the message is ``inform``.

6. A message that opens by asking to start over ("weet je wat, laten we opnieuw beginnen. dat AR-project ligt
bij mijn collega, ...") is ``start_over`` whatever the classifier made of the rest (``correct``, 0.60: blind
REST s221; the bot went on with the old intake and every later answer landed one question off). Only a request
in the first sentence: "laten we", "kunnen we", "ik wil", "graag" or nothing before "opnieuw beginnen", or
"reset", "herstart"; "we moesten opnieuw beginnen met de pilot" is a statement. Point 1 does not apply to it.

7. A message in which the owner says he is away for a moment ("oei, moet effe naar de werkplaats, de
vrachtwagen staat voor. ben zo terug": ``inform`` 0.91, blind REST s233) is ``pause_intake``, and one that
asks for the question again ("zo, daar ben ik weer. heftruck doet het weer 😄 wat was je vraag ook
alweer?": ``ask_knowledge``) is ``resume_intake``, whatever else is in it: stored as answers, both put every
later answer one question off. Only a sentence that is the whole break ("ben zo terug", "ik kom zo weer
terug", "moet even weg", "brb") or the whole request ("wat was je vraag ook alweer?", "waar waren we
gebleven?", "kun je de vraag herhalen?").

Place it after the FallbackClassifier and before the LanguageGuard (a foreign message still gets
the Dutch "ik spreek alleen Nederlands").
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intents import override_intent

logger = logging.getLogger(__name__)
_FILE = "lengths.json"
#: The opening of a question to the knowledge base, in a first clause that ends in "?" (point 3 above).
KNOWLEDGE_QUESTION = re.compile(
    r"^\s*(?:(?:hoi|hallo|ok[eé]?|oké|nou|eh+|hmm+|trouwens|even tussendoor|vraagje)\W+)*"
    r"(?:wat (?:is|zijn|betekent|betekenen|houdt|doet|doen|kost|kosten)|"
    # "hoe" and then a verb or adverb is a direct question ("hoe pakken andere bedrijven dat aan?", blind REST
    # s112); "hoe ze het leren? ..." (a pronoun or article after it) repeats the bot's question
    r"hoe (?!(?:ze|we|wij|zij|ik|jij|je|hij|het|de|die|dat|dit|onze|ons|mijn|er|men|mensen)\b)\w+|"
    r"waar (?:kan|kun|vind|staat)|"
    r"kun je|kan je|kunt u|weet je|heb je (?:tips|info|een voorbeeld)|"
    r"bestaat er|bestaan er|zijn er|is er|welke (?:subsidie|regeling|hogeschool|hogescholen|fieldlab))"
    r"\b[^?.!]*\?"
    # an echo of the bot's question followed by the answer: "is er al besloten? ja, vorige week"
    r"(?!\s*(?:ja|nee|jawel|jazeker|klopt|ik|wij|we|dat|die|daar)\b)",
    re.IGNORECASE,
)


#: A request to start over in the first sentence (point 6 above).
RESTART_REQUEST = re.compile(
    r"^\s*(?:(?:ok[eé]?|oké|okay|nou|sorry|hmm+|eh+|ja|nee|weet je wat|weetje wat|laat maar|ach|joh|kom)\W+)*"
    r"(?:(?:laten we|laat ons|kunnen we|zullen we|mogen we|ik wil|ik wil graag|wil graag|graag|kan ik|mag ik|"
    r"kunnen we niet beter|ik begin|we beginnen)\s+)?"
    r"(?:(?:maar|even|toch|gewoon|liever|alles|helemaal|nog een keer|weer)\s+)*"
    r"(?:(?:opnieuw|overnieuw|van voren af aan|van vooraf aan)\s+(?:beginnen|starten|begin|start)|"
    r"(?:begin|start)\s+(?:maar\s+|even\s+|gewoon\s+|nog een keer\s+)?(?:opnieuw|overnieuw)|"
    # "reset" / "herstart" only as the whole request: "herstart van de lijn ging goed" is a statement
    r"(?:reset|herstart|restart)"
    r"(?:\s+(?:het gesprek|de chat|de intake|het|alles|maar|graag|aub|alsjeblieft|pls|svp))*"
    r"\s*(?:[.!?\n]|$))",
    re.IGNORECASE,
)


#: Where a sentence starts (after a punctuation mark or an emoji) and ends (point 7 above: the break or the
#: request is a whole sentence).
_START = r"(?:^|[^\w\s'-]\s*)(?:(?:oei|oeps|sorry|ok[eé]?|oké|okay|nou|ja|zo|hmm+|eh+|momentje)\W+)*"
_END = r"\s*(?:[.!?,;\n]|$)"
_AGAIN = r"(?:\s+(?:ook|nou|nu|nog|weer|alweer|alsjeblieft|even))*"
#: "ben zo terug", "ik kom zo weer terug", "moet even weg", "brb" (point 7 above).
BREAK_SENTENCE = re.compile(
    _START
    + r"(?:(?:ik\s+)?(?:ben|kom)\s+(?:zo|zometeen|zo meteen|straks|dadelijk|direct|meteen|zo direct)\s+"
    r"(?:weer\s+)?terug(?:\s+(?:hoor|he|hè|joh))?|"
    r"(?:ik\s+)?moet\s+(?:even|effe|ff|eventjes|nu)\s+weg|brb)" + _END,
    re.IGNORECASE,
)
#: "wat was je vraag ook alweer?", "waar waren we gebleven?", "kun je de vraag herhalen?" (point 7 above).
REPEAT_REQUEST = re.compile(
    _START
    + r"(?:wat\s+(?:was|is)\s+(?:je|jouw|de|die)\s+vraag" + _AGAIN + r"|wat\s+vroeg\s+je" + _AGAIN
    + r"|waar\s+waren\s+we(?:\s+(?:ook|nou|nu|alweer))*(?:\s+gebleven)?"
    r"|(?:kun|kan|wil|kunt)\s+(?:je|u)\s+(?:de|je|die|uw)\s+vraag\s+(?:nog\s+(?:eens|een\s+keer)\s+)?herhalen)"
    r"\s*\?",
    re.IGNORECASE,
)


#: What a request for the overview or for the evidence says or how it opens (point 4 above); a message with
#: such an intent but without any of these words, and without a question mark, is a statement.
STATUS_REQUEST = re.compile(
    r"^\s*(?:wat|welke|hoe|waar|hoeveel|geef|laat|toon|zet|status|stand|tussenstand|overzicht)\b|"
    r"\b(?:status|stand van zaken|tussenstand|overzicht\w*|op een rijtje|kernconclusie\w*|conclusies|"
    r"aandachtspunt\w*|op orde|onbekend|genoteerd|opgeschreven|onthouden|inschatting|tot nu toe|"
    r"weet je|heb je|hebt|ben je|mis je|wat je|kun je|kan je|laten zien|ingevuld|hoe ver zijn we|waar sta\w*|"
    r"hoe sta\w*)\b",
    re.IGNORECASE,
)

EVIDENCE_REQUEST = re.compile(
    r"^\s*(?:waarom|hoezo|hoe|waar|waaruit|welk\w*|wat|toon|laat|leg|onderbouw\w*|bron|op grond|op basis)\b|"
    r"\b(?:waarom|hoezo|bron\w*|onderbouw\w*|bewijs|gebaseerd|baseer|redenering|uitspraak|uitspraken|"
    r"(?:heb|had) ik gezegd|ik gezegd heb|waar blijkt|concludeer\w*|reden)\b",
    re.IGNORECASE,
)
PAUSE_REQUEST = re.compile(
    r"\b(?:weg|pauze\w*|pauzeer\w*|terug|verder|straks|later|morgen|moment\w*|wacht\w*|stop\w*|stil\w*|"
    r"onderbre\w*|parkeer\w*|rusten|ophangen|geen tijd|bezig|lunch\w*|koffie|gebeld|weggeroepen|roep\w*|"
    r"laten liggen|vast\w*|ff|effe|even|telefoon|geen tijd|genoeg|break|brb)\b",
    re.IGNORECASE,
)
CAPABILITIES_REQUEST = re.compile(
    r"\?|\b(?:wat|waar|waarvoor|waarmee|welke|hoe|kun|kan|kunt|doe|doet|doen|bedoeling|mogelijkheden|"
    r"help\w*|taak|functie\w*|specialiteit|onderwerp\w*|advies|bot|chat\w*|jij|jou|je|u)\b",
    re.IGNORECASE,
)
REQUEST_WORDS = {
    "show_status": STATUS_REQUEST,
    "show_evidence": EVIDENCE_REQUEST,
    "pause_intake": PAUSE_REQUEST,
    "capabilities": CAPABILITIES_REQUEST,
}


def word_count(text: str) -> int:
    return len(text.split())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentGuard(GraphComponent):
    """Long messages are no social intent; unsure questions are knowledge questions (module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "intents": ["greet", "goodbye", "thank", "more", "affirm", "deny", "start_over", "skip"],
            # long and without a question mark: a statement (point 1)
            "statement_intents": ["help", "resume_intake", "bot_challenge"],
            "margin": 3,
            "replacement": "inform",
            "fallback_intent": "nlu_fallback",
            "question_intent": "ask_knowledge",
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lengths: Optional[Dict[str, int]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.lengths: Dict[str, int] = dict(lengths or {})

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentGuard:
        lengths: Dict[str, int] = {}
        try:
            with model_storage.read_from(resource) as directory:
                lengths = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError) as exc:
            logger.warning("IntentGuard has no learned lengths (%s); long messages keep their intent.", exc)
        return cls(config, model_storage, resource, lengths)

    def train(self, training_data: TrainingData) -> Resource:
        short = set(self._config["intents"]) | set(self._config["statement_intents"])
        lengths: Dict[str, int] = {}
        for example in training_data.training_examples:
            intent, text = example.get(INTENT), example.get(TEXT)
            if intent in short and text:
                lengths[intent] = max(lengths.get(intent, 0), word_count(text))
        self.lengths = lengths
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(lengths, sort_keys=True), encoding="utf-8")
        return self._resource

    def limit(self, intent: Optional[str]) -> Optional[int]:
        """The most words a message with this intent may have, or None when the guard leaves it alone."""
        if intent not in self.lengths:
            return None
        return self.lengths[intent] + int(self._config["margin"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not text:
                continue
            limit = self.limit(intent)
            if RESTART_REQUEST.match(text):
                # point 6; a long "laten we opnieuw beginnen, ..." the classifier got right stays a restart
                # (override_intent leaves an intent that is already start_over as it is)
                override_intent(message, "start_over")
            elif BREAK_SENTENCE.search(text):
                override_intent(message, "pause_intake")  # point 7
            elif REPEAT_REQUEST.search(text):
                override_intent(message, "resume_intake")  # point 7
            elif (
                limit is not None
                and word_count(text) > limit
                and ("?" not in text or intent not in self._config["statement_intents"])
            ):
                override_intent(message, self._config["replacement"])
            elif intent == self._config["fallback_intent"] and "?" in text:
                # only with a question mark: "heb ik besloten, ..." starts like a question but is none
                override_intent(message, self._config["question_intent"])
            elif intent in (self._config["replacement"], "correct") and KNOWLEDGE_QUESTION.match(text):
                # also when heard as a correction ("even tussendoor: wat is een fieldlab eigenlijk? ...",
                # blind REST s79): a correction does not open with a knowledge question
                override_intent(message, self._config["question_intent"])
            elif intent in REQUEST_WORDS and "?" not in text and not REQUEST_WORDS[intent].search(text):
                override_intent(message, self._config["replacement"])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
