"""The first real conversation in Dutch, through the REST channel of a running server."""

import uuid

import pytest
import requests


def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "message, response",
    [
        ("hoi", "utter_greet"),
        ("Goedemorgen!", "utter_greet"),
        ("wat kun je allemaal?", "utter_capabilities"),
        ("ben je een robot?", "utter_iamabot"),
        ("praat ik nu met een echt mens", "utter_iamabot"),
        ("help, hoe werkt dit", "utter_help"),
        ("dankjewel!", "utter_thank"),
        ("doei", "utter_goodbye"),
        pytest.param(
            "wie wint de champions league dit jaar?",
            "utter_out_of_scope",
            marks=pytest.mark.xfail(
                strict=True,
                reason="out_of_scope recall is 0.6 on the held-out NLU set; this one falls back (issue 6)",
            ),
        ),
        ("Hello, can you help me in English?", "utter_only_dutch"),
        ("Guten Tag, sprechen Sie Deutsch?", "utter_only_dutch"),
    ],
)
def test_single_turn_reply(bot, responses, message, response):
    texts = bot.texts(sender(), message)
    assert texts and texts[0] in responses[response], f"{message!r} -> {texts!r}, expected {response}"
    assert len(texts) == 1, texts


def test_not_understood_gets_dutch_fallback_not_silence(bot, responses):
    texts = bot.texts(sender(), "qwrtz pflumk sneeb")
    assert texts and texts[0] in responses["utter_default"], texts


def test_restart_forgets_the_conversation(bot, responses):
    who = sender()
    bot.texts(who, "hoi")
    texts = bot.texts(who, "kunnen we opnieuw beginnen?")
    assert texts == [t for t in texts if t in responses["utter_restarted"]] and texts
    events = bot.tracker(who, include_events="ALL")["events"]
    assert any(e["event"] == "restart" for e in events)
    after = bot.tracker(who)["events"]
    assert not any(e.get("text") == "hoi" for e in after if e["event"] == "user")


def test_status_endpoint_names_the_spacy_pipeline(bot):
    body = requests.get(f"{bot.url}/webhooks/status/", timeout=5).json()
    assert body["status"] == "ok"
    assert body["model_loaded"] is True
    pipeline = body["spacy_pipeline"]
    assert pipeline["kind"] in {"model", "fallback"}
    if pipeline["kind"] == "fallback":
        assert pipeline["name"] != "nl_core_news_sm"
        assert "FALLBACK" in pipeline["summary"]
    else:
        assert pipeline["name"] == "nl_core_news_sm"
    assert body["tracker_store"] == {"type": "PrivacySQLTrackerStore", "reachable": True}
    assert "path" not in pipeline  # no internal paths in public output


def test_http_api_needs_the_token(bot):
    resp = requests.get(f"{bot.url}/conversations/someone/tracker", timeout=5)
    assert resp.status_code == 401
