"""Loading and validation of the knowledge base: every problem names file, entry and field."""

from pathlib import Path
from textwrap import dedent

import pytest

from bot.knowledge import KnowledgeError, load_knowledge_base, load_synonyms

PUBLICATIONS = """\
publications:
  - id: ssas-2025-techniek
    title: "Praktische handvatten"
    citation: "Smart Skills@Scale (2025), Praktische handvatten"
  - id: ti-2018-sociale-innovatie
    title: "Smart Industry en Sociale Innovatie"
    citation: "TechniekTalent.nu (2018), Smart Industry en Sociale Innovatie"
"""

GOOD_ENTRY = """\
  - id: {id}
    section: "Een sectie"
    speaker: "Jannes Slomp, HAN"
    kind: handvat
    text: >-
      Een korte tekst in eigen woorden.
    topics: [teamleider]
    conclusions: [betrekken]
    questions:
      - Wat is een 4.0 teamleider?
"""


def entries_file(publication: str, *entries: str) -> str:
    return f"publication: {publication}\nentries:\n" + "".join(entries)


def make_kb(tmp_path: Path, files: dict, publications: str = PUBLICATIONS) -> Path:
    root = tmp_path / "knowledge"
    (root / "entries").mkdir(parents=True)
    (root / "publications.yml").write_text(publications, encoding="utf-8")
    for name, content in files.items():
        (root / "entries" / name).write_text(content, encoding="utf-8")
    return root


def problems_of(root: Path) -> list:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_base(root)
    message = str(info.value)
    assert message.startswith("Kennisbank ongeldig:")
    assert message.count("\n") == len(info.value.problems)
    return info.value.problems


def the_problem(root: Path) -> str:
    problems = problems_of(root)
    assert len(problems) == 1, problems
    return problems[0]


def test_a_valid_knowledge_base_loads(tmp_path):
    root = make_kb(
        tmp_path,
        {
            "ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", GOOD_ENTRY.format(id="ssas25-a")),
            "ti-2018-sociale-innovatie.yml": entries_file(
                "ti-2018-sociale-innovatie", GOOD_ENTRY.format(id="ti18-b")
            ),
        },
    )
    kb = load_knowledge_base(root)
    assert [e.id for e in kb.entries] == ["ssas25-a", "ti18-b"]
    entry = kb.entry("ti18-b")
    assert entry.publication == "ti-2018-sociale-innovatie"
    assert entry.text == "Een korte tekst in eigen woorden."
    assert entry.questions == ("Wat is een 4.0 teamleider?",)
    assert entry.conclusions == ("betrekken",)
    assert kb.publication("ssas-2025-techniek").citation.startswith("Smart Skills@Scale (2025)")


def test_unknown_publication_of_the_file(tmp_path):
    root = make_kb(tmp_path, {"onbekend.yml": entries_file("onbekend", GOOD_ENTRY.format(id="ssas25-a"))})
    problem = the_problem(root)
    assert "knowledge/entries/onbekend.yml" in problem
    assert "'publication'" in problem and "onbekende publicatie-id 'onbekend'" in problem


