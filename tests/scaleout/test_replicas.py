"""Scale-out: two Rasa replicas on one PostgreSQL tracker store and one Redis lock store, behind nginx.

Real servers from Debian's packages on 127.0.0.1 (see tests/scaleout/cluster.py). The tests run in file
order on one cluster; the last one stops a replica.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import requests
import yaml

from bot import PROJECT_ROOT
from bot.channels import guard
from tests.scaleout.cluster import Cluster

pytestmark = pytest.mark.scaleout

SIX_CONCLUSIONS = {"uitleggen", "betrekken", "meerwaarde", "jong_talent", "rondkijken", "kennisinstellingen"}
INTAKE_1 = "We gaan een lasrobot neerzetten, dat heb ik met de leverancier besloten."
INTAKE_2 = "omdat we geen lassers kunnen vinden"


def new_sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def intake_in_domain() -> bool:
    """The intake form and its `conclusion_status` slot are in the domain the model is trained on."""
    path = Path(PROJECT_ROOT, "domain", "intake.yml")
    if not path.is_file():
        return False
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return "intake_form" in (data.get("forms") or {}) and "conclusion_status" in (data.get("slots") or {})


def user_texts(tracker: dict) -> List[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def event_signature(tracker: dict) -> List[Tuple]:
    """What must be identical whichever replica serves the tracker."""
    return [(e["event"], e.get("text"), e.get("name"), e.get("timestamp")) for e in tracker["events"]]


def turns(tracker: dict) -> Dict[str, List[str]]:
    """Bot texts that follow each user message, by message text."""
    found: Dict[str, List[str]] = {}
    current: Optional[str] = None
    for event in tracker["events"]:
        if event["event"] == "user":
            current = event.get("text")
            found[current] = []
        elif event["event"] == "bot" and current is not None:
            found[current].append(event.get("text") or "")
    return found


def upstreams_by_request(cluster: Cluster) -> List[List[str]]:
    """The replica addresses nginx tried, per REST request, in log order."""
    result = []
    for line in cluster.nginx.access_log():
        if "/webhooks/rest/webhook" in line:
            match = re.search(r"up=(\S+(?:, \S+)*) ups=", line)
            result.append([a.strip() for a in match.group(1).split(",")] if match else [])
    return result


def settled_requests(cluster: Cluster, quiet: float = 0.5, timeout: float = 10) -> int:
    """The number of logged REST requests once nginx has written every line it owes.

    nginx writes an access-log line after the response has gone out, so a line can
    appear shortly after the client has its answer; wait until the count holds still.
    """
    deadline = time.monotonic() + timeout
    count = len(upstreams_by_request(cluster))
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = len(upstreams_by_request(cluster))
        if now == count:
            return count
        count = now
    return count


def routed_since(cluster: Cluster, before: int, expected: int, timeout: float = 10) -> List[List[str]]:
    """The upstreams of the requests logged after `before`, waiting for `expected` of them."""
    deadline = time.monotonic() + timeout
    routed = upstreams_by_request(cluster)[before:]
    while len(routed) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
        routed = upstreams_by_request(cluster)[before:]
    return routed


def addr(replica) -> str:
    return f"127.0.0.1:{replica.port}"


# --------------------------------------------------------------------------- 1


def test_1_conversation_state_is_shared_by_the_replicas(full_cluster: Cluster):
    """One conversation alternates between replica A, replica B and nginx; all see the same state."""
    c = full_cluster
    a, b = c.rasa
    who = new_sender("wissel")
    log_before = settled_requests(c)

    first = c.say(a.url, who, INTAKE_1)
    assert first, "replica A gave no answer"
    seen_by_b = c.tracker(b.url, who)
    assert user_texts(seen_by_b) == [INTAKE_1]
    slot_after_1 = seen_by_b["slots"].get("requested_slot")

    second = c.say(b.url, who, INTAKE_2)
    assert second, "replica B gave no answer"
    seen_by_a = c.tracker(a.url, who)
    assert user_texts(seen_by_a) == [INTAKE_1, INTAKE_2]

    # two more through nginx: round robin sends them to different replicas
    third = c.say(c.nginx.url, who, "waarom vraag je dat?")
    fourth = c.say(c.nginx.url, who, "hoi")
    assert third and fourth
    routed = routed_since(c, log_before, 2)
    assert len(routed) == 2 and {r[-1] for r in routed} == {addr(a), addr(b)}, routed

    via_a, via_b, via_lb = (c.tracker(u, who) for u in (a.url, b.url, c.nginx.url))
    assert user_texts(via_a) == [INTAKE_1, INTAKE_2, "waarom vraag je dat?", "hoi"]
    assert event_signature(via_a) == event_signature(via_b) == event_signature(via_lb)
    assert via_a["slots"] == via_b["slots"]
    # and it is PostgreSQL that holds them (4 user events for this sender in Rasa's events table)
    assert c.pg_events(who).count("user") == 4

    if not intake_in_domain():
        pytest.fail("domain/intake.yml has no intake_form with conclusion_status: intake checks impossible")
    slots_1 = seen_by_b["slots"]
    assert slots_1.get("technologie"), slots_1
    assert slot_after_1 and slot_after_1 != "technologie"
    slot_after_2 = seen_by_a["slots"].get("requested_slot")
    assert slot_after_2 not in (None, slot_after_1), "requested_slot did not advance"
    for view in (via_a, via_b):
        status = view["slots"].get("conclusion_status") or {}
        assert set(status) == SIX_CONCLUSIONS, status


# --------------------------------------------------------------------------- 2

BURST = ["hoi", "wat kun je?", "ben jij een mens?", "goedemorgen", "wie ben jij?", "wat doe je?"]


def send_burst(c: Cluster, who: str, texts: List[str], targets: List[str], sticky: bool = False,
               timeout: float = 60) -> Dict[str, List[dict]]:
    """Send all texts at the same moment (a barrier releases the threads together)."""
    gate = threading.Barrier(len(texts))
    replies: Dict[str, List[dict]] = {}
    errors: List[BaseException] = []

    def send(i: int, text: str) -> None:
        try:
            gate.wait(timeout=10)
            replies[text] = c.say(targets[i % len(targets)], who, text, timeout=timeout, sticky=sticky)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i, t)) for i, t in enumerate(texts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout + 20)
    assert not any(t.is_alive() for t in threads), "a request hung"
    assert not errors, errors
    return replies


def assert_serialised(tracker: dict, replies: Dict[str, List[dict]], earlier: List[str]) -> None:
    """Each message once; turns one at a time, in processing order; each reply = its stored turn."""
    users = user_texts(tracker)
    assert users[: len(earlier)] == earlier
    assert sorted(users[len(earlier):]) == sorted(replies), users  # none lost, none doubled
    last_action = None
    for event in tracker["events"]:
        if event["event"] == "user" and last_action is not None:
            assert last_action == "action_listen", f"user message in an open turn: {event.get('text')}"
        if event["event"] == "action":
            last_action = event.get("name")
    stamps = [e["timestamp"] for e in tracker["events"]]
    assert stamps == sorted(stamps), "events out of processing order"
    by_turn = turns(tracker)
    for text, reply in replies.items():
        assert reply, f"no answer to {text!r}"
        assert [m.get("text", "") for m in reply] == by_turn[text], text


def pinned_senders(c: Cluster) -> Dict[str, str]:
    """A sender id per replica address that nginx's sticky route sends to that replica."""
    found: Dict[str, str] = {}
    for _ in range(40):
        who = new_sender("vast")
        n = settled_requests(c, quiet=0.2)
        c.say(c.nginx.url, who, "hallo", sticky=True)
        routed = routed_since(c, n, 1)
        assert len(routed) == 1 and routed[0], f"nginx logged no upstream for {who}: {routed}"
        found.setdefault(routed[0][-1], who)
        if len(found) == len(c.rasa):
            return found
    raise AssertionError(f"sticky route never reached every replica: {found}")


