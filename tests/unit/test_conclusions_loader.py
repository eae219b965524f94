"""Loading knowledge/conclusions.yml: every error names file, conclusion, rule and field."""

from __future__ import annotations

import copy

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.conclusions import CONCLUSION_IDS, ConclusionEngine, ConclusionsFileError, load_rulebook
from bot.conclusions.cases import CaseFileError, load_cases
from bot.conclusions.terms import term_error

RULES = PROJECT_ROOT / "knowledge" / "conclusions.yml"
ENTRIES = PROJECT_ROOT / "knowledge" / "entries"
RAW = yaml.safe_load(RULES.read_text(encoding="utf-8"))


def write(tmp_path, data) -> "object":
    path = tmp_path / "conclusions.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_error(tmp_path, mutate) -> str:
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(ConclusionsFileError) as info:
        load_rulebook(write(tmp_path, data), entries_dir=ENTRIES)
    return str(info.value)


def rule(data, cid, rid):
    return next(r for r in data["conclusies"][cid]["regels"] if r["id"] == rid)


def test_the_project_file_loads():
    book = load_rulebook(RULES)
    assert list(book.conclusions) == list(CONCLUSION_IDS)
    assert sum(len(c.rules) for c in book.conclusions.values()) > 60


def test_a_copy_without_changes_loads(tmp_path):
    book = load_rulebook(write(tmp_path, RAW), entries_dir=ENTRIES)
    assert list(book.conclusions) == list(CONCLUSION_IDS)


def test_bad_effect_names_file_conclusion_rule_and_field(tmp_path):
    msg = load_error(
        tmp_path, lambda d: rule(d, "betrekken", "betrekken.niet_betrokken").update(effect="opp_orde")
    )
    assert "conclusions.yml" in msg
    assert "conclusie 'betrekken'" in msg
    assert "regel 'betrekken.niet_betrokken'" in msg
    assert "veld 'effect'" in msg and "opp_orde" in msg


def test_unknown_knowledge_entry_in_handles(tmp_path):
    def mutate(d):
        d["conclusies"]["uitleggen"]["handvatten"][0]["bronnen"].append("ssas25-bestaat-niet")

    msg = load_error(tmp_path, mutate)
    assert "conclusie 'uitleggen'" in msg and "veld 'bronnen'" in msg and "ssas25-bestaat-niet" in msg


def test_unknown_word_group(tmp_path):
    msg = load_error(
        tmp_path,
        lambda d: rule(d, "meerwaarde", "meerwaarde.leuker").update(patronen=[["LEUKER", "ONBEKEND"]]),
    )
    assert "regel 'meerwaarde.leuker'" in msg and "veld 'patronen'" in msg and "ONBEKEND" in msg


def test_bad_term_syntax(tmp_path):
    msg = load_error(
        tmp_path,
        lambda d: rule(d, "rondkijken", "rondkijken.gekeken").update(patronen=[["kij*ken", "ANDEREN"]]),
    )
    assert "regel 'rondkijken.gekeken'" in msg and "kij*ken" in msg


def test_answer_needs_slots(tmp_path):
    def mutate(d):
        r = rule(d, "rondkijken", "rondkijken.slot_ja")
        del r["slots"]

    msg = load_error(tmp_path, mutate)
    assert "regel 'rondkijken.slot_ja'" in msg and "veld 'antwoord'" in msg


def test_except_slots_must_be_known_questions_not_also_in_slots(tmp_path):
    def unknown(d):
        rule(d, "uitleggen", "uitleggen.besproken")["behalve_slots"] = ["rondkijkn"]

    msg = load_error(tmp_path, unknown)
    assert "regel 'uitleggen.besproken'" in msg and "veld 'behalve_slots'" in msg and "rondkijkn" in msg

    def both(d):
        r = rule(d, "rondkijken", "rondkijken.slot_ja")
        r["behalve_slots"] = list(r["slots"])

    assert "ook onder 'slots'" in load_error(tmp_path, both)


def test_a_rule_does_not_fire_in_answers_to_its_except_slots():
    from bot.conclusions import Statement

    engine = ConclusionEngine.from_file(learned=False)
    text = "daar uitgebreid met de mensen aan de printer gesproken"
    assert "uitleggen.besproken" in {e.rule_id for e in engine.explain(Statement(text=text))}
    assert "uitleggen.besproken" not in {
        e.rule_id for e in engine.explain(Statement(text=text, slot="rondkijken"))
    }


