"""Retrieval over the real knowledge base: ranking, cited answers, refusals, synonyms, listings."""

import re

import pytest

from bot.knowledge import Retriever, list_entries, load_knowledge_base
from bot.knowledge.analysis import light_stem
from bot.knowledge.answers import MAX_SENTENCES, REFUSAL, citation_line, format_answer, split_sentences
from bot.knowledge.retrieval import DEFAULT_CONFIG


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever(load_knowledge_base())


def bron_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("Bron:")]
    assert len(lines) == 1, text
    return lines[0]


# Representative owner and consultant questions (written for these tests, not taken from the
# entries or the held-out set) with the entries that answer them.
QUESTIONS = [
    ("Wat is een 4.0-teamleider precies?", {"ssas25-4-0-teamleider"}),
    (
        "Welke taken heeft de ploegleider als er een cobot komt?",
        {"ssas25-teamleider-taken", "ssas25-4-0-teamleider"},
    ),
    ("Wat houdt het NASSS framework in?", {"ssas25-nasss-framework"}),
    ("Wat meet het 6G-model?", {"ssas25-6g-model"}),
    pytest.param(
        "Wat doet Amfors in Amersfoort met cobots?", {"ssas25-amfors"},
        marks=pytest.mark.xfail(
            strict=True,
            reason="Known limitation of the calibrated refusal rule: the answerability classifier learned "
            "from unanswerable training questions about named companies ('welke cobots gebruiken ze bij "
            "amfors?') to distrust the name, and the strong-match override starts at a score of 0.25 "
            "(lower answers more unanswerable questions in calibration). docs/knowledge.md",
        ),
    ),
    ("Helpt een AR-bril orderpickers om minder fouten te maken?", {"ssas25-ar-orderpicken"}),
    (
        "Waarom zou ik HR laten meekijken bij het ontwerp van een nieuwe productielijn?",
        {"ssas25-hr-expertise-bij-ontwerp"},
    ),
    ("Wat is de derde kernconclusie?", {"ssas25-kernconclusie-meerwaarde"}),
    ("Wat is intrapreneurship?", {"ssas25-intern-ondernemerschap"}),
    ("Wie is Sebastian Thiede?", {"ssas25-persoon-thiede"}),
    ("Wat is het HAN Lean QRM Centrum?", {"ssas25-han-lean-qrm-centrum"}),
    ("Hoe definieert het NCSI sociale innovatie?", {"ti18-definitie-ncsi"}),
    ("Wat is job carving?", {"ti18-job-carving"}),
    ("Wat is re-shoring?", {"ti18-reshoring"}),
    (
        "Welke sectorfondsen komen in het rapport van TechniekTalent.nu aan bod?",
        {"ti18-o-en-o-fondsen-overzicht"},
    ),
    (
        "Hoeveel groeit het personeel bij bedrijven die technologische en sociale innovatie combineren?",
        {"ti18-cijfer-personeelsgroei"},
    ),
    (
        "Wat zijn de vijf werkwoorden van Jouke Post?",
        {"ssas24-vijf-werkwoorden", "ssas24-persoon-jouke-post"},
    ),
    ("Wat betekent Happy, Healthy en Productive?", {"ssas24-happy-healthy-productive"}),
    ("Vertrekken mensen niet sneller als ik ze laat leren?", {"ssas24-roi-ontwikkelen-houdt-mensen"}),
    ("Wat is een field lab?", {"ssas24-ruimte-experimenteren-fieldlabs"}),
    ("Wie horen bij de middenmoot van de arbeidsmarkt?", {"wpl-middenmoot-definitie-cijfers"}),
    (
        "Hoe is het vak van fietsenmaker veranderd door de elektrische fiets?",
        {"wpl-voorbeeld-e-bike-monteur"},
    ),
    ("Wat is een flipped classroom?", {"fh-flipped-classroom"}),
    # the section "Just-in-time leren" has a definition and a how-to entry; "Wat is just-in-time leren?"
    # itself was taken out of the example questions (it is in the held-out set of session 5)
    ("Wat is just-in-time leren?", {"fh-just-in-time-leren", "fh-jit-inhoud"}),
    ("Wat is CEPHEI?", {"fh-cephei-en-coursera"}),
]


