"""bot.answer_topics: which intake question a message answers, for owners who are ahead of the bot."""

import pytest

from bot import answer_topics, intake
from bot.conclusions import ConclusionEngine


@pytest.fixture(scope="module")
def model():
    return answer_topics.topic_model(ConclusionEngine.from_file(learned=False))


def after(slot, filled=None):
    return intake.open_after(filled or {}, slot)


def test_examples_file_names_known_questions_only():
    pairs = answer_topics.load_examples()
    assert {slot for slot, _ in pairs} <= set(answer_topics.TOPICS)
    assert sum(1 for slot, _ in pairs if slot == "leren") >= 10


def test_a_bad_examples_file_says_what_is_wrong(tmp_path):
    bad = tmp_path / "answers.yml"
    bad.write_text("answers:\n  hobby: ['vissen']\n", encoding="utf-8")
    with pytest.raises(answer_topics.ExamplesFileError, match="hobby"):
        answer_topics.load_examples(bad)
    bad.write_text("answers:\n  leren: 'een cursus'\n", encoding="utf-8")
    with pytest.raises(answer_topics.ExamplesFileError, match="leren"):
        answer_topics.load_examples(bad)


def test_the_topics_are_the_intake_questions_in_order():
    order = [slot for slot in intake.INTAKE_SLOTS if slot in answer_topics.TOPICS]
    assert order == list(answer_topics.TOPICS)


@pytest.mark.parametrize(
    "asked, text, expected",
    [
        # asked how people will learn it, the owner tells where they looked
        (
            "leren",
            "we zijn bij twee collega-bedrijven in de regio gaan kijken hoe die het aanpakken",
            "rondkijken",
        ),
        # asked about staff, the owner tells how they will learn it
        (
            "arbeidsmarkt",
            "de leverancier geeft een cursus van drie dagen en daarna oefenen ze samen",
            "leren",
        ),
        # asked what changes in the work, the owner answers about vacancies and ageing
        (
            "verandering_werk",
            "lastig hoor, de helft is boven de vijftig en op onze vacatures reageert niemand",
            "arbeidsmarkt",
        ),
    ],
)
def test_an_answer_to_a_later_question_is_recognised(model, asked, text, expected):
    filled = {"meerwaarde_medewerkers": "x"} if asked == "verandering_werk" else {}
    assert model.ahead_of(text, asked, after(asked, filled)) == expected


@pytest.mark.parametrize(
    "asked, text",
    [
        ("arbeidsmarkt", "we hebben drie vacatures voor monteurs die al maanden openstaan"),  # the asked one
        ("rondkijken", "nee nog niet"),  # too short to say: it answers the question asked
        ("leren", "gewoon doen, ik sta er de eerste weken naast"),
        # who decided and who was involved overlap: never moved from the first to the second
        ("besluitvorming", "de operators hebben zelf de machine uitgekozen na een week testen"),
        # further ahead than LOOKAHEAD open questions: not moved
        ("besluitvorming", "we werken samen met de hogeschool, er loopt een afstudeerproject"),
    ],
)
def test_an_answer_to_the_question_asked_stays_there(model, asked, text):
    assert model.ahead_of(text, asked, after(asked)) is None


def test_only_open_questions_can_take_the_answer(model):
    text = "we zijn bij twee collega-bedrijven in de regio gaan kijken hoe die het aanpakken"
    assert model.ahead_of(text, "leren", after("leren", {"rondkijken": "ja"})) is None


def test_an_answer_to_a_question_the_bot_passed_over_is_recognised(model):
    # blind REST conversation s58 (session 9): the opener seemed to answer what it brings the workers,
    # so the bot asked about staff; the owner answered the question it had passed over
    text = "ze leren programmeren, krijgen er een cursus bij met certificaat. en niet meer de hele dag tillen"
    passed = ["verandering_werk", "meerwaarde_medewerkers"]
    assert model.ahead_of(text, "arbeidsmarkt", after("arbeidsmarkt"), passed) == "meerwaarde_medewerkers"
    # only questions the bot did not ask: without them, the answer stays with the question asked
    assert model.ahead_of(text, "arbeidsmarkt", after("arbeidsmarkt")) is None
    # an answer to the question asked is not pulled back
    staff = "we hebben drie vacatures voor monteurs die al maanden openstaan"
    assert model.ahead_of(staff, "arbeidsmarkt", after("arbeidsmarkt"), passed) is None
    # what changes in the work and what it brings overlap: never from the second back to the first
    work = "ze gaan dan vooral de machine bijvullen en controleren in plaats van zelf draaien"
    assert model.ahead_of(work, "meerwaarde_medewerkers", [], ["verandering_werk"]) is None


def test_an_owner_who_answers_the_question_first_and_then_goes_on_stays_with_the_question(model):
    # blind REST conversation s22: asked the motive, the owner gives it and then tells what the supplier
    # explained to him; the whole message reads as who decided, its first sentence as the motive
    text = (
        "doorlooptijd, ik wil beter zien waar de machines stilstaan. "
        "de leverancier heeft mij uitgebreid uitgelegd wat het allemaal kan"
    )
    assert answer_topics.first_sentence(text) == "doorlooptijd, ik wil beter zien waar de machines stilstaan."
    assert max(model.probabilities(text), key=model.probabilities(text).get) == "besluitvorming"
    assert answer_topics.keeps_asked(model.probabilities(answer_topics.first_sentence(text)), "motief")
    assert model.ahead_of(text, "motief", after("motief")) is None
    # one sentence has no first sentence to keep it; a first sentence about something else does not keep it
    assert answer_topics.first_sentence("de leverancier heeft mij alles uitgelegd") is None
    ahead = "lastig hoor. de helft is boven de vijftig en op onze vacatures reageert niemand"
    open_after = after("verandering_werk", {"meerwaarde_medewerkers": "x"})
    assert model.ahead_of(ahead, "verandering_werk", open_after) == "arbeidsmarkt"
