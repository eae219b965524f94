"""bot.resilience: a failing custom action gives the Dutch apology (once per turn), never silence."""

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import PROJECT_ROOT, resilience, retention


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain"))


def closed_port_endpoint():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return EndpointConfig(f"http://127.0.0.1:{port}/webhook")  # nothing listens there now


def run(action, tracker, domain):
    out = CollectingOutputChannel()
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(action.run(out, nlg, tracker, domain))


def tracker_with(domain, *events, sender="eigenaar"):
    return DialogueStateTracker.from_events(sender, list(events), slots=domain.slots)


def test_install_is_idempotent_and_reported():
    resilience.install()
    wrapped = RemoteAction.run
    resilience.install()
    assert RemoteAction.run is wrapped
    assert resilience.installed()


def test_unreachable_action_server_gives_one_apology_per_user_message(domain):
    resilience.install()
    endpoint = closed_port_endpoint()
    tracker = tracker_with(domain, UserUttered("wat is een cobot?", message_id="m1"))
    first = run(RemoteAction("action_answer_question", endpoint), tracker, domain)
    assert [type(e) for e in first] == [BotUttered]
    assert first[0].text == resilience.APOLOGY
    # a second failing action in the same turn (e.g. the form's question) stays quiet
    assert run(RemoteAction("action_ask_sector", endpoint), tracker, domain) == []
    # the next user message gets its own apology
    tracker.update(UserUttered("en nu?", message_id="m2"))
    again = run(RemoteAction("action_answer_question", endpoint), tracker, domain)
    assert [e.text for e in again] == [resilience.APOLOGY]


def test_session_start_falls_back_to_rasas_default_with_the_notice(domain):
    resilience.install()
    tracker = tracker_with(domain, SlotSet("sector", "metaal"), sender="terugkomer")
    events = run(RemoteAction("action_session_start", closed_port_endpoint()), tracker, domain)
    assert isinstance(events[0], SessionStarted)
    assert SlotSet("sector", "metaal") in events  # carried over as configured
    assert [e.text for e in events if isinstance(e, BotUttered)] == [retention.privacy_notice()]
    assert events[-1] == ActionExecuted("action_listen")


class _Rejecting(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"action_name": "validate_intake_form", "error": "nee"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_rejection_is_rasas_control_flow_and_passes_untouched(domain):
    resilience.install()
    server = HTTPServer(("127.0.0.1", 0), _Rejecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{server.server_port}/webhook")
        tracker = tracker_with(domain, UserUttered("iets", message_id="r1"))
        with pytest.raises(ActionExecutionRejection):
            run(RemoteAction("validate_intake_form", endpoint), tracker, domain)
    finally:
        server.shutdown()


# --------------------------------------------------------------------------- bot.rasa_speedups


def test_action_responses_are_validated_as_before_with_a_reused_validator():
    from jsonschema import ValidationError

    from bot import rasa_speedups

    rasa_speedups.install()
    action = RemoteAction("action_answer_question", closed_port_endpoint())
    good = {
        "events": [{"event": "slot", "name": "sector", "value": "metaal"}],
        "responses": [{"text": "hallo"}],
    }
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "name": 42}]})
    assert rasa_speedups.response_validator() is rasa_speedups.response_validator()  # built once


def test_a_failing_tracker_store_raises_instead_of_answering_from_memory(domain):
    """Rasa's FailSafeTrackerStore would return an empty tracker and keep the turn in memory only."""
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("database gone")

        async def save(self, tracker):
            raise ConnectionError("database gone")

    resilience.install()
    store = FailSafeTrackerStore(Broken(domain))
    with pytest.raises(ConnectionError):
        asyncio.run(store.retrieve("eigenaar"))
    with pytest.raises(ConnectionError):
        asyncio.run(store.save(tracker_with(domain, UserUttered("hoi"))))
    assert store._fallback_tracker_store is None or not asyncio.run(store.fallback_tracker_store.keys())


def test_event_lookup_by_name_is_remembered_and_unchanged():
    """bot.rasa_speedups remembers Event.resolve_by_type; results and errors stay Rasa's."""
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    from bot import rasa_speedups

    rasa_speedups.install()
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    assert Event.resolve_by_type("nonsense", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("nonsense")
    event = Event.from_parameters({"event": "slot", "name": "sector", "value": "metaal"})
    assert isinstance(event, SlotSet) and event.value == "metaal"