@pytest.mark.parametrize(
    "question,expected", QUESTIONS, ids=[getattr(q, "values", q)[0] for q in QUESTIONS]
)
def test_representative_question_finds_its_entry(retriever, question, expected):
    answer = retriever.answer(question)
    assert answer.found, answer
    assert answer.entry_ids[0] in expected
    entry = retriever.kb.entry(answer.entry_ids[0])
    assert answer.publication_ids == (entry.publication,)
    assert bron_line(answer.text).startswith(
        f"Bron: {retriever.kb.publication(entry.publication).citation} — "
    )


UNANSWERABLE = [
    "Hoeveel kost een cobot van Universal Robots?",
    "Welke subsidie krijg ik voor de aanschaf van een lasrobot?",
    "Wat voor weer wordt het morgen in Enschede?",
    "Welke verzekering dekt schade door een cobot?",
    "Moet mijn robotcel volgens de machinerichtlijn een CE-markering hebben?",
    "Wat is de garantietermijn van een exoskelet?",
    "Hoeveel kost een lasrobot?",
]


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_question_is_refused_without_source(retriever, question):
    answer = retriever.answer(question)
    assert not answer.found, answer
    assert answer.text.startswith(REFUSAL)
    assert "Bron:" not in answer.text
    assert answer.entry_ids == () and answer.publication_ids == ()


def test_empty_question_is_refused(retriever):
    assert not retriever.answer("").found
    assert not retriever.answer("?!").found


def test_bron_line_format_for_every_publication(retriever):
    kb = retriever.kb
    for pid, publication in kb.publications.items():
        entry = (
            next(e for e in kb.entries_of(pid) if e.speaker)
            if pid.startswith("ssas")
            else kb.entries_of(pid)[0]
        )
        line = citation_line(entry, publication)
        expected = f"Bron: {publication.citation} — {entry.section}"
        if entry.speaker:
            expected += f"; {entry.speaker}"
        assert line == expected
        text = format_answer(entry, publication)
        assert text.splitlines()[-1] == expected


def test_citation_never_names_another_publication(retriever):
    kb = retriever.kb
    entry = kb.entries_of("ti-2018-sociale-innovatie")[0]
    with pytest.raises(ValueError):
        citation_line(entry, kb.publication("ssas-2025-techniek"))


def test_answer_cites_exactly_the_publication_of_its_entry(retriever):
    kb = retriever.kb
    for question in ["Wat is job carving?", "Wat is een flipped classroom?", "Wat is het 6G-model?"]:
        answer = retriever.answer(question)
        entry = kb.entry(answer.entry_ids[0])
        line = bron_line(answer.text)
        own = kb.publication(entry.publication).citation
        assert own in line
        assert not any(p.citation in line for p in kb.publications.values() if p.id != entry.publication)


def test_answer_text_is_at_most_three_sentences_plus_bron(retriever):
    answer = retriever.answer("Welke drie taken heeft de 4.0 teamleider?")
    body = answer.text.split("\nBron:")[0]
    assert 1 <= len(split_sentences(body)) <= MAX_SENTENCES
    assert "\n" not in body


def test_sentence_splitter_keeps_abbreviations_together():
    text = (
        "Deel II is van prof.dr. Henk Volberda en dr.ing. Kevin Heij. "
        "Volgens Volberda e.a. (2013) klopt dat. Klaar!"
    )
    assert split_sentences(text) == [
        "Deel II is van prof.dr. Henk Volberda en dr.ing. Kevin Heij.",
        "Volgens Volberda e.a. (2013) klopt dat.",
        "Klaar!",
    ]


