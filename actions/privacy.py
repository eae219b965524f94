"""Privacy and the report: delete the conversation, offer the report link, the privacy notice.

Thin adapters: the deletion itself happens in the Rasa server's tracker store
(``bot.tracker_store.PrivacySQLTrackerStore``) when it sees this action's marker slot; the link and
the privacy notice at the start of each session come from ``bot.report`` and ``bot.retention``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
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


class ActionSessionStart(Action):
    """Rasa's session start (slots carried over, as configured) plus the privacy notice.

    A session starts before the first message of a conversation, after a restart or a deletion, and
    after ``session_expiration_time`` without messages, so the owner hears at the start of each what
    the bot stores and for how long. If the action server is down, ``bot.resilience`` starts the
    session with Rasa's default action and the same notice.
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events.extend(carried_over_slots(tracker))
        dispatcher.utter_message(text=retention.privacy_notice())
        events.append(ActionExecuted("action_listen"))
        return events


def carried_over_slots(tracker: Tracker) -> List[EventType]:
    """The slots of the previous session, as Rasa's own ``action_session_start`` carries them over."""
    return [
        SlotSet(key=event["name"], value=event.get("value"))
        for event in tracker.events_after_latest_restart()
        if event.get("event") == "slot"
    ]
