"""``GET /webhooks/status/``: is the bot ready, which spaCy pipeline does it run, can it store?

Rasa's own ``/status`` needs the HTTP API (off by default here), so this small channel gives
operators and the run script a status page that is always there and never reveals secrets.
Loading this channel also installs ``bot.resilience`` (a Dutch apology instead of a silent turn
when the action server is down) and ``bot.rasa_speedups`` (the action response schema checked once,
not on every call) in the Rasa server, and the page says whether the action server answers now.
"""

from __future__ import annotations

import inspect
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import nlp, rasa_speedups, resilience

logger = logging.getLogger(__name__)


def spacy_path_of(agent: Any) -> str | None:
    """The ``model`` of the SpacyNLP node of the loaded Rasa model, if any."""
    processor = getattr(agent, "processor", None)
    if processor is None:
        return None
    for node in processor.model_metadata.predict_schema.nodes.values():
        if node.uses.__name__ == "SpacyNLP":
            return node.config.get("model")
    return None


async def tracker_store_state(agent: Any) -> Dict[str, Any]:
    """Type of the tracker store and whether a query on it succeeds now."""
    store = getattr(agent, "tracker_store", None)
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps stores (AwaitableTrackerStore)
    inner = getattr(inner, "_tracker_store", inner)
    state: Dict[str, Any] = {"type": type(inner).__name__ if inner else None}
    if store is None:
        state["reachable"] = False
        return state
    if state["type"] == "InMemoryTrackerStore":
        # Rasa falls back to memory when the configured store cannot be created (a warning in its
        # log); conversations would then vanish on restart and differ per replica: not ok.
        logger.error("Tracker store in memory: the configured store could not be reached at start-up.")
        state["reachable"] = False
        state["error"] = "in memory: the configured tracker store could not be reached at start-up"
        return state
    try:
        probe = inner.exists("__status_probe__")  # the real store: Rasa's fail-safe wrapper hides errors
        if inspect.isawaitable(probe):
            await probe
        state["reachable"] = True
    except Exception as exc:  # the status page reports, it never raises
        logger.error("Tracker store unreachable: %s", exc)
        state["reachable"] = False
        state["error"] = type(exc).__name__
    return state


async def action_server_state(agent: Any) -> Dict[str, Any]:
    """Whether the action server's ``/health`` answers now (no URL in the output)."""
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    state: Dict[str, Any] = {
        "configured": bool(url),
        "when_down": "Dutch apology (bot.resilience)" if resilience.installed() else "silent turn",
    }
    if not url:
        return state
    health = url.rsplit("/webhook", 1)[0] + "/health"
    try:
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(health) as resp:
                state["reachable"] = resp.status == 200
    except Exception as exc:  # reported, never raised
        logger.warning("Action server unreachable: %s", exc)
        state["reachable"] = False
        state["error"] = type(exc).__name__
    return state


class StatusInput(InputChannel):
    """Read-only status endpoint, mounted by Rasa like any channel."""

    def __init__(self) -> None:
        resilience.install()
        rasa_speedups.install()

    @classmethod
    def name(cls) -> str:
        return "status"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        status_bp = Blueprint("status_webhook", __name__)
        started = time.time()

        @status_bp.route("/", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            ready = bool(agent and agent.is_ready())
            spacy_path = spacy_path_of(agent) if ready else None
            info = nlp.describe(Path(spacy_path)) if spacy_path else None
            pipeline = info.as_dict() if info else None
            if pipeline:
                pipeline.pop("path")  # no internal paths in public output
            store = await tracker_store_state(agent) if agent else {"reachable": False}
            ok = ready and store.get("reachable", False)
            body = {
                "status": "ok" if ok else "degraded",
                "model_loaded": ready,
                "model_file": getattr(agent, "model_name", None) if ready else None,
                "spacy_pipeline": pipeline,
                "tracker_store": store,
                "action_server": await action_server_state(agent) if agent else {"reachable": False},
                "uptime_seconds": round(time.time() - started, 1),
            }
            return response.json(body, status=200 if ok else 503)

        return status_bp