# -- synonyms, compounds, stemming ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text,tag",
    [
        ("operators", "=medewerker"),
        ("de jongens", "=medewerker"),
        ("robotarm", "=cobot"),
        ("samenwerkende robot", "=cobot"),
        ("slimme bril", "=ar-bril"),
        ("smart glasses", "=ar-bril"),
        ("AR-bril", "=ar-bril"),
        ("de OR", "=ondernemingsraad"),
        ("kleine bedrijven", "=mkb"),
        ("scholing", "=opleiden"),
    ],
)
def test_synonyms_add_their_group(retriever, text, tag):
    assert tag in retriever.analyzer.tokens(text)


@pytest.mark.parametrize(
    "word,parts",
    [
        ("lasrobot", {"robot"}),
        ("personeelstekort", {"personeel", "tekort"}),
        ("AR-bril", {"ar", "bril", "arbril"}),
    ],
)
def test_compounds_are_split(retriever, word, parts):
    assert parts <= set(retriever.analyzer.tokens(word))


@pytest.mark.parametrize(
    "word,stem",
    [
        ("brillen", "bril"),
        ("operators", "operator"),
        ("bedrijven", "bedrijf"),
        ("vaardigheden", "vaardigheid"),
        ("vragen", "vraag"),
        ("duurzame", "duurzaam"),
        ("sociale", "sociaal"),
        ("proces", "proces"),
    ],
)
def test_light_stemmer(word, stem):
    assert light_stem(word) == stem


def test_a_typo_is_resolved_to_a_known_word(retriever):
    assert retriever.analyzer.resolve("implemetatie") == "implementatie"
    assert retriever.analyzer.resolve("qwertyuiop") == "qwertyuiop"


def test_synonym_questions_reach_the_same_entry(retriever):
    a = retriever.search("Wat deed de ondernemingsraad toen er nieuwe techniek kwam?", 1)[0].entry.id
    b = retriever.search("Wat deed de OR toen er nieuwe techniek kwam?", 1)[0].entry.id
    assert a == b == "ssas25-or-en-hun-kinderen"


def test_compound_question_finds_robot_entries(retriever):
    hit = retriever.search("Hoe betrek ik mijn lassers bij de lasrobot?", 3)
    assert any("robot" in h.entry.text.lower() for h in hit)


def test_out_of_scope_word_in_the_entry_text_is_fine(retriever):
    answer = retriever.answer("Kost automatisering banen volgens de OR?")
    assert answer.found and answer.entry_ids == ("ssas25-or-en-hun-kinderen",)


def test_out_of_scope_word_must_be_in_the_entry(retriever):
    units = retriever.query_units("Hoeveel kost een cobot?")
    index = [e.id for e in retriever.kb.entries].index("ssas25-amfors")
    assert not retriever.in_scope(units, index)


# -- listing ---------------------------------------------------------------------------------------


def test_listing_of_all_core_conclusions(retriever):
    text = list_entries("geef alle kernconclusies", retriever)
    assert text is not None
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert 6 <= len(items) <= 8
    for number in ("eerste", "tweede", "derde", "vierde", "vijfde", "zesde"):
        assert any(f"{number} kernconclusie" in line for line in items)
    assert [line for line in text.splitlines() if line.startswith("Bron:")] == [
        f"Bron: {retriever.kb.publication('ssas-2025-techniek').citation}"
    ]


@pytest.mark.parametrize(
    "query,publication",
    [
        ("Wat zegt het rapport over sociale innovatie?", "ti-2018-sociale-innovatie"),
        ("wat staat er in de publicatie over duurzame loopbanen", "ssas-2024-duurzame-loopbanen"),
    ],
)
def test_listing_by_topic_or_publication(retriever, query, publication):
    text = list_entries(query, retriever)
    assert text is not None
    lines = text.splitlines()
    items = [line for line in lines if line.startswith("- ")]
    bronnen = [line for line in lines if line.startswith("Bron:")]
    assert 1 <= len(items) <= 8
    assert f"Bron: {retriever.kb.publication(publication).citation}" in bronnen
    # grouped: every group of items ends with the Bron line of its publication
    assert lines[-1].startswith("Bron:") or lines[-2].startswith("Bron:")