def bursts_at_once(c: Cluster, senders: List[str], texts: List[str]) -> Dict[str, Dict[str, List[dict]]]:
    """One burst per sender (sticky route via nginx), all senders at the same time."""
    results: Dict[str, Dict[str, List[dict]]] = {}

    def run(who: str) -> None:
        results[who] = send_burst(c, who, texts, [c.nginx.url], sticky=True)

    workers = [threading.Thread(target=run, args=(who,)) for who in senders]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=150)
    return results


def test_2_concurrent_messages_of_one_sender_are_serialised(full_cluster: Cluster):
    """Bursts of one sender's messages at once, for two senders at once, one on each replica (sticky
    route via nginx): every message handled exactly once, one at a time, replies matching the store."""
    c = full_cluster
    pinned = pinned_senders(c)  # {replica address: sender}, "hallo" already sent by each
    assert set(pinned) == {addr(r) for r in c.rasa}
    red = c.redis.client()
    sets_before = int(red.info("commandstats").get("cmdstat_set", {}).get("calls", 0))
    sent: Dict[str, List[str]] = {who: ["hallo"] for who in pinned.values()}
    log_before = settled_requests(c)

    for round_no in range(3):
        texts = [t if round_no == 0 else f"{t} {('nu', 'eens')[round_no - 1]}" for t in BURST]
        results = bursts_at_once(c, list(pinned.values()), texts)
        for who in pinned.values():
            assert who in results, f"burst of {who} failed"
            tracker = c.tracker(c.nginx.url, who)
            assert_serialised(tracker, results[who], sent[who])
            sent[who] = user_texts(tracker)  # the stored order is the processing order

    for who in pinned.values():
        assert c.pg_events(who).count("user") == len(sent[who])
    routed = routed_since(c, log_before, 3 * len(pinned) * len(BURST))
    assert {r[-1] for r in routed} == {addr(r) for r in c.rasa}  # both replicas were busy
    # the lock lived in Redis (SET calls) and no ticket is left behind
    assert int(red.info("commandstats")["cmdstat_set"]["calls"]) > sets_before
    assert not red.keys("mkbbot:lock:*")


