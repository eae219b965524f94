"""Privacy and the report: delete the conversation, offer the report link, the privacy notice.

Thin adapters: the deletion itself happens in the Rasa server's tracker store
(``bot.tracker_store.PrivacySQLTrackerStore``) when it sees this action's marker slot; the link and
the notice come from ``bot.report`` and ``bot.retention``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import report, retention
from bot.retention import DELETE_ACTION, DELETED_SLOT


class ActionDeleteData(Action):
    """After "ja": mark the deletion; the tracker store removes the conversation instead of saving."""

    def name(self) -> Text:
        return DELETE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text="Klaar: ik heb dit gesprek gewist, met alles wat je me vertelde en mijn inschatting. "
            "Als je weer iets typt, begin ik met een leeg gesprek."
        )
        return [SlotSet(DELETED_SLOT, True)]


def report_message(sender_id: str) -> str:
    days = retention.retention_days()
    return (
        "Hier is je verslag: je plan, mijn inschatting per kernconclusie met bronnen, de open vragen en "
        f"het gesprek.\n{report.report_url(sender_id)}\n"
        "Afdrukken of als PDF bewaren kan vanuit je browser. Als tekstbestand (Markdown): "
        f"{report.report_url(sender_id, 'md')}\n"
        f"De link werkt zolang ik het gesprek bewaar (tot {days} dagen na je laatste bericht). "
        "Deel hem alleen met wie het verslag mag lezen."
    )


class ActionOfferReport(Action):
    """The link to the report of this conversation (served by bot/channels/report.py)."""

    def name(self) -> Text:
        return "action_offer_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=report_message(tracker.sender_id))
        return []


class ActionPrivacyNotice(Action):
    """What the bot stores and for how long (BOT_RETENTION_DAYS)."""

    def name(self) -> Text:
        return "action_privacy_notice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=retention.privacy_notice())
        return []