def test_listing_groups_per_publication_with_a_bron_line_each(retriever):
    text = list_entries("geef een overzicht van wat er over jongeren staat", retriever)
    assert text is not None
    lines = text.splitlines()
    bronnen = [line for line in lines if line.startswith("Bron:")]
    assert len(bronnen) >= 2
    assert len(set(bronnen)) == len(bronnen)
    assert len([line for line in lines if line.startswith("- ")]) <= 8


@pytest.mark.parametrize(
    "query",
    [
        "Wat is een 4.0 teamleider?",
        "Moet ik alle medewerkers betrekken bij de keuze?",
        "Wat zegt het rapport over subsidies voor robots?",
        "Wat zegt het rapport over sociale innovatie bij DSM in Delft en de concurrentie uit China?",
    ],
)
def test_not_a_listing(retriever, query):
    assert list_entries(query, retriever) is None


def test_answer_returns_no_source_for_nonsense(retriever):
    answer = retriever.answer("blablabla qwerty asdf")
    assert not answer.found and "Bron:" not in answer.text and re.match(REFUSAL, answer.text)


# -- publication choice (bot/knowledge/classifier.py) --------------------------------------------

PUBLICATION_CASES = [
    # calibration questions where BM25 alone puts an entry of another publication first
    ("de mannen in de werkplaats zien de nieuwe robot als een bedreiging", "ssas-2025-techniek"),
    ("onze operators snappen niet waarom die nieuwe machine er komt, wat moet ik doen", "ssas-2025-techniek"),
]


@pytest.mark.parametrize("question,publication", PUBLICATION_CASES)
def test_the_publication_classifier_corrects_a_lone_bm25_match(retriever, question, publication):
    import dataclasses

    import numpy as np

    units = retriever.query_units(question)
    combined = retriever.combine(retriever.field_scores(units))
    bm25_alone = retriever.kb.entries[int(np.argmax(combined))].publication
    assert bm25_alone != publication  # the case is still a real one
    hit = retriever.search(question, k=1)[0]
    assert hit.entry.publication == publication
    assert hit.publication_probability > 0.5
    probabilities = retriever.publication_probabilities(question)
    assert set(probabilities) == set(retriever.kb.publications)
    assert abs(sum(probabilities.values()) - 1) < 1e-6
    without = Retriever(retriever.kb, retriever.analyzer,
                        dataclasses.replace(retriever.config, publication_weight=0.0))
    assert without.classifier is None
    assert without.search(question, k=1)[0].entry.publication == bm25_alone


def test_rank_puts_the_best_entry_of_the_chosen_publication_first(retriever):
    import numpy as np

    entries = retriever.kb.entries
    a = next(i for i, e in enumerate(entries) if e.publication == "ssas-2025-techniek")
    b = next(i for i, e in enumerate(entries) if e.publication == "werkplekleren-middenmoot")
    combined = np.zeros(len(entries))
    combined[a], combined[b] = 0.10, 0.12
    # BM25 alone: b first; a sure classifier vote for a's publication turns it around
    assert retriever.rank(combined, {})[:2] == [b, a]
    sure_a = {"ssas-2025-techniek": 0.9, "werkplekleren-middenmoot": 0.1}
    sure_b = {"ssas-2025-techniek": 0.1, "werkplekleren-middenmoot": 0.9}
    assert retriever.rank(combined, sure_a)[:2] == [a, b]
    assert retriever.rank(combined, sure_b)[:2] == [b, a]


def test_out_of_scope_questions_are_ranked_by_bm25_alone(retriever):
    """The classifier knows subjects, not prices: 'kost' must not pull in an entry on 'banen kosten'."""
    answer = retriever.answer("Hoeveel kost een lasrobot?")
    assert not answer.found and "Bron:" not in answer.text


# -- answerability (bot/knowledge/classifier.py, RankingConfig.accepts) ----------------------------


