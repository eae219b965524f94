"""The Slack channel end to end, without Slack: a real bot, signed Events-API requests, a fake Web API.

A tiny HTTP server on 127.0.0.1 plays the Slack Web API (``SLACK_API_URL`` points at it): it records
every ``chat.postMessage`` and answers ``{"ok": true}``. Nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional

import pytest
import requests

from bot import retention
from tests.e2e.server import BotServer

SECRET = secrets.token_hex(16)
TOKEN = "xoxb-test-" + secrets.token_hex(8)
CHANNEL = "C0SLACKTEST"  # the SLACK_CHANNEL of the test bot
BOT_USER = "U0THEBOT"
WEBHOOK = "/webhooks/slack/webhook"
REPLY_TIMEOUT = 60.0
NOTICE = retention.privacy_notice(retention.retention_days({}))  # the test bot keeps the default


class FakeSlackApi:
    """Records Web API calls (method, Authorization header, JSON or form arguments)."""

    def __init__(self) -> None:
        self.calls: List[Dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or b"{}")
                else:
                    from urllib.parse import parse_qsl

                    args = dict(parse_qsl(raw.decode()))
                with fake.lock:
                    fake.calls.append(
                        {"path": self.path, "auth": self.headers.get("Authorization"), "args": args}
                    )
                body = json.dumps({"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"})
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def posts(self, where: Callable[[Dict], bool], notices: bool = False) -> List[Dict]:
        """The chat.postMessage calls that match; the privacy notice of a new session only if asked."""
        with self.lock:
            return [
                c for c in self.calls
                if c["path"].endswith("/chat.postMessage") and where(c["args"])
                and (notices or c["args"].get("text") != NOTICE)
            ]

    def wait_for_posts(self, where: Callable[[Dict], bool], timeout: float = REPLY_TIMEOUT) -> List[Dict]:
        """Poll (bounded) until at least one matching post arrived; then the matches."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.posts(where)
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no chat.postMessage within {timeout} s; calls: {self.calls}")


@pytest.fixture(scope="module")
def fake_slack():
    fake = FakeSlackApi()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture(scope="module")
