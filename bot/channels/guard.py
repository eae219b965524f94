"""What every channel does with a message before Rasa sees it, and when Rasa fails on it.

- **Empty** (nothing but white space, no payload): a Dutch hint; nothing is stored, nothing is lost.
- **Overlong**: cut at ``BOT_MAX_MESSAGE_CHARS`` characters (default 2,000, about a page; an owner's
  longest story in our data is under 700), at the last word boundary before the limit, with a
  Dutch notice *before* the answer saying how much was read. The cut text is what the tracker
  stores. Rasa itself has no limit: 50,000 characters go through the spaCy pipeline, the count
  vectors and DIET, which costs seconds of CPU per message and gains nothing.
- **A typed ``/restart``** (Rasa's built-in command, which restarts without a word) takes the route
  of "opnieuw beginnen" (``/start_over``): the same restart, with the Dutch confirmation.
- **Failure**: if handling the message raises (the tracker store is unreachable, a bug), the owner
  gets a Dutch apology that says the message was *not* processed; Rasa's REST channel would answer
  an empty list with HTTP 200, i.e. silence. The exception is logged (with traceback) by the channel
  as before.

Each of the project's channels wraps the ``on_new_message`` callback its blueprint receives with
:func:`guard` (``bot.channels.rest``, ``bot.channels.slack``, ``bot.channels.socketio``), so the
same rules hold for REST, Slack and the website chat.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

LIMIT_ENV = "BOT_MAX_MESSAGE_CHARS"
DEFAULT_LIMIT = 2000

EMPTY_REPLY = (
    "Ik kreeg een leeg bericht. Typ gerust je vraag, of vertel welke techniek je wilt invoeren."
)
FAILURE_REPLY = (
    "Sorry, er ging bij mij iets mis en je bericht is niet verwerkt. Wil je het over een minuut "
    "nog eens sturen?"
)

ALIASES = {"/restart": "/start_over"}

Handler = Callable[[UserMessage], Awaitable[Any]]


def message_limit() -> int:
    raw = os.environ.get(LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{LIMIT_ENV} must be a whole number of characters, not {raw!r}") from None
    if value < 100:
        raise ValueError(f"{LIMIT_ENV} must be at least 100, not {value}")
    return value


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Dutch thousands separator


def cut(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, at a word boundary when there is one near."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ", int(limit * 0.8))
    return (head[:space] if space > 0 else head).rstrip()


def cut_notice(original: int, kept: int) -> str:
    return (
        f"Je bericht was erg lang ({_thousands(original)} tekens). Ik heb de eerste "
        f"{_thousands(kept)} tekens gelezen en antwoord daarop; stuur de rest gerust in een volgend bericht."
    )


def guard(on_new_message: Handler, limit: int | None = None) -> Handler:
    """``on_new_message`` with the empty, overlong and failure handling of this module."""
    limit = limit or message_limit()

    async def guarded(message: UserMessage) -> Any:
        text = message.text
        if text is None or not text.strip():
            await message.output_channel.send_text_message(message.sender_id, EMPTY_REPLY)
            return None
        alias = ALIASES.get(text.strip().lower())
        if alias:
            message.text = text = alias
        if len(text) > limit:
            message.text = cut(text, limit)
            logger.info("Message of %s characters from %s cut to %s.", len(text), message.sender_id,
                        len(message.text))
            await message.output_channel.send_text_message(
                message.sender_id, cut_notice(len(text), len(message.text))
            )
        try:
            return await on_new_message(message)
        except Exception:
            try:
                await message.output_channel.send_text_message(message.sender_id, FAILURE_REPLY)
            except Exception:  # the channel itself is broken; the original error matters more
                logger.exception("Could not send the failure reply to %s.", message.sender_id)
            raise

    return guarded
