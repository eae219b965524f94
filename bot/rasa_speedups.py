"""A measured fix for the cost of every custom action call in Rasa 3.6.

``RemoteAction._validate_action_result`` checks each action server response with
``jsonschema.validate(result, schema)``. That function first validates the *schema itself* against
the JSON-Schema meta-schema, every call; Rasa's response schema lists every event type, so this
took about 50 ms of the Rasa server's CPU per custom action call (70% of all its time in an intake
conversation, profiled with cProfile; docs/figures.md). The schema is a constant, so it is checked
once and one validator object is reused. Responses are validated exactly as before, with the same
error text on a bad response. Also: the event class lookup by name is remembered (see
``_install_event_lookup``).

``bot.channels.status`` installs this with ``bot.resilience`` when the Rasa server loads its
channels.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

_installed = False


@lru_cache(maxsize=1)
def response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every response
    return cls(schema)


def installed() -> bool:
    return _installed


def install() -> None:
    global _installed
    if _installed:
        return
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        error = best_match(response_validator().iter_errors(result))  # as jsonschema.validate picks it
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error  # a jsonschema ValidationError, as before

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _install_event_lookup()
    _installed = True


def _install_event_lookup() -> None:
    """``Event.resolve_by_type`` walks every Event subclass (recursively) for each event it reads:
    all events of a conversation on every message, from the tracker store. About 5 ms of a message's
    time in an intake (cProfile, docs/figures.md). Found classes are remembered; a name that is not
    found is looked up again (subclasses defined later still resolve), with Rasa's own fallbacks."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    found: Dict[str, Any] = {}
    original = Event.resolve_by_type

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = next((c for c in all_subclasses(Event) if c.type_name == type_name), None)
            if cls is None:
                return original(type_name, default)  # "topic", default, or Rasa's ValueError
            found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