def slack_bot(tmp_path_factory, fake_slack):
    server = BotServer(
        workdir=tmp_path_factory.mktemp("slack-bot"),
        env={
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_API_URL": fake_slack.url,
            "BOT_RETENTION_DAYS": "30",
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


def new_ts() -> str:
    return f"{time.time():.6f}{secrets.randbelow(10)}"


def new_user() -> str:
    return "U" + uuid.uuid4().hex[:10].upper()


def event_payload(
    text: str,
    user: str,
    ts: str,
    channel: str = CHANNEL,
    channel_type: str = "channel",
    event_type: str = "message",
    event_id: Optional[str] = None,
) -> Dict:
    event = {"type": event_type, "user": user, "text": text, "ts": ts, "channel": channel}
    if event_type == "message":
        event["channel_type"] = channel_type
    return {
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [{"user_id": BOT_USER, "is_bot": True}],
        "event": event,
    }


def signature(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post_to_slack_webhook(
    bot: BotServer,
    payload: Dict,
    secret: Optional[str] = SECRET,
    timestamp: Optional[int] = None,
    extra_headers: Optional[Dict[str, str]] = None,
) -> requests.Response:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **(extra_headers or {})}
    if secret is not None:
        ts = int(time.time()) if timestamp is None else timestamp
        headers["X-Slack-Request-Timestamp"] = str(ts)
        headers["X-Slack-Signature"] = signature(body, ts, secret)
    return requests.post(bot.url + WEBHOOK, data=body, headers=headers, timeout=15)


def in_thread(ts: str) -> Callable[[Dict], bool]:
    return lambda args: args.get("thread_ts") == ts


def settle(bot: BotServer, fake: FakeSlackApi, user: str) -> None:
    """Send a fresh message in the same conversation and wait for its reply.

    Rasa handles one conversation's messages in order (lock store), so once this reply is there, a
    wrongly accepted earlier request of the same user would have been answered too.
    """
    ts = new_ts()
    assert post_to_slack_webhook(bot, event_payload("hoi", user, ts)).status_code == 200
    fake.wait_for_posts(in_thread(ts))
    time.sleep(1.0)


def test_url_verification_challenge_is_answered(slack_bot):
    challenge = secrets.token_urlsafe(24)
    payload = {"token": "legacy", "challenge": challenge, "type": "url_verification"}
    resp = post_to_slack_webhook(slack_bot, payload)
    assert resp.status_code == 200
    assert resp.json() == {"challenge": challenge}
    unsigned = post_to_slack_webhook(slack_bot, payload, secret=None)
    assert unsigned.status_code == 401
    assert challenge not in unsigned.text


def test_channel_message_gets_one_dutch_reply_in_its_thread(slack_bot, fake_slack, responses):
    user, ts = new_user(), new_ts()
    resp = post_to_slack_webhook(slack_bot, event_payload("hoi", user, ts))
    assert resp.status_code == 200, resp.text
    fake_slack.wait_for_posts(in_thread(ts))
    settle(slack_bot, fake_slack, user)
    posts = fake_slack.posts(in_thread(ts))
    assert len(posts) == 1, posts
    post = posts[0]
    assert post["args"]["text"] in responses["utter_greet"], post
    assert post["args"]["channel"] == CHANNEL
    assert post["path"] == "/api/chat.postMessage"
    assert post["auth"] == f"Bearer {TOKEN}"
    assert "as_user" not in post["args"]


def test_a_new_conversation_starts_with_the_privacy_notice_once(slack_bot, fake_slack, responses):
    user, first_ts = new_user(), new_ts()
    assert post_to_slack_webhook(slack_bot, event_payload("hoi", user, first_ts)).status_code == 200
    fake_slack.wait_for_posts(in_thread(first_ts))
    settle(slack_bot, fake_slack, user)
    first = [p["args"]["text"] for p in fake_slack.posts(in_thread(first_ts), notices=True)]
    assert first[0] == NOTICE and "30 dagen" in NOTICE  # BOT_RETENTION_DAYS default
    assert len(first) == 2 and first[1] in responses["utter_greet"]
    later_ts = new_ts()
    assert post_to_slack_webhook(slack_bot, event_payload("bedankt", user, later_ts)).status_code == 200
    fake_slack.wait_for_posts(in_thread(later_ts))
    assert NOTICE not in [p["args"]["text"] for p in fake_slack.posts(in_thread(later_ts), notices=True)]


def test_direct_message_is_answered_without_a_thread(slack_bot, fake_slack, responses):
    user, ts, dm = new_user(), new_ts(), "D" + uuid.uuid4().hex[:10].upper()
    payload = event_payload("hoi", user, ts, channel=dm, channel_type="im")
    assert post_to_slack_webhook(slack_bot, payload).status_code == 200
    posts = fake_slack.wait_for_posts(lambda args: args.get("channel") == dm)
    assert len(posts) == 1, posts
    assert posts[0]["args"]["text"] in responses["utter_greet"]
    assert not posts[0]["args"].get("thread_ts")


def test_replayed_event_gets_no_second_reply(slack_bot, fake_slack):
    user, ts = new_user(), new_ts()
    payload = event_payload("hoi", user, ts)
    assert post_to_slack_webhook(slack_bot, payload).status_code == 200
    fake_slack.wait_for_posts(in_thread(ts))
    replays = [
        {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"},  # Rasa itself would answer again
        {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"},
        {},  # the same event_id once more, without retry headers
    ]
    for headers in replays:
        # A retry is signed anew by Slack (fresh timestamp) but carries the same body and event_id.
        resp = post_to_slack_webhook(slack_bot, payload, extra_headers=headers)
        assert 200 <= resp.status_code < 300, (headers, resp.status_code, resp.text)  # acknowledged
    settle(slack_bot, fake_slack, user)
    assert len(fake_slack.posts(in_thread(ts))) == 1


def test_mention_delivered_as_message_and_app_mention_is_answered_once(slack_bot, fake_slack):
    """In SLACK_CHANNEL one @-mention arrives twice: as ``message`` and as ``app_mention`` (two event ids)."""
    user, ts = new_user(), new_ts()
    text = f"<@{BOT_USER}> hoi"
    message = event_payload(text, user, ts)
    mention = event_payload(text, user, ts, event_type="app_mention")
    assert message["event_id"] != mention["event_id"]
    assert post_to_slack_webhook(slack_bot, message).status_code == 200
    assert post_to_slack_webhook(slack_bot, mention).status_code == 200
    fake_slack.wait_for_posts(in_thread(ts))
    settle(slack_bot, fake_slack, user)
    assert len(fake_slack.posts(in_thread(ts))) == 1


def test_badly_signed_requests_are_refused_and_not_answered(slack_bot, fake_slack):
    user = new_user()
    refused = {
        "wrong secret": {"secret": "not-the-signing-secret"},
        "no signature": {"secret": None},
        "ten minutes old": {"timestamp": int(time.time()) - 600},
    }
    sent_ts = []
    for why, how in refused.items():
        ts = new_ts()
        sent_ts.append(ts)
        resp = post_to_slack_webhook(slack_bot, event_payload("hoi", user, ts), **how)
        assert resp.status_code == 401, (why, resp.status_code, resp.text)
        assert "geweigerd" in resp.text
    settle(slack_bot, fake_slack, user)
    for ts in sent_ts:
        assert fake_slack.posts(in_thread(ts)) == []
    assert fake_slack.posts(lambda args: args.get("text") is None) == []


def test_slack_is_off_without_env_vars_and_rest_still_works(request, tmp_path_factory, responses):
    if any(os.environ.get(name) for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")):
        # This shell has Slack configured: start a bot with the variables blanked out.
        bot = BotServer(
            workdir=tmp_path_factory.mktemp("slack-off"),
            env={"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""},
        )
        bot.start()
        request.addfinalizer(bot.stop)
    else:
        bot = request.getfixturevalue("bot")  # the session bot runs without Slack variables
    payload = event_payload("hoi", new_user(), new_ts())
    resp = post_to_slack_webhook(bot, payload)
    assert resp.status_code == 404
    assert "Slack staat uit" in resp.text
    texts = bot.texts(f"e2e-{uuid.uuid4().hex[:8]}", "hoi")
    assert len(texts) == 1 and texts[0] in responses["utter_greet"]
    logs = "".join(p.read_text(errors="replace") for p in bot.workdir.glob("rasa-*.log"))
    assert logs.count("Slack staat uit") == 1