def test_the_answerability_classifier_separates_the_publications_subjects_from_other_questions(retriever):
    assert retriever.answerability.available
    answerable = [
        "wat doet zo'n 4.0 teamleider eigenlijk",
        "waarom moet ik mijn mensen betrekken bij de keuze van een cobot",
        "wat zijn de kernconclusies voor het mkb",
    ]
    unanswerable = [
        "wat kost een ur10e met grijper",
        "welke subsidie kan ik krijgen voor een cobot",
        "welke plc moet ik kopen voor mijn lasrobot",
    ]
    for question in answerable:
        assert retriever.answerability.probability(question) > 0.6, question
    for question in unanswerable:
        assert retriever.answerability.probability(question) < 0.4, question


def test_accepts_combines_the_lexical_match_and_the_classifier():
    import dataclasses

    config = dataclasses.replace(
        DEFAULT_CONFIG, min_score=0.05, min_coverage=0.5, sure_score=0.15, min_information=0.0,
        min_answerable=0.5, sure_answerable=0.9, floor_score=0.03, strong_score=0.25,
    )
    # a lexical match the classifier does not veto
    assert config.accepts(score=0.08, coverage=0.6, answerable=0.6)
    # ... vetoed by the classifier
    assert not config.accepts(score=0.08, coverage=0.6, answerable=0.4)
    # ... unless the match is strong (a name such as "Amfors" tells the classifier little)
    assert config.accepts(score=0.3, coverage=1.0, answerable=0.1)
    # no lexical match, but the classifier is sure and the entry scores above the floor
    assert config.accepts(score=0.04, coverage=0.2, answerable=0.95)
    assert not config.accepts(score=0.02, coverage=0.2, answerable=0.95)
    assert not config.accepts(score=0.04, coverage=0.2, answerable=0.85)
    # out of scope is never answered
    assert not config.accepts(score=0.3, coverage=1.0, answerable=0.99, in_scope=False)
    # a long question: the normalised score is diluted, the matched idf mass (coverage x information) is not
    long = dataclasses.replace(config, floor_matched=8.0)
    assert long.accepts(score=0.02, coverage=0.5, information=20.0, answerable=0.95)
    assert not long.accepts(score=0.02, coverage=0.3, information=20.0, answerable=0.95)
    assert not long.accepts(score=0.02, coverage=0.5, information=20.0, answerable=0.85)


def test_a_strong_match_overrules_the_classifier(retriever):
    """A bare name tells the classifier little; the entry matches every word of the question."""
    import dataclasses

    question = "Wie is Koen Nijland?"
    hit = retriever.search(question, k=1)[0]
    assert hit.entry.id == "ssas25-auteurs-en-colofon"
    assert hit.answerable < retriever.config.min_answerable  # the classifier alone would refuse
    assert hit.coverage >= retriever.config.strong_coverage and hit.score >= retriever.config.strong_score
    answer = retriever.answer(question)
    assert answer.found and answer.entry_ids == (hit.entry.id,)
    no_override = dataclasses.replace(retriever.config, strong_score=1.01)
    assert not no_override.accepts(
        hit.score, hit.coverage, hit.unknown, hit.in_scope, hit.information, hit.answerable
    )


def test_a_question_in_the_owners_words_is_answered_through_the_classifier(retriever):
    """Few words in common with the entry (a calibration question), but clearly about the subject."""
    import dataclasses

    question = "welke vakbondsmensen hebben meegedacht over het werknemersperspectief"
    hit = retriever.search(question, k=1)[0]
    lexical_only = dataclasses.replace(retriever.config, min_answerable=0.0, sure_answerable=1.01)
    assert not lexical_only.accepts(hit.score, hit.coverage, hit.unknown, hit.in_scope, hit.information)
    answer = retriever.answer(question)
    assert answer.found and answer.entry_ids == ("ti18-cnv-fnv",)
    assert "TechniekTalent.nu / a-advies / ECBI (2018)" in answer.text.splitlines()[-1]
