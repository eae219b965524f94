"""Rasa's REST channel (``POST /webhooks/rest/webhook``) with the input rules of ``bot.channels.guard``.

Same name, routes, request and reply as Rasa's ``rest`` channel, so integrations use it as documented
by Rasa (README, "REST"); only empty, overlong and failing messages get a Dutch answer instead of
silence or seconds of CPU.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.guard import guard


class GuardedRestInput(RestInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(guard(on_new_message))
