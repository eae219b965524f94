"""The intake form: fill the answers (several at once), keep ``conclusion_status`` up to date."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot import advice, intake


def latest_turn(tracker: Tracker) -> Optional[intake.Turn]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return intake.Turn.from_event(event)
    return None


def filled_answers(tracker: Tracker) -> Dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in intake.INTAKE_SLOTS}


def assessment_event(tracker: Tracker) -> SlotSet:
    """Recompute the assessment from every statement of the conversation (later ones override)."""
    statements = intake.statements_from_events(tracker.events)
    return SlotSet("conclusion_status", services.engine().assess(statements).to_slot())


#: intents a correction with an explicit marker ("dat klopt niet", "ik bedoel") can end up with
_CORRECTION_LOOKALIKES = frozenset({"nlu_fallback", "inform"})


class ValidateIntakeForm(FormValidationAction):
    """Fills the asked question and any other the message answers; never invents an answer.

    Messages that answer nothing (a knowledge question, "waarom vraag je dat?", a correction)
    return no events, so the form rejects and the rules handle the digression, after which the
    form asks its question again.
    """

    def name(self) -> Text:
        return "validate_intake_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        events = self._validate(dispatcher, tracker)
        return events + next_question_events(tracker, events)

    @staticmethod
    def _validate(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
        turn = latest_turn(tracker)
        if turn is None or turn.intent == "correct":
            return []
        if turn.intent in _CORRECTION_LOOKALIKES and services.engine().opens_with_correction(turn.text):
            # "nee wacht, dat klopt niet. ik heb eerst een bijeenkomst gehouden ...", which the NLU
            # was unsure of (nlu_fallback) or took for an answer: a correction, not the answer to the
            # question just asked. The assessment is updated; the form asks its question again.
            # Only a message that *opens* with a correction phrase: "die kwamen er eigenlijk mee" or
            # "het gaat vaak fout bij de montage" in an answer are no correction.
            return correction_events(dispatcher, tracker)
        return answer_events(dispatcher, tracker, turn)


def next_question_events(tracker: Tracker, events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """``requested_slot`` when the next question is not simply the first open one (``intake.next_question``:
    the owner was ahead of the bot); Rasa's form asks that one. Also on the way back from a digression,
    when the form runs this action without a new answer."""
    filled = filled_answers(tracker)
    for event in events:
        if event.get("event") == "slot" and event.get("name") in intake.INTAKE_SLOTS:
            filled[event["name"]] = event.get("value")
    after = intake.last_answered([*tracker.events, *events])
    wanted = intake.next_question(filled, after)
    if wanted is None or wanted == intake.next_question(filled):
        return []
    return [SlotSet("requested_slot", wanted)]


def answer_events(
    dispatcher: CollectingDispatcher, tracker: Tracker, turn: intake.Turn
) -> List[Dict[Text, Any]]:
    """The slots this message answers (the asked question and others) and the new assessment."""
    if not (turn.answers_question() or turn.carries_content()):
        return []
    values = intake.slots_from_turn(
        turn,
        tracker.get_slot("requested_slot"),
        filled_answers(tracker),
        services.engine(),
        asked=intake.asked_questions(tracker.events),
    )
    if not values:
        return []
    events = [SlotSet(slot, value) for slot, value in values.items()]
    tracker.add_slots(events)
    update = assessment_event(tracker)
    if tracker.get_slot("consultant_mode"):
        dispatcher.utter_message(text=advice.overview_message(update["value"], services.definitions()))
    return [*events, update]


def answer_in_intake(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """The events if this message, during the intake, answers the question just asked; else None.

    For messages the NLU sent elsewhere (``correct``, ``ask_knowledge``) that the caller has judged
    to be a plain answer: "ik beslis dat samen met mijn bedrijfsleider" is an answer, not a question.
    """
    turn = latest_turn(tracker)
    asked = tracker.get_slot("requested_slot")
    in_intake = (tracker.active_loop or {}).get("name") == "intake_form" and asked in intake.INTAKE_SLOTS
    if not in_intake or turn is None:
        return None
    answered = answer_events(dispatcher, tracker, dataclasses.replace(turn, intent="inform"))
    return answered or None


#: The answer to a message without content while the intake runs, by intent (``ActionIntakeDigression``).
DIGRESSION_RESPONSES = {
    "resume_intake": "utter_intake_resume",
    "out_of_scope": "utter_out_of_scope",
    "help": "utter_help_in_intake",
    "nlu_fallback": "utter_default",
}


class ActionIntakeDigression(Action):
    """"Ga verder", "help", something off-topic or something the NLU did not understand while the intake
    runs: the matching answer, and the form asks its question again.

    The NLU now and then gives one of these intents to a real answer ("ik zelf. wel bij de koffie uitgelegd
    waarom. vragen mochten" came out as ``resume_intake``, "nee nergens gekeken. de verkoper heeft een
    filmpje laten zien" as ``out_of_scope``: blind REST s123, s64; "MT. kick-off met uitleg en vragenronde"
    as ``nlu_fallback``: s206). A message in which the rules find a status is the answer to the question
    asked, as with a ``skip`` (``intake.has_evidence``)."""

    def name(self) -> Text:
        return "action_intake_digression"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        turn = latest_turn(tracker)
        asked = tracker.get_slot("requested_slot")
        if turn is not None and intake.has_evidence(services.engine(), turn.text, asked):
            answered = answer_in_intake(dispatcher, tracker)
            if answered:
                return answered
        intent = turn.intent if turn is not None else None
        dispatcher.utter_message(response=DIGRESSION_RESPONSES.get(intent or "", "utter_intake_resume"))
        return []


class ActionProcessCorrection(Action):
    """'Nee, dat klopt niet, ...': the later statement overrides; confirm what changed."""

    def name(self) -> Text:
        return "action_process_correction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        turn = latest_turn(tracker)
        if turn is not None and not intake.corrects_earlier_answer(turn.text):
            # "nee, we werken niet samen met een hogeschool": an answer to the question just asked
            answered = answer_in_intake(dispatcher, tracker)
            if answered:
                return answered
        return correction_events(dispatcher, tracker)


def correction_events(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Recompute the assessment after a correction and say what changed (or that nothing did)."""
    before = tracker.get_slot("conclusion_status") or {}
    update = assessment_event(tracker)
    changed = [
        cid
        for cid, now in update["value"].items()
        if (before.get(cid) or {}).get("status", "onbekend") != now["status"]
    ]
    definitions = services.definitions()
    if changed:
        lines = [
            f"- {definitions[cid].short}: nu {intake.STATUS_LABELS[update['value'][cid]['status']]}"
            for cid in changed
        ]
        dispatcher.utter_message(text="Helder, ik heb het aangepast:\n" + "\n".join(lines))
    else:
        dispatcher.utter_message(
            text="Dank je, ik heb het genoteerd. Mijn inschatting verandert daardoor niet."
        )
    return [update]