def test_unknown_publication_of_an_entry(tmp_path):
    entry = GOOD_ENTRY.format(id="ssas25-a").replace("    kind:", "    publication: fantasie-2030\n    kind:")
    root = make_kb(tmp_path, {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", entry)})
    problem = the_problem(root)
    assert "knowledge/entries/ssas-2025-techniek.yml" in problem
    assert "entry 'ssas25-a'" in problem and "'publication'" in problem and "fantasie-2030" in problem


def test_file_publication_must_match_the_file_name(tmp_path):
    root = make_kb(
        tmp_path,
        {
            "ti-2018-sociale-innovatie.yml": entries_file(
                "ssas-2025-techniek", GOOD_ENTRY.format(id="ssas25-a")
            )
        },
    )
    problem = the_problem(root)
    assert "ti-2018-sociale-innovatie.yml" in problem and "'publication'" in problem


def test_unknown_conclusion(tmp_path):
    entry = GOOD_ENTRY.format(id="ssas25-a").replace("[betrekken]", "[betrekken, luisteren]")
    root = make_kb(tmp_path, {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", entry)})
    problem = the_problem(root)
    assert "knowledge/entries/ssas-2025-techniek.yml" in problem
    assert "entry 'ssas25-a'" in problem and "'conclusions'" in problem
    assert "onbekende kernconclusie 'luisteren'" in problem and "jong_talent" in problem


def test_duplicate_entry_id_across_files(tmp_path):
    root = make_kb(
        tmp_path,
        {
            "ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", GOOD_ENTRY.format(id="ssas25-a")),
            "ti-2018-sociale-innovatie.yml": entries_file(
                "ti-2018-sociale-innovatie", GOOD_ENTRY.format(id="ti18-a"), GOOD_ENTRY.format(id="ssas25-a")
            ),
        },
    )
    problems = problems_of(root)
    duplicate = [p for p in problems if "dubbele entry-id" in p]
    assert len(duplicate) == 1
    assert "knowledge/entries/ti-2018-sociale-innovatie.yml" in duplicate[0]
    assert "entry 'ssas25-a'" in duplicate[0] and "'id'" in duplicate[0]
    assert "knowledge/entries/ssas-2025-techniek.yml" in duplicate[0]  # where it was first


@pytest.mark.parametrize(
    "old,new",
    [
        (">-\n      Een korte tekst in eigen woorden.\n", '""\n'),  # empty
        ("    text: >-\n      Een korte tekst in eigen woorden.\n", ""),  # missing
    ],
    ids=["empty", "missing"],
)
def test_missing_or_empty_text(tmp_path, old, new):
    entry = GOOD_ENTRY.format(id="ssas25-a").replace(old, new)
    root = make_kb(tmp_path, {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", entry)})
    problem = the_problem(root)
    assert "knowledge/entries/ssas-2025-techniek.yml" in problem
    assert "entry 'ssas25-a'" in problem and "'text'" in problem and "ontbreekt of is leeg" in problem


@pytest.mark.parametrize(
    "replacement,expected",
    [("    questions: []\n", "is leeg"), ("", "ontbreekt")],
    ids=["empty", "missing"],
)
def test_empty_or_missing_questions(tmp_path, replacement, expected):
    entry = GOOD_ENTRY.format(id="ssas25-a").replace(
        "    questions:\n      - Wat is een 4.0 teamleider?\n", replacement
    )
    root = make_kb(tmp_path, {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", entry)})
    problem = the_problem(root)
    assert "entry 'ssas25-a'" in problem and "'questions'" in problem and expected in problem
    assert "knowledge/entries/ssas-2025-techniek.yml" in problem


def test_unknown_kind(tmp_path):
    entry = GOOD_ENTRY.format(id="ssas25-a").replace("kind: handvat", "kind: mening")
    root = make_kb(tmp_path, {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", entry)})
    problem = the_problem(root)
    assert "knowledge/entries/ssas-2025-techniek.yml" in problem
    assert "entry 'ssas25-a'" in problem and "'kind'" in problem and "onbekende soort 'mening'" in problem


def test_wrong_id_prefix(tmp_path):
    root = make_kb(
        tmp_path,
        {
            "ti-2018-sociale-innovatie.yml": entries_file(
                "ti-2018-sociale-innovatie", GOOD_ENTRY.format(id="ssas25-x")
            )
        },
    )
    problem = the_problem(root)
    assert "knowledge/entries/ti-2018-sociale-innovatie.yml" in problem
    assert "entry 'ssas25-x'" in problem and "'id'" in problem and "'ti18-'" in problem


def test_yaml_syntax_error_names_the_file(tmp_path):
    broken = "publication: ssas-2025-techniek\nentries:\n  - id: ssas25-a\n    text: [niet gesloten\n"
    root = make_kb(tmp_path, {"ssas-2025-techniek.yml": broken})
    problem = the_problem(root)
    assert problem.startswith("knowledge/entries/ssas-2025-techniek.yml: YAML-syntaxfout")
    assert "regel" in problem


def test_all_problems_are_reported_together(tmp_path):
    bad = (
        GOOD_ENTRY.format(id="ssas25-a").replace("kind: handvat", "kind: mening")
        + GOOD_ENTRY.format(id="ssas25-b").replace("[betrekken]", "[onzin]")
        + GOOD_ENTRY.format(id="fout-c")
    )
    root = make_kb(
        tmp_path,
        {
            "ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", bad),
            "ti-2018-sociale-innovatie.yml": "publication: [\n",
        },
    )
    problems = problems_of(root)
    assert len(problems) == 4
    joined = "\n".join(problems)
    for expected in (
        "entry 'ssas25-a', veld 'kind'",
        "entry 'ssas25-b', veld 'conclusions'",
        "entry 'fout-c', veld 'id'",
    ):
        assert expected in joined
    assert "ti-2018-sociale-innovatie.yml: YAML-syntaxfout" in joined


def test_publication_without_citation(tmp_path):
    publications = PUBLICATIONS.replace(
        '    citation: "TechniekTalent.nu (2018), Smart Industry en Sociale Innovatie"\n', ""
    )
    root = make_kb(
        tmp_path,
        {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", GOOD_ENTRY.format(id="ssas25-a"))},
        publications=publications,
    )
    problem = the_problem(root)
    assert "knowledge/publications.yml" in problem
    assert "publicatie 'ti-2018-sociale-innovatie'" in problem and "'citation'" in problem


def test_invalid_synonyms_file_names_file_and_field(tmp_path):
    root = tmp_path / "knowledge"
    root.mkdir()
    (root / "synonyms.yml").write_text(
        dedent(
            """\
            groepen:
              cobot: robotarm
            woorddelen: [robot]
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as info:
        load_synonyms(root)
    assert "knowledge/synonyms.yml" in str(info.value)
    assert "groep 'cobot'" in str(info.value) and "'groepen'" in str(info.value)


def test_the_real_knowledge_base_is_valid():
    kb = load_knowledge_base()
    assert len(kb.publications) == 5
    assert len(kb) >= 200
    assert all(e.questions for e in kb.entries)


# -- training questions (knowledge/training/*.yml) -------------------------------------------------


def _with_training(tmp_path: Path, *files: str) -> Path:
    root = make_kb(
        tmp_path,
        {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", GOOD_ENTRY.format(id="ssas25-a"))},
    )
    (root / "training").mkdir()
    for index, content in enumerate(files, start=1):
        (root / "training" / f"set_{index}.yml").write_text(dedent(content), encoding="utf-8")
    return root


def test_training_questions_load_with_their_label(tmp_path):
    root = _with_training(
        tmp_path,
        """\
        questions:
          - q: "moet ik de jongens er al bij halen?"
            publication: ssas-2025-techniek
            about: "Marijke Bergman"
          - q: "wat kost een cobot?"
            kind: prijs
        """,
    )
    kb = load_knowledge_base(root)
    answerable, unanswerable = kb.training
    assert (answerable.q, answerable.publication, answerable.answerable) == (
        "moet ik de jongens er al bij halen?", "ssas-2025-techniek", True)
    assert (unanswerable.publication, unanswerable.kind, unanswerable.answerable) == (None, "prijs", False)
    assert unanswerable.source_file == "knowledge/training/set_1.yml"


def test_without_a_training_folder_there_are_no_training_questions(tmp_path):
    root = make_kb(
        tmp_path,
        {"ssas-2025-techniek.yml": entries_file("ssas-2025-techniek", GOOD_ENTRY.format(id="ssas25-a"))},
    )
    assert load_knowledge_base(root).training == []


@pytest.mark.parametrize(
    "item,expected",
    [
        (
            '  - q: "vraag"\n    publication: onbekend-rapport\n',
            "vraag nr. 1, veld 'publication': onbekende publicatie-id 'onbekend-rapport'",
        ),
        ('  - q: ""\n    kind: prijs\n', "vraag nr. 1, veld 'q': ontbreekt of is leeg"),
        ('  - publication: ssas-2025-techniek\n', "vraag nr. 1, veld 'q': ontbreekt of is leeg"),
        ('  - q: "vraag zonder label"\n', "vraag nr. 1: noem 'publication'"),
        ("  - gewoon tekst\n", "vraag nr. 1: is geen mapping"),
    ],
)
def test_invalid_training_question_names_file_number_and_field(tmp_path, item, expected):
    root = _with_training(tmp_path, "questions:\n" + item)
    problem = the_problem(root)
    assert problem.startswith("knowledge/training/set_1.yml: ")
    assert expected in problem


def test_duplicate_training_question_names_both_places(tmp_path):
    root = _with_training(
        tmp_path,
        'questions:\n  - q: "Wat is job carving?"\n    publication: ssas-2025-techniek\n',
        'questions:\n  - q: "wat is  job carving?"\n    kind: dubbel\n',
    )
    problem = the_problem(root)
    assert problem == (
        "knowledge/training/set_2.yml: vraag nr. 1, veld 'q': dubbele vraag "
        "(ook in knowledge/training/set_1.yml, vraag nr. 1)"
    )


def test_empty_training_file(tmp_path):
    root = _with_training(tmp_path, "questions: []\n")
    assert the_problem(root) == (
        "knowledge/training/set_1.yml: veld 'questions': ontbreekt of is geen (gevulde) lijst"
    )


def test_the_real_training_questions():
    kb = load_knowledge_base()
    answerable = [t for t in kb.training if t.answerable]
    unanswerable = [t for t in kb.training if not t.answerable]
    assert len(answerable) >= 400 and len(unanswerable) >= 300
    assert {t.publication for t in answerable} == set(kb.publications)
