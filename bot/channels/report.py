"""``GET /webhooks/report/<sender_id>?token=...``: the report of a conversation, served by the bot.

The token is ``bot.report.report_token(sender_id)`` (an HMAC with ``BOT_REPORT_SECRET``); without
it, or with a wrong one, the answer is 403. The page is the self-contained HTML report (print it or
save it as PDF from the browser); ``&format=md`` gives the Markdown. The tracker comes from the
running server's tracker store, so a deleted or expired conversation has no report (404).

Mounted like any channel: ``bot.channels.report.ReportInput:`` in credentials.yml.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict
from urllib.parse import unquote

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.trackers import EventVerbosity
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import report

logger = logging.getLogger(__name__)

#: The page has no scripts and no external resources; the token must not leak via Referer.
HEADERS: Dict[str, str] = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ),
}


def _text(message: str, status: int) -> HTTPResponse:
    return response.text(message, status=status, headers=HEADERS)


class ReportInput(InputChannel):
    """Read-only report endpoint; receives no messages."""

    @classmethod
    def name(cls) -> str:
        return "report"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        report_bp = Blueprint("report_webhook", __name__)
        report.report_secret()  # warn at start-up, not at the first request, when no secret is set

        @report_bp.route("/<sender_id:path>", methods=["GET"])
        async def show(request: Request, sender_id: str) -> HTTPResponse:
            sender_id = unquote(sender_id)  # Sanic passes path parameters still percent-encoded
            if not report.token_valid(sender_id, request.args.get("token")):
                return _text("Geen toegang: deze link is ongeldig.", 403)
            agent = getattr(request.app.ctx, "agent", None)
            store = getattr(agent, "tracker_store", None)
            if store is None:
                return _text("De bot is nog niet klaar; probeer het zo opnieuw.", 503)
            tracker = await store.retrieve_full_tracker(sender_id)
            state = tracker.current_state(EventVerbosity.ALL) if tracker else None
            if not state or not any(e.get("event") == "user" for e in state.get("events") or []):
                return _text("Geen gesprek gevonden. Misschien is het verwijderd of verlopen.", 404)
            built = report.build_report(state, report.default_definitions(), report.default_knowledge_base())
            if request.args.get("format") == "md":
                filename = f"verslag-{report.safe_filename(sender_id)}.md"
                return response.text(
                    built.markdown,
                    content_type="text/markdown; charset=utf-8",
                    headers={**HEADERS, "Content-Disposition": f'inline; filename="{filename}"'},
                )
            return response.html(built.html, headers=HEADERS)

        return report_bp
