"""The website chat's two channels without a browser: unit tests, and socket.io clients against the bot.

The ``socketio`` channel (bot/channels/socketio.py): origin allow-list, session ids a browser cannot
choose, the ``Bron:`` line as a message of its own. The page channel (bot/channels/webchat.py): only
files under web/, the page with its security headers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest
import requests
import socketio
import websockets

from bot.channels.socketio import (
    OriginPolicy,
    allowed_origins,
    as_markdown,
    chat_parts,
    is_session_id,
    normalise_origin,
)
from bot.channels.webchat import WEB_DIR, resolve

# --- units -----------------------------------------------------------------------------------------


def test_bron_line_becomes_its_own_part():
    text = "Een 4.0-teamleider stuurt het team aan.\nHij kent de techniek.\nBron: TNO (2021) — H3; Jan"
    assert chat_parts(text) == [
        "Een 4.0-teamleider stuurt het team aan.\nHij kent de techniek.",
        "Bron: TNO (2021) — H3; Jan",
    ]


def test_bron_in_the_middle_and_blank_lines():
    text = "Aandachtspunt: uitleggen\nTip: vertel waarom.\nBron: A — B\nTip: nog iets\n\nTweede bericht"
    assert chat_parts(text) == [
        "Aandachtspunt: uitleggen\nTip: vertel waarom.",
        "Bron: A — B",
        "Tip: nog iets",
        "Tweede bericht",
    ]
    assert chat_parts("Gewoon een zin, met Bron: midden in de regel.") == [
        "Gewoon een zin, met Bron: midden in de regel."
    ]


def test_a_line_after_a_list_is_not_glued_to_its_last_item():
    text = "Ik help je:\n- vragen stellen;\n- advies geven.\nWaar wil je mee beginnen?"
    assert as_markdown(text) == "Ik help je:\n- vragen stellen;\n- advies geven.\n\nWaar wil je mee beginnen?"
    assert as_markdown("Gewoon\ntwee regels") == "Gewoon\ntwee regels"


def test_origins_default_to_the_bots_own_and_follow_bot_port():
    assert allowed_origins({}) == ("http://127.0.0.1:5005", "http://localhost:5005")
    assert allowed_origins({"BOT_PORT": "8080"}) == ("http://127.0.0.1:8080", "http://localhost:8080")
    configured = {"BOT_CORS_ORIGINS": " https://www.Voorbeeld.nl/ ,http://a.nl:81,,https://www.voorbeeld.nl"}
    assert allowed_origins(configured) == ("https://www.voorbeeld.nl", "http://a.nl:81")


@pytest.mark.parametrize("bad", ["*", "www.voorbeeld.nl", "https://voorbeeld.nl/chat", "ftp://voorbeeld.nl"])
def test_wildcards_and_non_origins_are_refused(bad):
    with pytest.raises(ValueError, match="BOT_CORS_ORIGINS"):
        normalise_origin(bad)
    with pytest.raises(ValueError):
        allowed_origins({"BOT_CORS_ORIGINS": f"https://ok.nl,{bad}"})


def test_origin_policy_allows_the_list_and_the_bots_own_origin_only():
    policy = OriginPolicy(["https://www.voorbeeld.nl"])
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5123"}
    assert policy("https://www.voorbeeld.nl", environ)
    assert policy("https://WWW.voorbeeld.nl/", environ)
    assert policy("http://127.0.0.1:5123", environ)  # the page /webhooks/web/ itself
    assert not policy("http://127.0.0.1:5124", environ)
    assert not policy("https://evil.example", environ)
    assert not policy(None, environ)


def test_session_ids_are_only_the_channels_own_form():
    assert is_session_id(uuid.uuid4().hex)
    for bad in ["eigenaar-1", "", None, uuid.uuid4().hex.upper(), uuid.uuid4().hex + "0", 12]:
        assert not is_session_id(bad)


def test_only_files_under_web_with_known_types_are_served(tmp_path):
    (tmp_path / "index.html").write_text("<p>hoi</p>")
    (tmp_path / "a.js").write_text("1")
    (tmp_path / "run.sh").write_text("echo")
    (tmp_path / ".hidden.js").write_text("1")
    (tmp_path.parent / "secret.js").write_text("1")
    assert resolve(tmp_path, "") == (tmp_path / "index.html").resolve()
    assert resolve(tmp_path, "a.js") == (tmp_path / "a.js").resolve()
    for bad in ["run.sh", ".hidden.js", "../secret.js", "x/../../secret.js", "missing.js", "a\\b.js", "a//b"]:
        assert resolve(tmp_path, bad) is None, bad


def test_the_served_widget_is_the_recorded_vendored_file():
    vendor = WEB_DIR / "vendor" / "rasa-webchat-1.0.1"
    data = (vendor / "index.js").read_bytes()
    readme = (WEB_DIR / "vendor" / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in readme
    assert b"fonts.googleapis.com" not in data
    assert "Apache License" in (vendor / "LICENSE.txt").read_text(encoding="utf-8")
    page = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    assert 'lang="nl"' in page and "vendor/rasa-webchat-1.0.1/index.js" in page


# --- against the running bot (socket.io clients, plain HTTP) ----------------------------------------

TIMEOUT = 30.0


def talk(
    url: str, origin: str, asked_session: Optional[str], message: Optional[str], claim: Optional[str] = None
) -> Tuple[str, List[Dict[str, Any]]]:
    """Connect as a page on ``origin``, request a session, say ``message``; (session id, bot messages).

    ``claim`` sends the message under another session id than the one confirmed. (Polling transport:
    python-engineio's WebSocket client needs a newer aiohttp than Rasa 3.6 allows; the server side is
    the same for both transports.)
    """
    client = socketio.Client(reconnection=False)
    confirmed: List[str] = []
    received: List[Dict[str, Any]] = []
    got_session, got_reply = threading.Event(), threading.Event()

    @client.on("session_confirm")
    def on_confirm(session_id):
        confirmed.append(session_id)
        got_session.set()

    @client.on("bot_uttered")
    def on_bot(data):
        received.append(data)
        got_reply.set()

    client.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": asked_session})
        assert got_session.wait(TIMEOUT), "no session_confirm"
        session_id = confirmed[0]
        if message is not None:
            client.emit("user_uttered", {"message": message, "session_id": claim or session_id})
            if got_reply.wait(TIMEOUT if claim is None else 5):
                time.sleep(2)  # the rest of this turn's messages
        return session_id, received
    finally:
        client.disconnect()


def user_texts(web_bot, sender: str) -> List[str]:
    return [e.get("text") for e in web_bot.tracker(sender)["events"] if e["event"] == "user"]


@pytest.mark.e2e
def test_allowed_site_chats_and_bron_arrives_as_its_own_message(web_bot, site):
    session_id, received = talk(web_bot.url, site.origin("127.0.0.1"), None, "wat is een 4.0-teamleider?")
    assert is_session_id(session_id)
    texts = [m.get("text", "") for m in received]
    sources = [t for t in texts if t.startswith("Bron: ")]
    assert len(sources) == 1, texts
    assert texts.index(sources[0]) > 0 and "Bron:" not in texts[texts.index(sources[0]) - 1], texts
    assert user_texts(web_bot, session_id) == ["wat is een 4.0-teamleider?"]
    bot_events = [e["text"] for e in web_bot.tracker(session_id)["events"] if e["event"] == "bot"]
    assert any(f"\n{sources[0]}" in text for text in bot_events), "the tracker keeps the unsplit answer"


@pytest.mark.e2e
def test_other_sites_are_refused(web_bot, site):
    other = site.origin("localhost")  # same page server, but not in BOT_CORS_ORIGINS
    with pytest.raises(socketio.exceptions.ConnectionError):
        talk(web_bot.url, other, None, None)
    polling = f"{web_bot.url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(polling, headers={"Origin": other}, timeout=10)
    assert refused.status_code == 400 and "not an accepted origin" in refused.text
    assert "Access-Control-Allow-Origin" not in refused.headers
    # Browsers apply no CORS to WebSockets: the origin check itself must refuse the upgrade.
    ws_url = web_bot.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    assert in_thread(websocket_opens, ws_url, site.origin("127.0.0.1"))
    with pytest.raises(websockets.exceptions.InvalidStatusCode) as refusal:
        in_thread(websocket_opens, ws_url, other)
    assert refusal.value.status_code == 400


def in_thread(coroutine_function, *args):
    """asyncio.run() in a thread of its own: safe whatever event loop this thread has."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result(timeout=60)


