"""Free questions through the REST channel: cited answers, honest refusals, at any point."""

import re
import uuid

import yaml

from bot import PROJECT_ROOT
from bot.intake import QUESTIONS

CITATIONS = {
    p["id"]: p["citation"]
    for p in yaml.safe_load((PROJECT_ROOT / "knowledge" / "publications.yml").read_text())["publications"]
}


def sender() -> str:
    return f"kennis-{uuid.uuid4().hex[:8]}"


def bron_lines(texts):
    return [line for t in texts for line in t.splitlines() if line.startswith("Bron:")]


def test_question_gets_an_answer_with_its_source(bot):
    texts = bot.texts(sender(), "Wat is een 4.0-teamleider eigenlijk?")
    lines = bron_lines(texts)
    assert lines, texts
    assert CITATIONS["ssas-2025-techniek"] in lines[0]
    assert "teamleider" in " ".join(texts).lower()


def test_question_the_publications_do_not_answer_is_refused_honestly(bot):
    texts = bot.texts(sender(), "Hoeveel subsidie krijg ik voor een lasrobot van Fanuc?")
    joined = " ".join(texts)
    assert "staat niet in de publicaties" in joined
    assert not bron_lines(texts)


def test_questions_one_after_another(bot):
    who = sender()
    first = bot.texts(who, "wat is just in time leren?")
    second = bot.texts(who, "en hoeveel meer personeel hadden bedrijven met sociale innovatie?")
    assert CITATIONS["fraunhofer-ut-leven-lang-leren"] in bron_lines(first)[0]
    assert CITATIONS["ti-2018-sociale-innovatie"] in bron_lines(second)[0]
    assert re.search(r"8,3", " ".join(second))


def test_question_in_the_middle_of_the_intake_then_the_intake_resumes(bot, responses):
    who = sender()
    bot.texts(who, "ik wil advies over mijn plan")
    texts = bot.texts(who, "wat bedoelen ze eigenlijk met een 4.0 teamleider?")
    assert bron_lines(texts), texts
    assert texts[-1] == QUESTIONS["technologie"].question, texts
