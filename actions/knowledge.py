"""Free questions about the publications: a cited answer, a short list, or an honest refusal."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.intake import answer_in_intake
from bot import intake
from bot.knowledge import list_entries


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        answered_too: List[Dict[Text, Any]] = []
        if not intake.looks_like_question(question) or intake.answers_after_echo(
            services.engine(), question, tracker.get_slot("requested_slot")
        ):
            # during the intake a statement is the answer to the question just asked, also after the
            # owner repeated that question ("wat het ze oplevert? eerlijk gezegd niet zo veel. ...")
            answered = answer_in_intake(dispatcher, tracker)
            if answered:
                return answered
        elif (rest := intake.no_then_question(question)) is not None:
            # "nee, is dat wat voor een bedrijf van 20 man?": the "nee" answers the question asked (the
            # intake goes on), the rest is a question the bot answers first
            answered_too = answer_in_intake(dispatcher, tracker) or []
            question = rest
        retriever = services.retriever()
        listing = list_entries(question, retriever)
        if listing:
            dispatcher.utter_message(text=listing)
            return answered_too
        answer = retriever.answer(question)
        dispatcher.utter_message(text=answer.text)
        return answered_too
