"""Slack channel (Events API), configured from environment variables and off without them.

``credentials.yml`` names ``bot.channels.slack.SlackFromEnv``; Rasa's own ``${VAR}`` substitution in
that file fails when a variable is missing, so the secrets are read here instead:

- ``SLACK_BOT_TOKEN`` (``xoxb-...``) and ``SLACK_SIGNING_SECRET``: both needed; without either, Slack is
  off: one log line at start-up, and ``/webhooks/slack/webhook`` answers 404 "Slack staat uit".
- ``SLACK_CHANNEL`` (optional): ID of a channel (``C0123ABCD``) where the bot answers every message;
  elsewhere it answers direct messages and @-mentions only (Rasa's rule).
- ``SLACK_API_URL`` (optional, default ``https://slack.com/api/``): base URL of the Slack Web API, so
  tests can point the outgoing calls at a local fake.

What this subclass adds to Rasa's ``SlackInput`` (Rasa 3.6.21):

- Refused requests get 401 (Rasa answers 400). The signature check itself is Rasa's scheme (HMAC-SHA256
  over ``v0:{timestamp}:{body}``, timestamps older/newer than 5 minutes refused, constant-time compare);
  it is re-implemented in :func:`signature_is_valid` so it can be unit-tested on its own.
- ``url_verification`` is answered with ``{"challenge": ...}`` as Slack documents it (Rasa answers a
  bare JSON string).
- Duplicates never get a second reply. Rasa only skips retries whose ``X-Slack-Retry-Reason`` is
  ``http_timeout``; here every delivery whose ``event_id`` was seen before (retry headers or not), and
  every second event for the same message (``message`` + ``app_mention`` for one @-mention in
  ``SLACK_CHANNEL`` arrive with two event ids but one channel + ``ts``), is acknowledged without a reply.
- Replies in channels go into the message's thread (``use_threads`` on by default); in direct messages
  the bot answers normally, unless the user wrote in a thread.
- Messages with a system subtype (``channel_join``, ``message_changed``...) are no user messages.
- One bot response is one Slack message (Rasa splits texts on blank lines), without the legacy
  ``as_user`` argument (only for classic Slack apps).

Non-secret options may still be set under the channel in ``credentials.yml`` (``use_threads``,
``conversation_granularity``, ``errors_ignore_retry``, ``proxy``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import guard as input_guard

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
MAX_REQUEST_AGE_SECONDS = 60 * 5
SEEN_EVENTS_CAPACITY = 10_000
# Message subtypes that still are a person writing; every other subtype is a system event.
USER_SUBTYPES = {None, "file_share", "thread_broadcast"}
OFF_TEXT = "Slack staat uit op deze server. (Slack is off on this server.)"
REFUSED_TEXT = (
    "Verzoek geweigerd: ongeldige of ontbrekende Slack-handtekening. (Invalid or missing X-Slack-Signature.)"
)

_off_logged = False


def signature_is_valid(
    signing_secret: str,
    timestamp: Optional[str],
    body: bytes,
    signature: Optional[str],
    now: Optional[float] = None,
    max_age: float = MAX_REQUEST_AGE_SECONDS,
) -> bool:
    """Slack's v0 request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``.

    False for a missing secret, signature or timestamp, a timestamp more than ``max_age`` seconds from
    ``now`` (either way: replays), or a signature that does not match.
    """
    if not signing_secret or not signature or not timestamp:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > max_age:
        return False
    base = f"v0:{sent_at}:".encode() + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


class SeenEvents:
    """Bounded LRU of delivery keys (event ids, channel + ts) already handled by THIS process.

    With several bot replicas behind a load balancer each has its own memory: a retry that lands on
    another replica than the first delivery is not recognised and could get a second reply (Rasa's skip
    of ``http_timeout`` retries still holds there). Several replicas need a shared store instead, e.g.
    Redis ``SET key 1 NX EX 3600`` per key (Slack retries within about an hour).
    """

    def __init__(self, capacity: int = SEEN_EVENTS_CAPACITY) -> None:
        self.capacity = capacity
        self._keys: "OrderedDict[str, None]" = OrderedDict()

    def check_and_add(self, keys: Iterable[str]) -> bool:
        """True if any key was seen before; all keys are remembered (most recent last) either way."""
        keys = list(keys)
        seen = any(key in self._keys for key in keys)
        for key in keys:
            self._keys[key] = None
            self._keys.move_to_end(key)
        while len(self._keys) > self.capacity:
            self._keys.popitem(last=False)
        return seen

    def __len__(self) -> int:
        return len(self._keys)


class SlackOut(SlackBot):
    """Rasa's Slack output with a configurable Web API base URL; one message per bot text."""

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Text = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, proxy=proxy, base_url=api_url)

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)  # legacy argument, for classic Slack apps only
        await super()._post_message(channel, **kwargs)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._post_message(channel=self.slack_channel or recipient_id, text=text.strip())


