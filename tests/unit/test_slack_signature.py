"""Slack's request signature check (bot/channels/slack.py), without a server and without Slack."""

import hashlib
import hmac
import time
from types import SimpleNamespace

import pytest
from rasa.core.channels.slack import SlackInput

from bot.channels import slack
from bot.channels.slack import SeenEvents, SlackFromEnv, SlackOff, signature_is_valid

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = b'{"type":"event_callback","event_id":"Ev1","event":{"type":"message","text":"hoi"}}'


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def test_slack_documented_example_is_valid():
    # The worked example of Slack's "Verifying requests from Slack" page.
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibI"
        b"GlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert signature_is_valid(SECRET, "1531420618", body, signature, now=1531420618 + 10)
    assert not signature_is_valid(SECRET, "1531420618", body + b"x", signature, now=1531420618 + 10)


@pytest.mark.parametrize(
    "timestamp, body, signature, why",
    [
        (None, BODY, "good", "no timestamp"),
        ("now", BODY, None, "no signature"),
        ("now", BODY, "", "empty signature"),
        ("now", BODY, "other-secret", "signed with another secret"),
        ("now", BODY + b" ", "good", "body changed after signing"),
        ("now", BODY, "v1", "unknown version prefix"),
        ("abc", BODY, "good", "timestamp not a number"),
        ("old", BODY, "good", "timestamp 10 minutes old: a replay"),
        ("future", BODY, "good", "timestamp 10 minutes ahead"),
    ],
)
def test_bad_requests_are_refused(timestamp, body, signature, why):
    now = int(time.time())
    ts = {"now": now, "old": now - 600, "future": now + 600, None: None}.get(timestamp, timestamp)
    signed_ts = ts if isinstance(ts, int) else now
    if signature == "good":
        signature = sign(BODY, signed_ts)
    elif signature == "other-secret":
        signature = sign(BODY, signed_ts, secret="not-the-secret")
    elif signature == "v1":
        signature = sign(BODY, signed_ts).replace("v0=", "v1=")
    assert not signature_is_valid(SECRET, None if ts is None else str(ts), body, signature), why


def test_fresh_good_signature_is_accepted_and_no_secret_accepts_nothing():
    now = int(time.time())
    assert signature_is_valid(SECRET, str(now), BODY, sign(BODY, now))
    assert signature_is_valid(SECRET, str(now - 299), BODY, sign(BODY, now - 299))
    assert not signature_is_valid("", str(now), BODY, sign(BODY, now, secret=""))


def fake_request(body: bytes, headers: dict) -> SimpleNamespace:
    return SimpleNamespace(body=body, headers=headers)


@pytest.mark.parametrize(
    "age, secret, expected", [(0, SECRET, True), (0, "wrong", False), (400, SECRET, False)]
)
def test_channel_checks_headers_like_rasa_does(age, secret, expected):
    """The subclass reads the same headers as Rasa's SlackInput and reaches the same verdict."""
    ts = int(time.time()) - age
    headers = {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sign(BODY, ts, secret)}
    request = fake_request(BODY, headers)
    ours = SlackFromEnv("xoxb-test", slack_signing_secret=SECRET)
    rasas = SlackInput("xoxb-test", slack_signing_secret=SECRET)
    assert ours.is_request_from_slack_authentic(request) is expected
    assert rasas.is_request_from_slack_authentic(request) is expected
    assert ours.is_request_from_slack_authentic(fake_request(BODY, {})) is False


def test_off_without_token_or_secret(monkeypatch):
    monkeypatch.setattr(slack, "_off_logged", False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    assert isinstance(SlackFromEnv.from_credentials(None), SlackOff)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "  ")
    assert isinstance(SlackFromEnv.from_credentials(None), SlackOff)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    on = SlackFromEnv.from_credentials(None)
    assert isinstance(on, SlackFromEnv)
    assert on.use_threads is True and on.slack_signing_secret == SECRET
    assert on.get_output_channel("C1", "1.2").client.base_url == "http://127.0.0.1:9/api/"


def test_seen_events_is_a_bounded_lru():
    seen = SeenEvents(capacity=3)
    assert seen.check_and_add(["event:1", "message:C:1"]) is False
    assert seen.check_and_add(["event:2", "message:C:1"]) is True  # same message, other event id
    assert seen.check_and_add(["event:1"]) is True  # refreshes event:1
    seen.check_and_add(["event:3"])
    seen.check_and_add(["event:4"])
    assert len(seen) == 3
    assert seen.check_and_add(["event:1"]) is True  # recently used: kept
    assert seen.check_and_add(["message:C:1"]) is False  # oldest: evicted
