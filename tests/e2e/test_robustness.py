"""Bad input, an action server that goes down, and many owners at once: through the real REST channel.

Each odd message gets HTTP 200 and a Dutch answer without internals (no traceback, no path, no echo of
markup), and the same conversation answers a plain "hoi" with the greeting afterwards. The action
server is stopped mid-conversation: the owner gets the apology of ``bot.resilience`` (not silence),
the conversation keeps its messages, and it answers normally once the action server is back.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest
import requests

from bot import resilience
from bot.channels import guard
from tests.e2e.server import BotServer

INTERNALS = re.compile(r"Traceback|Exception|Error\b|\.py\b|/work/|/tmp/|/home/|site-packages|<script", re.I)
DUTCH = re.compile(r"\b(ik|je|jij|de|het|een|en|niet|wat|typ|graag|sorry|hallo|welke)\b", re.I)


def new_sender(kind: str) -> str:
    return f"robuust-{kind}-{uuid.uuid4().hex[:8]}"


def dutch_and_clean(texts: List[str]) -> None:
    assert texts, "no answer at all"
    for text in texts:
        assert text.strip(), texts
        assert not INTERNALS.search(text), f"internals in a reply: {text!r}"
    assert DUTCH.search(" ".join(texts)), f"not Dutch: {texts}"


def one_of(responses: Dict[str, List[str]], name: str) -> Callable[[str], bool]:
    return lambda text: text in responses[name]


LONG_STORY = (
    "We zijn een metaalbedrijf met veertig man en we willen volgend jaar een cobot bij het lassen zetten, "
    "maar de mensen op de vloer weten er nog niets van en ik twijfel hoe ik dat moet brengen. "
)

# message -> what the answer must be (None: any Dutch answer without internals)
ODD_INPUT = {
    "leeg": ("", "empty"),
    "spaties": ("   \n\t  ", "empty"),
    "een teken": ("k", None),
    "emoji": ("🤖🏭👍", None),
    "5000 tekens": ((LONG_STORY * 40)[:5000], "cut"),
    "50000 tekens": ((LONG_STORY * 400)[:50000], "cut"),
    "engels": ("Hello, can you help me choose a welding robot for my factory?", "utter_only_dutch"),
    "duits": ("Guten Tag, wir möchten einen Roboter für unsere Fabrik kaufen.", "utter_only_dutch"),
    "html": ("<b>hallo</b> <i>daar</i>", None),
    "script": ("<script>alert('hoi')</script>", None),
    "sql": ("'; DROP TABLE events; --", None),
    "format": ("%s %d {0} {sender_id} ${HOME} {{slots}}", None),
    "slash restart": ("/restart", "utter_restarted"),
    "slash greet": ("/greet", "utter_greet"),
    "slash fallback": ("/nlu_fallback", "utter_default"),
    "slash kapot": ('/inform{"technologie_type": "cobot"', None),
    "json": ('{"intent": "greet", "text": "hoi"}', None),
    "onzin": ("fjdksl qwpoe zmxnv", "utter_default"),
    "hoofdletters": ("WIJ WILLEN EEN COBOT KOPEN VOOR HET LASSEN", None),
    "typfouten": ("ik wil een cobbot voor het lasen van onze prodcutie maar mijn persooneel is bang", None),
}


@pytest.mark.parametrize("kind", list(ODD_INPUT))
def test_odd_input_gets_a_dutch_answer_and_the_bot_goes_on(bot: BotServer, responses, kind):
    message, expected = ODD_INPUT[kind]
    who = new_sender(kind.replace(" ", "-"))
    body = {"sender": who, "message": message}
    resp = requests.post(f"{bot.url}/webhooks/rest/webhook", json=body, timeout=60)
    assert resp.status_code == 200, resp.text
    texts = [m.get("text", "") for m in resp.json() if m.get("text") != bot.privacy_notice]
    dutch_and_clean(texts)
    if expected == "empty":
        assert texts == [guard.EMPTY_REPLY]
    elif expected == "cut":
        limit = guard.DEFAULT_LIMIT
        assert texts[0].startswith("Je bericht was erg lang")
        assert f"{len(message.strip()):,}".replace(",", ".") in texts[0]  # (Rasa strips the text)
        assert len(texts) >= 2, texts  # and an answer to what was read
        stored = [e["text"] for e in bot.tracker(who)["events"] if e["event"] == "user"]
        assert len(stored) == 1 and len(stored[0]) <= limit and message.startswith(stored[0])
    elif expected is not None:
        assert any(one_of(responses, expected)(t) for t in texts), (expected, texts)
    if "<" in message:
        assert not any("<script" in t or "<b>" in t for t in texts)
    # the conversation (and the server) goes on
    after = bot.texts(who, "hoi")
    greetings = responses["utter_greet"] + responses["utter_greet_in_intake"]  # an intake then asks on
    assert any(t in greetings for t in after), after


def test_the_privacy_notice_starts_each_session_once(bot: BotServer, responses):
    who = new_sender("melding")
    first = bot.texts(who, "hoi", keep_notice=True)
    assert first[0] == bot.privacy_notice and "30 dagen" in first[0] and "verwijder mijn gegevens" in first[0]
    assert first[1] in responses["utter_greet"] and len(first) == 2
    assert bot.privacy_notice not in bot.texts(who, "wat kun je?", keep_notice=True)
    restart = bot.texts(who, "kunnen we opnieuw beginnen?", keep_notice=True)
    assert restart[0] in responses["utter_restarted"] and restart[1:] == [bot.privacy_notice], restart
    assert bot.privacy_notice not in bot.texts(who, "hoi", keep_notice=True)  # once per session


def test_fifty_owners_at_once_get_their_own_answers(bot: BotServer):
    """50 conversations at the same moment: no errors, and each owner gets the answer to their message."""
    questions = [
        "wat is een 4.0-teamleider?", "waar staat SPRONG voor?", "wat kun je?", "ben je een robot?", "help",
    ]
    expected = {q: bot.texts(new_sender("vooraf"), q) for q in questions}
    assert len({tuple(v) for v in expected.values()}) == len(questions), "the answers must tell them apart"
    gate = threading.Barrier(50)
    got: Dict[str, tuple] = {}
    errors: List[BaseException] = []

    def owner(i: int) -> None:
        who, question = new_sender(f"tegelijk-{i}"), questions[i % len(questions)]
        try:
            gate.wait(timeout=30)
            got[who] = (question, bot.texts(who, question))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=owner, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors[:3]
    assert len(got) == 50
    for who, (question, texts) in got.items():
        assert texts == expected[question], (who, question, texts)
        users = [e["text"] for e in bot.tracker(who)["events"] if e["event"] == "user"]
        assert users == [question], (who, users)  # nothing of another owner in this conversation


# --------------------------------------------------------------------------- action server down


@pytest.fixture(scope="module")
def outage_bot(tmp_path_factory) -> Iterator[BotServer]:
    server = BotServer(workdir=Path(tmp_path_factory.mktemp("outage")))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_action_server_down_gives_an_apology_and_the_conversation_goes_on(outage_bot: BotServer, responses):
    bot = outage_bot
    who, newcomer = new_sender("storing"), new_sender("nieuw-tijdens-storing")
    question = "wat is een 4.0-teamleider?"
    answer = bot.texts(who, question)
    assert any(t.startswith("Bron:") or "\nBron:" in t for t in answer), answer

    bot.stop_actions()
    status = requests.get(f"{bot.url}/webhooks/status/", timeout=10).json()
    assert status["action_server"]["reachable"] is False
    assert status["action_server"]["when_down"].startswith("Dutch apology")

    assert bot.texts(who, question) == [resilience.APOLOGY]  # a custom action: the apology, not silence
    assert bot.texts(who, "hoi")[-1] in responses["utter_greet"]  # responses need no action server
    first = bot.texts(newcomer, "hoi", keep_notice=True)  # a session starts without the action server
    assert first[0] == bot.privacy_notice and first[-1] in responses["utter_greet"]
    intake = bot.texts(who, "we willen een cobot gaan gebruiken in de lasafdeling")
    assert intake == [resilience.APOLOGY], intake  # once per message, however many actions failed

    bot.start_actions()
    bot.wait_actions()
    back = bot.texts(who, question)
    assert back[: len(answer)] == answer, back  # back: the same answer (then the intake's question)
    users = [e["text"] for e in bot.tracker(who)["events"] if e["event"] == "user"]
    assert users.count(question) == 3 and "we willen een cobot gaan gebruiken in de lasafdeling" in users
    status = requests.get(f"{bot.url}/webhooks/status/", timeout=10).json()
    assert status["action_server"]["reachable"] is True


# --------------------------------------------------------------------------- tracker store unreachable


def test_unreachable_tracker_store_is_reported_and_the_owner_is_told(tmp_path):
    """PostgreSQL that is not there: status 503 with the reason, the log names it, the owner is told."""
    from tests.e2e import server as server_module

    bot = BotServer(workdir=tmp_path)
    closed = server_module.free_port()  # nothing listens there

    def endpoints_without_database(path, action_port, db_path):
        path.write_text(
            "action_endpoint:\n"
            f'  url: "http://127.0.0.1:{action_port}/webhook"\n'
            "tracker_store:\n"
            "  type: bot.tracker_store.PrivacySQLTrackerStore\n"
            '  dialect: "postgresql"\n'
            '  url: "127.0.0.1"\n'
            f"  port: {closed}\n"
            '  db: "gesprekken"\n'
            '  username: "bot"\n'
            '  password: "niet-geheim-want-er-is-niets"\n',
            encoding="utf-8",
        )
        return path

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server_module, "write_endpoints", endpoints_without_database)
        patch.setattr(BotServer, "wait_ready", lambda self, timeout: None)
        bot.start()
    try:
        status = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                resp = requests.get(f"{bot.url}/webhooks/status/", timeout=10)
                status = (resp.status_code, resp.json())
                break
            except requests.RequestException:
                time.sleep(1)
        assert status is not None, bot.logs()
        code, body = status
        assert code == 503 and body["status"] == "degraded", body
        assert body["tracker_store"]["reachable"] is False and body["tracker_store"].get("error"), body
        assert "127.0.0.1" not in json.dumps(body)  # no internals on the public page

        resp = requests.post(f"{bot.url}/webhooks/rest/webhook", json={"sender": "owner", "message": "hoi"},
                             timeout=60)
        assert resp.status_code == 200
        assert [m.get("text") for m in resp.json()] == [guard.FAILURE_REPLY]  # told, not silence
        assert "Tracker store unreachable" in bot.logs(tail=200_000)
    finally:
        bot.stop()