def test_single_group_without_slots_is_not_evidence(tmp_path):
    msg = load_error(
        tmp_path,
        lambda d: rule(d, "betrekken", "betrekken.vertegenwoordiging").update(patronen=[["WERKVLOER"]]),
    )
    assert "veld 'patronen'" in msg and "één woordgroep" in msg


def test_duplicate_and_misnamed_rule_ids(tmp_path):
    def mutate(d):
        rules = d["conclusies"]["betrekken"]["regels"]
        rules.append(copy.deepcopy(rules[0]))
        rules.append(dict(copy.deepcopy(rules[1]), id="uitleggen.verkeerde_plek"))

    msg = load_error(tmp_path, mutate)
    assert "dubbele regel-id" in msg
    assert "regel 'uitleggen.verkeerde_plek'" in msg and "veld 'id'" in msg


def test_unknown_rule_field_and_bad_values(tmp_path):
    def mutate(d):
        r = rule(d, "jong_talent", "jong_talent.tekort")
        r.update(ontkennig="vereist", venster=-1, tijd="morgen", slots=["salaris"])

    msg = load_error(tmp_path, mutate)
    for field in ("ontkennig", "venster", "tijd", "slots"):
        assert f"veld '{field}'" in msg, field
    assert "salaris" in msg


def test_missing_conclusion_and_missing_signals(tmp_path):
    def mutate(d):
        del d["conclusies"]["kennisinstellingen"]
        del d["signalen"]["ontkenning"]

    msg = load_error(tmp_path, mutate)
    assert "conclusie 'kennisinstellingen'" in msg and "ontbreekt" in msg
    assert "signalen 'ontkenning'" in msg


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConclusionsFileError, match="niet gevonden"):
        load_rulebook(tmp_path / "nope.yml", entries_dir=ENTRIES)
    bad = tmp_path / "bad.yml"
    bad.write_text("conclusies: [\n", encoding="utf-8")
    with pytest.raises(ConclusionsFileError, match="geen geldige YAML"):
        load_rulebook(bad, entries_dir=ENTRIES)


def test_engine_from_file_validates(tmp_path):
    data = copy.deepcopy(RAW)
    rule(data, "betrekken", "betrekken.testen")["tijd"] = "ooit"
    with pytest.raises(ConclusionsFileError, match="regel 'betrekken.testen'"):
        ConclusionEngine.from_file(write(tmp_path, data), entries_dir=ENTRIES)


@pytest.mark.parametrize(
    "term, ok",
    [
        ("betrok*", True),
        ("*medewerker*", True),
        ("nog niet", True),
        ("boven de #getal", True),
        ("#getal>=45", True),
        ("kij*ken", False),
        ("", False),
        ("**", False),
        ("#nummer", False),
    ],
)
def test_term_syntax(term, ok):
    assert (term_error(term) is None) is ok


def test_case_file_errors_name_the_case_and_field(tmp_path):
    path = tmp_path / "cases.yml"
    path.write_text(
        "cases:\n  - id: x1\n    statements: ['a']\n    expected: {uitleggen: aandachtspunt}\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError, match="case 'x1', field 'expected'"):
        load_cases(path)
    path.write_text(
        "cases:\n  - id: x2\n    statements: [{slot: salaris, text: 'a'}]\n    expected: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError, match="unknown slot"):
        load_cases(path)


def test_zonder_zin_must_be_a_list_of_known_terms(tmp_path):
    def not_a_list(d):
        rule(d, "uitleggen", "uitleggen.besluit_van_bovenaf")["zonder_zin"] = "pas daarna"

    msg = load_error(tmp_path, not_a_list)
    assert "veld 'zonder_zin'" in msg and "een lijst" in msg

    def unknown_group(d):
        rule(d, "uitleggen", "uitleggen.besluit_van_bovenaf")["zonder_zin"] = ["ONBEKENDE_GROEP"]

    assert "ONBEKENDE_GROEP" in load_error(tmp_path, unknown_group)