def test_2b_same_sender_at_the_same_moment_on_two_replicas(full_cluster: Cluster):
    """The brief's hardest case: one sender's messages sent at once, alternately to replica A and B."""
    c = full_cluster
    for _ in range(3):
        who = new_sender("race")
        c.say(c.nginx.url, who, "hallo")
        replies = send_burst(c, who, BURST, [r.url for r in c.rasa], timeout=30)
        assert_serialised(c.tracker(c.nginx.url, who), replies, ["hallo"])


# --------------------------------------------------------------------------- 3


def test_3_postgres_restart_loses_no_conversation(full_cluster: Cluster):
    """`pg_ctl restart -m fast` under two running replicas.

    Each replica's pooled connections are dead after the restart, so its first database call fails.
    Rasa's FailSafeTrackerStore would carry on with an EMPTY in-memory tracker (an answer as if the
    conversation were new, not stored); ``bot.resilience`` makes it raise instead, so the owner is
    told in Dutch that the message was not processed (``bot.channels.guard``). SQLAlchemy has
    meanwhile dropped the dead pool, so every later message works on the stored conversation again.
    The stored conversation itself is never damaged.
    """
    c = full_cluster
    who = new_sender("herstart")
    for text in (INTAKE_1, INTAKE_2):
        assert c.say(c.nginx.url, who, text)
    before = c.tracker(c.nginx.url, who)["events"]

    c.pg.restart()

    sent = {}
    replies: Dict[str, List[str]] = {}
    for replica in c.rasa:
        sent[replica.name] = [f"hoi {i} via {replica.name}" for i in range(3)]
        for text in sent[replica.name]:
            reply = c.say(replica.url, who, text, timeout=60)
            assert reply, text  # 200 with an answer, always
            replies[text] = [m.get("text") for m in reply]
    stored = [r[0] for r in c.pg.sql(
        f"SELECT data::json->>'text' FROM events WHERE sender_id = '{who}' AND type_name = 'user' "
        "ORDER BY id", dbname=c.pg.db)]
    assert stored[:2] == [INTAKE_1, INTAKE_2]  # earlier messages still there
    new = stored[2:]
    for texts in sent.values():
        # at most the first message per replica is lost; the rest are stored once, in order
        assert texts[1:] == [t for t in new if t in texts[1:]], new
        assert sum(t in new for t in texts) >= len(texts) - 1, new
        for text in texts:
            if text not in new:  # not stored: the owner was told so, not greeted as a stranger
                assert replies[text] == [guard.FAILURE_REPLY], replies[text]
    assert len(new) == len(set(new))
    for url in (c.rasa[0].url, c.rasa[1].url, c.nginx.url):
        after = c.tracker(url, who)
        kept = after["events"][: len(before)]
        assert event_signature({"events": kept}) == event_signature({"events": before})
        assert user_texts(after) == stored


