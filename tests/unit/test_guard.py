"""bot.channels.guard: empty, overlong and failing messages on every channel."""

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import guard as g


def handle(text, handler, limit=100):
    out = CollectingOutputChannel()
    message = UserMessage(text, out, "eigenaar")
    asyncio.run(g.guard(handler, limit=limit)(message))
    return [m["text"] for m in out.messages], message


def recording():
    seen = []

    async def handler(message):
        seen.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, f"antwoord op {len(message.text)}")

    return seen, handler


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_empty_message_gets_a_dutch_hint_and_never_reaches_rasa(text):
    seen, handler = recording()
    replies, _ = handle(text, handler)
    assert replies == [g.EMPTY_REPLY]
    assert seen == []


def test_short_message_passes_unchanged():
    seen, handler = recording()
    replies, _ = handle("we willen een cobot", handler)
    assert seen == ["we willen een cobot"]
    assert replies == ["antwoord op 19"]


def test_overlong_message_is_cut_at_a_word_boundary_with_a_notice_first():
    seen, handler = recording()
    text = " ".join(["woord"] * 60)  # 359 characters
    replies, message = handle(text, handler, limit=100)
    assert len(seen) == 1 and len(seen[0]) <= 100
    assert seen[0].endswith("woord") and text.startswith(seen[0])  # no half word
    assert message.text == seen[0]  # what the tracker stores
    assert replies[0] == g.cut_notice(359, len(seen[0]))
    assert "359 tekens" in replies[0] and f"eerste {len(seen[0])} tekens" in replies[0]
    assert replies[1] == f"antwoord op {len(seen[0])}"


def test_text_without_spaces_is_cut_exactly_at_the_limit():
    assert g.cut("x" * 5000, 2000) == "x" * 2000
    assert g.cut("kort", 2000) == "kort"


def test_dutch_thousands_in_the_notice():
    assert "50.000 tekens" in g.cut_notice(50000, 1998)
    assert "1.998 tekens" in g.cut_notice(50000, 1998)


def test_failure_gets_an_apology_and_the_error_still_propagates():
    async def broken(message):
        raise ConnectionError("tracker store down")

    out = CollectingOutputChannel()
    with pytest.raises(ConnectionError):
        asyncio.run(g.guard(broken, limit=100)(UserMessage("hallo", out, "eigenaar")))
    assert [m["text"] for m in out.messages] == [g.FAILURE_REPLY]


def test_limit_from_the_environment(monkeypatch):
    monkeypatch.delenv(g.LIMIT_ENV, raising=False)
    assert g.message_limit() == g.DEFAULT_LIMIT
    monkeypatch.setenv(g.LIMIT_ENV, "5000")
    assert g.message_limit() == 5000
    for bad in ("veel", "10"):
        monkeypatch.setenv(g.LIMIT_ENV, bad)
        with pytest.raises(ValueError, match=g.LIMIT_ENV):
            g.message_limit()


@pytest.mark.parametrize("typed", ["/restart", " /RESTART "])
def test_typed_restart_takes_the_route_of_opnieuw_beginnen(typed):
    seen, handler = recording()
    handle(typed, handler)
    assert seen == ["/start_over"]


def test_other_slash_commands_pass_unchanged():
    seen, handler = recording()
    handle("/greet", handler)
    handle('/inform{"technologie_type": "cobot"}', handler)
    assert seen == ["/greet", '/inform{"technologie_type": "cobot"}']
