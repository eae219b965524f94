"""No silent turns when the action server is down: a Dutch apology instead.

Rasa 3.6 runs a custom action by posting to the action server (``RemoteAction.run``). When that
fails (server down, refused, timed out, an HTTP 500 from a crashed action), Rasa logs the error and
goes on with *no* events: the owner gets no answer at all, and a custom ``action_session_start``
that fails leaves the conversation without a session start, so every later message fails the same
way. Rasa offers no setting or hook for this, so :func:`install` wraps ``RemoteAction.run`` (the one
place all custom actions, form validations and ``action_ask_*`` questions go through) in the Rasa
server process:

- ``action_session_start``: Rasa's own default session start (slots carried over as configured)
  plus the privacy notice, which needs nothing from the action server (``bot.retention``);
- any other custom action: the Dutch apology :data:`APOLOGY`, once per user message however many
  actions of that turn fail. The owner's message stays in the tracker; the dialogue goes on as if
  the action had run, and answers normally as soon as the action server is back.

An ``ActionExecutionRejection`` (a form validation that rejects, HTTP 400) is Rasa's normal control
flow and passes untouched.

**No silent in-memory fallback.** Rasa wraps the tracker store in ``FailSafeTrackerStore``: when the
database fails, it logs an error, answers from an *empty* in-memory tracker and saves the turn only
in memory. The owner gets an answer as if the bot had forgotten everything, and the turn is lost
(seen in the scale-out test after a PostgreSQL restart). :func:`install` makes its two error hooks
log and re-raise, so the error reaches the channel, ``bot.channels.guard`` tells the owner in Dutch
that the message was not processed, and nothing is stored anywhere but the real store.

Errors are still logged, with the action and the endpoint or the store.
``bot.channels.status`` installs this when the Rasa server loads its channels (every ``rasa run``
with this project's ``credentials.yml``) and reports it on ``GET /webhooks/status/``.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from typing import Any, List, Tuple

logger = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, er ging aan mijn kant iets mis en ik kan je vraag nu niet goed beantwoorden. Je bericht is "
    "bewaard. Probeer het over een minuut nog eens; we gaan dan verder waar we waren."
)
SESSION_START = "action_session_start"
_MAX_REMEMBERED_TURNS = 10_000

_installed = False
_apologised: "OrderedDict[Tuple[str, Any], None]" = OrderedDict()


def installed() -> bool:
    return _installed


def _turn_key(tracker: Any) -> Tuple[str, Any]:
    """The conversation and the user message the current action answers."""
    latest = getattr(tracker, "latest_message", None)
    marker = None
    if latest is not None:
        marker = getattr(latest, "message_id", None) or getattr(latest, "timestamp", None)
    return tracker.sender_id, marker


def first_apology_of_turn(tracker: Any) -> bool:
    """True once per user message (per Rasa process); later failures of that turn stay quiet."""
    key = _turn_key(tracker)
    if key in _apologised:
        return False
    _apologised[key] = None
    while len(_apologised) > _MAX_REMEMBERED_TURNS:
        _apologised.popitem(last=False)
    return True


async def fallback_events(
    action_name: str, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> List[Any]:
    """What a failed custom action leaves in the conversation instead of nothing."""
    from rasa.core.actions.action import ActionSessionStart
    from rasa.shared.core.events import BotUttered

    from bot import retention

    if action_name == SESSION_START:
        events = await ActionSessionStart().run(output_channel, nlg, tracker, domain)
        # the notice goes before the closing action_listen, as the custom action sends it
        return [*events[:-1], BotUttered(retention.privacy_notice()), events[-1]]
    if first_apology_of_turn(tracker):
        return [BotUttered(APOLOGY)]
    return []


def install() -> None:
    """Wrap ``RemoteAction.run`` once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    original = RemoteAction.run

    @functools.wraps(original)
    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as exc:  # the action server could not run the action
            logger.error(
                "Custom action '%s' failed (%s: %s); the owner gets the Dutch apology instead of silence.",
                self.name(), type(exc).__name__, exc,
            )
            return await fallback_events(self.name(), output_channel, nlg, tracker, domain)

    RemoteAction.run = run  # type: ignore[method-assign]

    from rasa.core.tracker_store import FailSafeTrackerStore

    def refuse_fallback(self: FailSafeTrackerStore, error: Exception) -> None:
        logger.error(
            "Tracker store %s failed (%s: %s); the message is not processed (no in-memory fallback).",
            type(self._tracker_store).__name__, type(error).__name__, error,
        )
        raise error

    FailSafeTrackerStore.on_tracker_store_error = refuse_fallback  # type: ignore[method-assign]
    FailSafeTrackerStore.on_tracker_store_retrieve_error = refuse_fallback  # type: ignore[method-assign]
    _installed = True