class ActionNoteStatement(Action):
    """A statement after the intake: update the assessment and say whether it changed."""

    def name(self) -> Text:
        return "action_note_statement"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await ActionProcessCorrection().run(dispatcher, tracker, domain)


class ActionIntakeDone(Action):
    """All questions answered (or skipped): mark the intake complete and give the advice."""

    def name(self) -> Text:
        return "action_intake_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        from actions.advice import give_advice

        dispatcher.utter_message(text="Dank je, dat waren al mijn vragen. Dit is mijn advies.")
        events: List[Dict[Text, Any]] = [assessment_event(tracker), SlotSet("intake_complete", True)]
        tracker.add_slots(events[:1])
        events += give_advice(dispatcher, tracker)
        return events


class ActionExplainQuestion(Action):
    """'Waarom vraag je dat?': the reason for the open question."""

    def name(self) -> Text:
        return "action_explain_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        question = intake.QUESTIONS.get(tracker.get_slot("requested_slot"))
        if question:
            dispatcher.utter_message(text=question.why)
        else:
            dispatcher.utter_message(response="utter_why_general")
        return []


class AskIntakeQuestion(Action):
    """``action_ask_<slot>``: the form's question for one slot, from knowledge/intake.yml."""

    slot: str = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        question = intake.QUESTIONS[self.slot]
        dispatcher.utter_message(text=question.question, buttons=list(question.buttons))
        return []


# One action class per question, so rasa-sdk registers ``action_ask_technologie`` and so on.
for _slot in intake.INTAKE_SLOTS:
    _name = "Ask" + "".join(part.title() for part in _slot.split("_"))
    globals()[_name] = type(_name, (AskIntakeQuestion,), {"slot": _slot, "__module__": __name__})
