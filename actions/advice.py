"""Advice, its evidence ("waarom?"), more handles ("meer") and the status overview."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.intake import answer_in_intake, latest_turn
from bot import advice, intake
from bot.conclusions import Statement


def current_status(tracker: Tracker) -> Dict[str, dict]:
    return tracker.get_slot("conclusion_status") or advice.empty_status()


def give_advice(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    shown = list(tracker.get_slot("advice_shown") or [])
    messages, used = advice.advice_messages(
        current_status(tracker), services.definitions(), services.knowledge_base(), shown
    )
    for message in messages:
        dispatcher.utter_message(text=message)
    return [SlotSet("advice_shown", shown + used)]


class ActionGiveAdvice(Action):
    def name(self) -> Text:
        return "action_give_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return give_advice(dispatcher, tracker)


class ActionMoreAdvice(Action):
    def name(self) -> Text:
        return "action_more_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # "minder stof happen en geen pijnlijke schouders meer" (the NLU heard "meer") during the intake:
        # a statement about the plan answers the question asked, it is no request for more handles
        turn = latest_turn(tracker)
        if turn is not None and turn.text:
            single = services.engine().assess([Statement(text=turn.text)], rules_only=True)
            if any(status != "onbekend" for status in single.statuses.values()):
                answered = answer_in_intake(dispatcher, tracker)
                if answered:
                    return answered
        shown = list(tracker.get_slot("advice_shown") or [])
        messages, used = advice.more_messages(
            current_status(tracker), services.definitions(), services.knowledge_base(), shown
        )
        for message in messages:
            dispatcher.utter_message(text=message)
        return [SlotSet("advice_shown", shown + used)]


class ActionShowEvidence(Action):
    def name(self) -> Text:
        return "action_show_evidence"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = advice.evidence_message(current_status(tracker), services.definitions())
        dispatcher.utter_message(text=message)
        return []


class ActionShowStatus(Action):
    def name(self) -> Text:
        return "action_show_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = advice.overview_message(current_status(tracker), services.definitions())
        dispatcher.utter_message(text=message)
        return []


#: How a consultant introduces himself ("ik ben adviseur, de ondernemer typt mee", "ik zit hier als adviseur
#: van de regionale hub naast een eigenaar"): that switches the mode on, whatever the rules read in it.
CONSULTANT_INTRO = re.compile(
    r"\b(?:ik ben|ik zit|zit hier|als)\b[^.]{0,40}?\b(?:\w*adviseur|consultant|coach|\w*begeleider|lector|"
    r"onderzoeker|docent\S*)\b|\b(?:consultant\w*|\w*weergave|\w*modus|typt mee|naast me|aan tafel|namens|"
    r"met een klant|met de klant|begeleid\w*)\b",
    re.IGNORECASE,
)


class ActionConsultantMode(Action):
    """Consultant mode on: the overview now follows every step of the intake.

    During the intake, a message the rules find a status in is the answer to the question asked, as in
    ``ActionIntakeDigression``: "de directie samen met een externe adviseur. is aangekondigd in de kantine",
    the answer to who decided, came out as ``consultant_mode`` (0.99, blind REST s86 after the session-15
    retrain) and every later answer landed one question off."""

    def name(self) -> Text:
        return "action_consultant_mode"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        turn = latest_turn(tracker)
        asked = tracker.get_slot("requested_slot")
        if (
            turn is not None
            and not CONSULTANT_INTRO.search(turn.text)
            and intake.has_evidence(services.engine(), turn.text, asked)
        ):
            answered = answer_in_intake(dispatcher, tracker)
            if answered:
                return answered
        dispatcher.utter_message(
            text="Consultantmodus staat aan: na elke stap van de intake laat ik de stand "
            "per kernconclusie zien."
        )
        overview = advice.overview_message(current_status(tracker), services.definitions())
        dispatcher.utter_message(text=overview)
        return [SlotSet("consultant_mode", True)]
