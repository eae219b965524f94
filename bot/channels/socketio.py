"""Socket.IO channel for the website chat, with an origin allow-list and readable messages.

``credentials.yml`` names ``bot.channels.socketio.WebSocketIOInput`` (channel name ``socketio``, path
``/socket.io/``); the chat page (``bot/channels/webchat.py``) and the embed snippet (docs/webchat.md)
talk to it with the rasa-webchat widget.

What this subclass changes in Rasa's ``SocketIOInput`` (Rasa 3.6.21, python-socketio 5):

- **Sessions that work.** Rasa's ``session_request`` handler calls ``sio.enter_room(...)`` without
  ``await``; in python-socketio 5 that is a coroutine, so with ``session_persistence: true`` the socket
  never joins its session's room and the bot's replies reach no one. Here it is awaited.
- **Session ids cannot be chosen.** A browser may only continue a session id of the form this channel
  hands out (32 hex digits, 128 random bits); anything else gets a new id. A message is only accepted
  for the session its socket requested, so no page can write into (or read) another sender's tracker,
  e.g. a REST sender ``eigenaar-1``.
- **Origins.** Rasa creates its ``socketio.AsyncServer`` with ``cors_allowed_origins=[]``, which switches
  python-engineio's origin handling *off*: any website could open a WebSocket to the bot (browsers apply
  no CORS to WebSockets) and the channel has no option for it. Here engine.io checks every request's
  ``Origin`` against an allow-list: the comma-separated ``BOT_CORS_ORIGINS`` (default
  ``http://127.0.0.1:$BOT_PORT`` and ``http://localhost:$BOT_PORT``, ``BOT_PORT`` default 5005), plus the
  bot's own origin (the page ``/webhooks/web/`` on whatever host and port it is served). Others get
  400 "... is not an accepted origin." before a session exists. ``*`` is refused: name the sites.
  Requests without ``Origin`` (no browser) are not CORS and pass, as in engine.io itself.
- **One set of CORS headers.** engine.io writes the CORS headers of ``/socket.io/`` itself; Rasa's
  ``--cors`` (Sanic-CORS, for the other routes) would add a second ``Access-Control-Allow-Origin`` to the
  same response, which browsers reject. The socket.io route is therefore marked as handled for Sanic-CORS.
- **Readable messages for the widget.** A ``Bron: ...`` line (the source under a knowledge answer) is
  sent as a message of its own, so the page can style it (``web/webchat.js``); the rest is split on
  blank lines as Rasa does. The tracker keeps the bot's text unchanged.

Everything else (event names, ``socketio_path``, ``namespace``, ``jwt_key``, ``metadata_key``) is read
from ``credentials.yml`` as by Rasa's channel.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Tuple
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import guard as input_guard

logger = logging.getLogger(__name__)

ORIGINS_ENV = "BOT_CORS_ORIGINS"
DEFAULT_PORT = "5005"
SOURCE_PREFIX = "Bron:"
_PARAGRAPHS = re.compile(r"\n\s*\n")
_SESSION_ID = re.compile(r"[0-9a-f]{32}")

try:  # the request-context flag Sanic-CORS sets once it has handled a request
    from sanic_cors.core import SANIC_CORS_EVALUATED
except ImportError:  # pragma: no cover - Sanic-CORS is a Rasa dependency
    SANIC_CORS_EVALUATED = "_sanic_cors_e"


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case; ValueError for anything else (paths, ``*``, no scheme)."""
    text = value.strip().rstrip("/")
    if text == "*":
        raise ValueError(
            f"{ORIGINS_ENV}: '*' is niet toegestaan; noem de websites (origins) die mogen chatten"
        )
    parts = urlsplit(text)
    extra = parts.path or parts.query or parts.fragment
    if parts.scheme not in ("http", "https") or not parts.netloc or extra:
        raise ValueError(
            f"{ORIGINS_ENV}: '{value}' is geen origin; verwacht bijvoorbeeld https://www.voorbeeld.nl "
            "(schema, host en eventueel poort; geen pad)"
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(env: Mapping[str, str] = os.environ) -> Tuple[str, ...]:
    """The configured allow-list: ``BOT_CORS_ORIGINS`` (comma separated) or the bot's own local origins."""
    raw = (env.get(ORIGINS_ENV) or "").strip()
    if not raw:
        port = (env.get("BOT_PORT") or DEFAULT_PORT).strip()
        raw = f"http://127.0.0.1:{port},http://localhost:{port}"
    origins: List[str] = []
    for item in raw.split(","):
        if item.strip():
            origin = normalise_origin(item)
            if origin not in origins:
                origins.append(origin)
    return tuple(origins)


def own_origin(environ: Mapping[str, Any]) -> Optional[str]:
    """The origin this request was addressed to (scheme + Host header), as engine.io's default uses."""
    host = environ.get("HTTP_HOST")
    scheme = environ.get("wsgi.url_scheme", "http")
    return f"{scheme}://{host}".lower() if host else None


class OriginPolicy:
    """engine.io ``cors_allowed_origins`` callable: the allow-list plus the bot's own origin."""

    def __init__(self, origins: Iterable[str]) -> None:
        self.origins = frozenset(origins)

    def __call__(self, origin: Optional[str], environ: Optional[Mapping[str, Any]] = None) -> bool:
        if not origin:
            return False  # no CORS headers for non-browser requests (engine.io lets them through)
        origin = origin.strip().rstrip("/").lower()
        if origin in self.origins:
            return True
        allowed = environ is not None and origin == own_origin(environ)
        if not allowed:
            logger.debug("Socket.IO: origin %s geweigerd (niet in %s)", origin, ORIGINS_ENV)
        return allowed


def new_session_id() -> str:
    """A new conversation id (the tracker's sender id): 128 random bits, as Rasa makes them."""
    return uuid.uuid4().hex


def is_session_id(value: Any) -> bool:
    """Only ids this channel hands out (32 hex digits): a browser cannot pick another sender's id."""
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def chat_parts(text: str) -> List[str]:
    """The chat bubbles for one bot text: split on blank lines, every ``Bron:`` line a bubble of its own."""
    parts: List[str] = []
    for block in _PARAGRAPHS.split(text.strip()):
        current: List[str] = []
        for line in block.split("\n"):
            if line.strip().startswith(SOURCE_PREFIX):
                if current:
                    parts.append("\n".join(current).strip())
                    current = []
                parts.append(line.strip())
            else:
                current.append(line)
        if "\n".join(current).strip():
            parts.append("\n".join(current).strip())
    return [part for part in parts if part]


def as_markdown(part: str) -> str:
    """For the widget's markdown: a blank line before a line that follows a ``- `` list (else it joins it)."""
    lines: List[str] = []
    for line in part.split("\n"):
        after_list = bool(lines) and lines[-1].lstrip().startswith("- ")
        if after_list and line.strip() and not line.lstrip().startswith("- "):
            lines.append("")
        lines.append(line)
    return "\n".join(lines)


class ReadableSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output with :func:`chat_parts` splitting and :func:`as_markdown`."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in chat_parts(text):
            await self._send_message(recipient_id, {"text": as_markdown(part)})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        messages: List[Dict[Text, Any]] = [{"text": as_markdown(part)} for part in chat_parts(text) or [text]]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": button["title"], "payload": button["payload"]}
            for button in buttons
        ]
        for message in messages:
            await self._send_message(recipient_id, message)


