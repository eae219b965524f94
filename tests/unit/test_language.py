"""bot.nlu.language: Dutch, another language, or no language."""

import pytest

from bot.nlu.language import judge

VOCAB = {"hallo", "cobot", "lasrobot", "ok", "top", "nee", "exoskelet", "help", "robot"}


@pytest.mark.parametrize(
    "text",
    [
        "we willen een vision systeem met deep learning voor de quality check",
        "Wat is just-in-time learning?",
        "De operators hebben geen zin in die AR-bril",
        "kan ik mijn team laten meedenken over de machine",
        "hoe zit het met de employability van oudere werknemers",
        "ok",
        "nee",
        "lasrobot",
        "WAT KUN JE",
        "wie wint de champions league dit jaar?",
    ],
)
def test_dutch_stays_dutch(text):
    assert judge(text, VOCAB).verdict == "dutch"


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Hello, can you help me in English?", "en"),
        ("i want to buy a cobot for my factory", "en"),
        ("my employees are against the new machine", "en"),
        ("where can I find the publications?", "en"),
        ("Guten Tag, sprechen Sie Deutsch?", "de"),
        ("Könnten Sie mir bitte helfen", "de"),
        ("hola, ¿cómo estás?", "es"),
        ("je suis un robot", "fr"),
    ],
)
def test_other_languages_are_recognised(text, lang):
    verdict = judge(text, VOCAB)
    assert (verdict.verdict, verdict.language) == ("foreign", lang)


@pytest.mark.parametrize("text", ["qwrtz pflumk sneeb", "xqzt blorp", "asdf jkl"])
def test_no_language_is_unknown(text):
    assert judge(text, VOCAB).verdict == "unknown"


@pytest.mark.parametrize("text", ["", "   ", "!!!", "👍👍", "12345"])
def test_no_words_is_empty(text):
    assert judge(text, VOCAB).verdict == "empty"


def test_training_vocabulary_makes_domain_words_dutch():
    assert judge("exoskelet", set()).verdict == "unknown"
    assert judge("exoskelet", VOCAB).verdict == "dutch"
