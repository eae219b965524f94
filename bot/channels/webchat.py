"""``GET /webhooks/web/``: the website chat page and its files, served by the bot itself.

The page (``web/index.html``) runs the rasa-webchat widget (vendored in ``web/vendor/``) against the
``socketio`` channel (``bot/channels/socketio.py``) of the same server, so ``scripts/run.sh`` is all it
takes: open http://127.0.0.1:5005/webhooks/web/ . The same files serve the embed snippet for an owner's
own website (docs/webchat.md).

Only files under ``web/`` with a known type are served (no directory listings, no dotfiles, no path
escapes); the channel never receives messages itself.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import PROJECT_ROOT

logger = logging.getLogger(__name__)

WEB_DIR = PROJECT_ROOT / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
# Same-origin only for the page itself; the widget's own files may be loaded by an embedding site.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
        "form-action 'none'"
    ),
}
NOT_FOUND_TEXT = "Niet gevonden."


def resolve(web_dir: Path, relative: str) -> Optional[Path]:
    """The file under ``web_dir`` that ``relative`` names, or None (escapes, dotfiles, unknown types)."""
    relative = relative.strip("/") or "index.html"
    parts = relative.split("/")
    if any(not part or part.startswith(".") or "\\" in part for part in parts):
        return None
    root = web_dir.resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    if candidate.suffix.lower() not in CONTENT_TYPES:
        return None
    return candidate


class WebChatInput(InputChannel):
    """Serves ``web/`` at ``/webhooks/web/``; named in credentials.yml like any channel."""

    def __init__(self, web_dir: Optional[Path] = None) -> None:
        self.web_dir = Path(web_dir) if web_dir else WEB_DIR

    @classmethod
    def name(cls) -> Text:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(credentials.get("web_dir"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        web_bp = Blueprint("web_chat_page", __name__)
        web_dir = self.web_dir
        if not (web_dir / "index.html").is_file():
            logger.error("Webchat: %s/index.html ontbreekt; /webhooks/web/ geeft 404", web_dir)

        async def serve(relative: str) -> HTTPResponse:
            path = resolve(web_dir, relative)
            if path is None:
                return response.text(NOT_FOUND_TEXT, status=404, headers=SECURITY_HEADERS)
            suffix = path.suffix.lower()
            content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
            headers = dict(PAGE_HEADERS if suffix == ".html" else SECURITY_HEADERS)
            # Versioned vendor files never change; the page and our own files are revalidated.
            headers["Cache-Control"] = (
                "public, max-age=604800, immutable" if "/vendor/" in path.as_posix() else "no-cache"
            )
            return HTTPResponse(path.read_bytes(), status=200, headers=headers, content_type=content_type)

        @web_bp.route("/", methods=["GET"])
        async def index(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page's relative links need the slash
                return response.redirect(request.path + "/", status=301)
            return await serve("index.html")

        @web_bp.route("/<relative:path>", methods=["GET"])
        async def asset(_: Request, relative: str) -> HTTPResponse:
            return await serve(relative)

        return web_bp
