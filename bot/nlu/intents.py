"""Shared by the project's NLU components that correct the classifier's intent."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, intent_name: str) -> None:
    """Give ``message`` the intent ``intent_name`` (confidence 1.0), first in the ranking; the
    classifier's other guesses stay in the ranking for the logs and ``rasa test``."""
    current = message.get(INTENT) or {}
    if current.get(INTENT_NAME_KEY) == intent_name:
        return
    new_intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent_name]
    message.set(INTENT, new_intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [new_intent] + ranking, add_to_output=True)