async def websocket_opens(url: str, origin: str) -> bool:
    """A raw engine.io WebSocket from a page on ``origin``: True when the server opens the session."""
    async with websockets.connect(url, origin=origin, open_timeout=10) as ws:
        first = await asyncio.wait_for(ws.recv(), 10)
        return str(first).startswith("0{") and '"sid"' in str(first)


@pytest.mark.e2e
def test_allowed_site_gets_exactly_one_cors_header_even_with_rasa_cors(web_bot, site):
    """``rasa run --cors`` (Sanic-CORS) runs too: it must not add a second Access-Control-Allow-Origin."""
    allowed = site.origin("127.0.0.1")
    polling = f"{web_bot.url}/socket.io/?EIO=4&transport=polling"
    resp = requests.get(polling, headers={"Origin": allowed}, timeout=10)
    assert resp.status_code == 200
    assert resp.raw.headers.getlist("Access-Control-Allow-Origin") == [allowed]
    rest = requests.options(
        f"{web_bot.url}/webhooks/rest/webhook",
        headers={"Origin": allowed, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert rest.headers.get("Access-Control-Allow-Origin") == allowed  # --cors does its job elsewhere


@pytest.mark.e2e
def test_a_browser_cannot_pick_or_borrow_a_session_id(web_bot, site):
    allowed = site.origin("127.0.0.1")
    web_bot.texts("eigenaar-webchat-1", "hoi")  # a REST conversation someone might try to join
    session_id, _ = talk(web_bot.url, allowed, "eigenaar-webchat-1", None)
    assert session_id != "eigenaar-webchat-1" and is_session_id(session_id)

    other = uuid.uuid4().hex  # well-formed, but never requested by this socket
    mine, received = talk(web_bot.url, allowed, None, "hoi", claim=other)
    assert received == []
    assert user_texts(web_bot, other) == []
    assert user_texts(web_bot, mine) == []


@pytest.mark.e2e
def test_the_page_and_its_files_are_served(web_bot):
    page = requests.get(f"{web_bot.url}/webhooks/web/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'lang="nl"' in page.text
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    bare = requests.get(f"{web_bot.url}/webhooks/web", timeout=10, allow_redirects=False)
    assert bare.status_code in (301, 302, 308) and bare.headers["Location"].endswith("/webhooks/web/")
    widget = requests.get(f"{web_bot.url}/webhooks/web/vendor/rasa-webchat-1.0.1/index.js", timeout=10)
    assert widget.status_code == 200 and "javascript" in widget.headers["Content-Type"]
    for bad in ["vendor/fetch-rasa-webchat.sh", "%2e%2e/credentials.yml", "..%2fcredentials.yml", ".hidden"]:
        assert requests.get(f"{web_bot.url}/webhooks/web/{bad}", timeout=10).status_code == 404, bad