class WebSocketIOInput(SocketIOInput):
    """Rasa's ``socketio`` channel with working sessions, an origin allow-list and readable messages."""

    origins: Tuple[str, ...] = ()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.origins = allowed_origins()  # fails at start-up on a wrong BOT_CORS_ORIGINS
        logger.info(
            "Socket.IO: toegestane origins %s (plus de eigen origin van de bot)", ", ".join(channel.origins)
        )
        return channel

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return ReadableSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = input_guard.guard(on_new_message)  # empty / overlong / failing messages
        policy = OriginPolicy(self.origins or allowed_origins())
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=policy)
        engineio_handler = sio.eio.handle_request

        async def handle_request(request: Any, *args: Any, **kwargs: Any) -> Any:
            # engine.io writes this route's CORS headers; keep Sanic-CORS (rasa run --cors) from adding more.
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
            return await engineio_handler(request, *args, **kwargs)

        sio.eio.handle_request = handle_request  # read by sio.attach() when the blueprint is registered
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if self.jwt_key:
                token = (auth or {}).get("token")
                payload = decode_bearer_token(token, self.jwt_key, self.jwt_algorithm) if token else None
                if not payload:
                    return False
            logger.debug("Socket.IO: %s verbonden", sid)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, *args: Any) -> None:
            logger.debug("Socket.IO: %s verbroken", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Optional[Dict] = None) -> None:
            asked = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = asked if is_session_id(asked) else new_session_id()
            if self.session_persistence:
                # Rasa 3.6 calls enter_room without await (a coroutine in python-socketio 5), so the
                # socket never joins its session's room and the bot's replies reach no one.
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                session_id = data.get("session_id")
                if not is_session_id(session_id) or session_id not in sio.rooms(sid, namespace=namespace):
                    logger.warning("Socket.IO: bericht zonder geldige, aangevraagde session_id genegeerd")
                    return
                sender_id = session_id
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            message = UserMessage(
                str(data.get("message") or ""),
                ReadableSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {},
            )
            await on_new_message(message)

        return socketio_webhook