class SlackOff(InputChannel):
    """Stands in for Slack when it is not configured: the webhook exists and answers 404."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_off = Blueprint("slack_webhook", __name__)

        @slack_off.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.text(OFF_TEXT, status=HTTPStatus.NOT_FOUND)

        @slack_off.route("/webhook", methods=["GET", "POST"])
        async def webhook(_: Request) -> HTTPResponse:
            return response.text(OFF_TEXT, status=HTTPStatus.NOT_FOUND)

        return slack_off


class SlackFromEnv(SlackInput):
    """Rasa's Slack channel with secrets from the environment; see the module docstring."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        global _off_logged
        options = dict(credentials or {})
        token = os.environ.get("SLACK_BOT_TOKEN", "").strip()
        secret = os.environ.get("SLACK_SIGNING_SECRET", "").strip()
        missing = [name for name, value in (("SLACK_BOT_TOKEN", token), ("SLACK_SIGNING_SECRET", secret))
                   if not value]
        if missing:
            if not _off_logged:
                logger.warning(
                    "Slack staat uit: %s niet gezet (Slack is off: %s not set).",
                    " en ".join(missing), " and ".join(missing),
                )
                _off_logged = True
            return SlackOff()
        if not token.startswith("xoxb-"):
            logger.warning("SLACK_BOT_TOKEN begint niet met 'xoxb-': is dit wel het bot-token?")
        api_url = os.environ.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        channel = cls(
            token,
            os.environ.get("SLACK_CHANNEL", "").strip() or None,
            options.get("proxy"),
            options.get("slack_retry_reason_header", "x-slack-retry-reason"),
            options.get("slack_retry_number_header", "x-slack-retry-num"),
            options.get("errors_ignore_retry"),
            options.get("use_threads", True),
            secret,
            options.get("conversation_granularity", "sender"),
            api_url=api_url,
        )
        logger.info("Slack staat aan (Slack is on); Web API: %s", api_url)
        return channel

    def __init__(self, *args: Any, api_url: Text = DEFAULT_API_URL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.seen = SeenEvents()

    # --- authenticity -------------------------------------------------------------------------

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        return signature_is_valid(
            self.slack_signing_secret,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.body or b"",
            request.headers.get("X-Slack-Signature"),
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = super().blueprint(input_guard.guard(on_new_message))

        @slack_webhook.middleware("request")
        async def guard(request: Request) -> Optional[HTTPResponse]:
            """Runs before Rasa's handler (only for this blueprint's routes)."""
            if not request.path.rstrip("/").endswith("/webhook"):
                return None
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack-verzoek geweigerd: ongeldige of ontbrekende handtekening.")
                return response.text(REFUSED_TEXT, status=HTTPStatus.UNAUTHORIZED)
            payload = _json_body(request)
            if payload.get("type") == "url_verification":
                return response.json({"challenge": payload.get("challenge", "")})
            return None

        return slack_webhook

    # --- which messages, answered where ------------------------------------------------------------

    @staticmethod
    def _is_user_message(slack_event: Dict[Text, Any]) -> bool:
        return bool(
            SlackInput._is_user_message(slack_event)
            and slack_event.get("event", {}).get("subtype") in USER_SUBTYPES
        )

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        metadata = super().get_metadata(request)
        if metadata and _is_direct_message(request, metadata):
            metadata["thread_id"] = _explicit_thread_ts(request)  # DMs: no new thread per message
        return metadata

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Optional[Text],
        metadata: Optional[Dict],
    ) -> Any:
        keys = _delivery_keys(request)
        if keys and self.seen.check_and_add(keys):
            logger.info(
                "Slack-event al verwerkt, geen tweede antwoord (retry #%s, %s).",
                request.headers.get(self.retry_num_header, "-"),
                request.headers.get(self.retry_reason_header, "-"),
            )
            return response.text("", status=HTTPStatus.OK, headers={"X-Slack-No-Retry": "1"})
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

    def get_output_channel(
        self, channel: Optional[Text] = None, thread_id: Optional[Text] = None
    ) -> OutputChannel:
        return SlackOut(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)


def _json_body(request: Request) -> Dict[Text, Any]:
    if request.headers.get("content-type") != "application/json":
        return {}
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _delivery_keys(request: Request) -> List[str]:
    """Keys that identify one delivery of a user message: its event id and its channel + ts."""
    payload = _json_body(request)
    event = payload.get("event") or {}
    keys = []
    if payload.get("event_id"):
        keys.append(f"event:{payload['event_id']}")
    if event.get("channel") and event.get("ts"):
        keys.append(f"message:{event['channel']}:{event['ts']}")
    return keys


def _is_direct_message(request: Request, metadata: Dict[Text, Any]) -> bool:
    event = _json_body(request).get("event") or {}
    return event.get("channel_type") == "im" or str(metadata.get("out_channel") or "").startswith("D")


def _explicit_thread_ts(request: Request) -> Optional[Text]:
    payload = _json_body(request)
    if payload:
        return (payload.get("event") or {}).get("thread_ts")
    try:  # interactive components (buttons) post a form with a JSON ``payload``
        form_payload = json.loads(request.form["payload"][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return (form_payload.get("message") or {}).get("thread_ts")