# --------------------------------------------------------------------------- 4


def engineio_packets(body: str) -> List[str]:
    return [p for p in body.split("\x1e") if p]


def test_4_socketio_web_chat_through_nginx(full_cluster: Cluster):
    """The web chat's socket.io through nginx: a polling handshake, then the websocket upgrade of the
    same engine.io session (needs the sticky route: another replica does not know the session), then
    a chat turn over the websocket."""
    import websockets

    c = full_cluster
    host = c.nginx.url.removeprefix("http://")
    session = uuid.uuid4().hex  # the channel accepts 32 hex digits as session id
    http = requests.Session()
    poll = f"{c.nginx.url}/socket.io/"

    opened = http.get(poll, params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert opened.status_code == 200 and opened.text.startswith("0"), opened.text
    handshake = json.loads(opened.text[1:])
    sid = handshake["sid"]
    assert "websocket" in handshake.get("upgrades", [])
    # socket.io CONNECT to the default namespace, over polling (a second request: same replica needed)
    sent = http.post(poll, params={"EIO": "4", "transport": "polling", "sid": sid}, data="40", timeout=10)
    assert sent.status_code == 200, sent.text
    reply = http.get(poll, params={"EIO": "4", "transport": "polling", "sid": sid}, timeout=10)
    assert any(p.startswith("40") for p in engineio_packets(reply.text)), reply.text

    async def upgrade_and_chat() -> Tuple[str, dict]:
        url = f"ws://{host}/socket.io/?EIO=4&transport=websocket&sid={sid}"
        async with websockets.connect(url, open_timeout=10) as ws:
            await ws.send("2probe")
            assert await asyncio.wait_for(ws.recv(), 10) == "3probe"
            await ws.send("5")  # upgrade done: from now on everything goes over the websocket

            async def event(name: str) -> object:
                while True:
                    packet = await asyncio.wait_for(ws.recv(), 30)
                    if packet == "2":  # engine.io ping
                        await ws.send("3")
                    elif packet.startswith("42"):
                        ev, *args = json.loads(packet[2:])
                        if ev == name:
                            return args[0] if args else None

            await ws.send("42" + json.dumps(["session_request", {"session_id": session}]))
            confirmed = await event("session_confirm")
            await ws.send("42" + json.dumps(["user_uttered", {"message": "hoi", "session_id": session}]))
            answer = await event("bot_uttered")
            return str(confirmed), answer

    confirmed, answer = asyncio.run(asyncio.wait_for(upgrade_and_chat(), 60))
    assert session in confirmed
    assert isinstance(answer, dict) and answer.get("text"), answer
    log = [line for line in c.nginx.access_log() if "/socket.io/" in line]
    assert any(" 101 " in line for line in log), log  # the websocket upgrade passed nginx
    assert len({line.split(" up=")[1].split()[0] for line in log if " up=" in line}) == 1, log  # sticky
    assert user_texts(c.tracker(c.nginx.url, session)) == ["hoi"]


# --------------------------------------------------------------------------- 5


def test_5_stopping_a_replica_loses_nothing(full_cluster: Cluster):
    """A conversation pinned to replica A (sticky route) goes on at B when A is stopped."""
    c = full_cluster
    a, b = c.rasa
    who = pinned_senders(c)[addr(a)]
    texts = ["hallo", INTAKE_1, INTAKE_2, "waarom vraag je dat?", "hoi", "wat kun je?", "ben jij een mens?"]
    for text in texts[1:3]:
        assert c.say(c.nginx.url, who, text, sticky=True)
    log_before = settled_requests(c)

    a.stop()  # SIGTERM to its process group, mid-conversation
    assert not a.alive

    for text in texts[3:]:
        assert c.say(c.nginx.url, who, text, timeout=60, sticky=True), text  # no error reaches the client
    routed = routed_since(c, log_before, 4)
    assert len(routed) == 4
    assert all(r[-1] == addr(b) for r in routed), routed  # B answered all of them
    assert routed[0][0] == addr(a) and routed[0][-1] == addr(b), routed  # nginx tried A, then B...
    assert all(r == [addr(b)] for r in routed[1:]), routed  # ...and then left A out (max_fails=1)
    tracker = c.tracker(b.url, who)
    assert user_texts(tracker) == texts
    assert c.pg_events(who).count("user") == len(texts)
