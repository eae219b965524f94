"""The learned layer of the conclusion engine (bot/conclusions/learned.py) and its training data."""

from __future__ import annotations

import time

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.conclusions import CONCLUSION_IDS, Assessment, ConclusionEngine, Statement
from bot.conclusions.cases import load_cases
from bot.conclusions.learned import (
    DEFAULT_TRAINING,
    WORST_COST,
    StatusModel,
    TrainingCase,
    TrainingFileError,
    load_training,
    training_in_sync,
)
from tests.scripts import load_script

TRAINING = load_training()


@pytest.fixture(scope="module")
def bot_engine() -> ConclusionEngine:
    return ConclusionEngine.from_file()


@pytest.fixture(scope="module")
def rules() -> ConclusionEngine:
    return ConclusionEngine.from_file(learned=False)


# --------------------------------------------------------------------------- training data


def test_training_file_matches_the_case_files():
    assert training_in_sync(TRAINING) == []


def test_training_file_names_its_sets_and_the_commits_of_their_first_measurement():
    meta = yaml.safe_load(DEFAULT_TRAINING.read_text(encoding="utf-8"))
    measured = {m["file"]: m["rules_commit"] for m in meta["measured"]}
    assert len(measured) >= 11 and all(len(c) >= 7 for c in measured.values())
    for case in TRAINING:
        # blind sets carry the rules' statuses of their first measurement; the others teach words only
        assert (case.rules is not None) == (case.source in measured), case.id
    assert {c.source for c in TRAINING if c.rules is None} == set(meta["text_only"])
    # the developers' own cases are in (as words only), so the bot's engine still gets them all right
    assert "tests/data/conclusion_cases.yml" in meta["text_only"]


def test_stored_rule_statuses_are_those_of_the_first_measurement_not_of_today(rules):
    # Set 9 scored 93.6% at its first measurement (docs/conclusions.md); today's rules, improved on it,
    # do better. The stored statuses must give the old figure, or the layer would learn to trust the
    # rules more than they deserve on new text.
    cases = [c for c in TRAINING if c.source.endswith("conclusion_cases_fresh9.yml")]
    assert len(cases) == 70
    stored = sum(c.rules[cid] == c.expected[cid] for c in cases for cid in CONCLUSION_IDS)
    assert stored == 393
    today = 0
    for c in cases:
        assessment = rules.assess([Statement(text, slot, i) for i, (slot, text) in enumerate(c.statements)])
        today += sum(assessment.status(cid) == c.expected[cid] for cid in CONCLUSION_IDS)
    assert today > stored


def _write(tmp_path, cases):
    path = tmp_path / "training.yml"
    path.write_text(yaml.safe_dump({"cases": cases}, allow_unicode=True), encoding="utf-8")
    return path


GOOD = {
    "id": "a1",
    "source": "x.yml",
    "statements": [{"slot": "motief", "text": "puur kosten"}],
    "expected": {cid: "onbekend" for cid in CONCLUSION_IDS},
}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"expected": {"uitleggen": "onbekend"}}, "field 'expected': all six conclusion ids"),
        ({"rules": {cid: "goed" for cid in CONCLUSION_IDS}}, "unknown status"),
        ({"statements": [{"slot": "motivatie", "text": "x"}]}, "unknown slot 'motivatie'"),
        ({"statements": []}, "field 'statements'"),
    ],
)
def test_training_loader_names_case_and_field(tmp_path, change, message):
    with pytest.raises(TrainingFileError) as err:
        load_training(_write(tmp_path, [dict(GOOD, **change)]))
    assert "case 'a1'" in str(err.value) and message in str(err.value)


def test_training_loader_refuses_duplicate_ids(tmp_path):
    with pytest.raises(TrainingFileError, match="duplicate"):
        load_training(_write(tmp_path, [GOOD, GOOD]))


# --------------------------------------------------------------------------- the layer in the engine


def test_own_labelled_cases_stay_right_with_the_layer(bot_engine):
    cases = load_cases(PROJECT_ROOT / "tests" / "data" / "conclusion_cases.yml")
    wrong = [
        (c.id, cid)
        for c in cases
        for cid, want in c.expected.items()
        if bot_engine.assess(c.statements).status(cid) != want
    ]
    assert wrong == []


def test_a_bare_yes_or_no_is_left_to_the_rules(bot_engine, rules):
    # a bare "ja" to "Zijn de mensen van de werkvloer betrokken ...?" gives the layer no words to weigh,
    # only the question: the rules' reading stands, with the rule as evidence
    answer = [Statement("ja", slot="betrokkenheid")]
    assessment = bot_engine.assess(answer)
    assert assessment.status("betrekken") == rules.assess(answer).status("betrekken") == "op_orde"
    assert [ev.rule_id for ev in assessment.evidence("betrekken")] == ["betrekken.slot_ja"]
    assert bot_engine.left_to_rules([("betrokkenheid", "ja")]) == {"betrekken"}
    # as soon as the owner says more about it, the layer weighs it again
    more = (None, "nou nee eigenlijk, de operators hebben er niks over te zeggen gehad")
    assert bot_engine.left_to_rules([("betrokkenheid", "ja"), more]) == set()


def test_what_the_owner_does_not_know_is_left_to_the_rules(bot_engine):
    # blind REST s172: "geen idee" to "Wat levert de nieuwe techniek je medewerkers zelf op?"; the layer read
    # op_orde for meerwaarde into the answer about learning. The owner's last answer to the question of a
    # conclusion the rules found nothing for decides: "geen idee", "weet ik niet", "sla over": onbekend
    before = [
        ("verandering_werk", "ze krijgen hun orders in een andere volgorde, verder weinig"),
        ("leren", "de planner krijgt een cursus van de leverancier, de rest hoeft niks te leren"),
    ]
    for answer in ("geen idee", "sla over", "weet ik niet, daar heb ik nog niet over nagedacht"):
        statements = before[:1] + [("meerwaarde_medewerkers", answer)] + before[1:]
        assert "meerwaarde" in bot_engine.left_to_rules(statements), answer
        assessment = bot_engine.assess([Statement(t, slot=q) for q, t in statements])
        assert assessment.status("meerwaarde") == "onbekend", answer
    # not when the owner says it after all, later or in the same answer (the rules find a status)
    said = [("meerwaarde_medewerkers", "geen idee"), (None, "ze hoeven in elk geval niet meer te tillen")]
    assert "meerwaarde" not in bot_engine.left_to_rules(said)
    # nor when another answer to the question follows
    later = [("meerwaarde_medewerkers", "geen idee"), ("meerwaarde_medewerkers", "ze vinden het leuk werk")]
    assert "meerwaarde" not in bot_engine.left_to_rules(later)


def test_a_bare_nee_to_the_three_part_labour_market_question_says_nothing(bot_engine, rules):
    # "vacatures die open blijven, vergrijzing, lukt het om jonge mensen te vinden?": "nee" can be "geen
    # vacatures" or "het lukt niet", so no status (the bot asks); a clear answer is the rules' call
    for bare in ("nee", "ja"):
        answer = [Statement(bare, slot="arbeidsmarkt")]
        assert rules.assess(answer).status("jong_talent") == "onbekend"
        assessment = bot_engine.assess(answer)
        assert assessment.status("jong_talent") == "onbekend" and assessment.evidence("jong_talent") == []
    clear = bot_engine.assess([Statement("nee, valt mee, we hebben genoeg mensen", slot="arbeidsmarkt")])
    assert clear.status("jong_talent") == "op_orde"
    assert all(ev.rule_id.startswith("jong_talent.") for ev in clear.evidence("jong_talent"))


def test_the_layer_reads_per_conclusion_only_the_answers_about_it(bot_engine):
    model = bot_engine.model
    # the scope is the rules file's "slots" of each conclusion, one home for the mapping
    assert model.scope == {cid: frozenset(c.slots) for cid, c in bot_engine.rulebook.conclusions.items()}
    assert "arbeidsmarkt" in model.scope["jong_talent"] and "arbeidsmarkt" not in model.scope["betrekken"]
    labour = model.columns({"slot=arbeidsmarkt": 1.0, "w=niet": 1.0, "w=weg": 1.0})
    free = model.columns({"slot=vrij": 1.0, "w=niet": 1.0})
    fired = model.columns({"slot=arbeidsmarkt": 1.0, "about=betrekken": 1.0, "w=operator": 1.0})
    statements = [labour, free, fired]
    assert model._scoped("jong_talent", statements) == [0, 1, 2]
    # the answer about the labour market counts for involvement only where a rule of it fired there
    assert model._scoped("betrekken", statements) == [1, 2]
    assert model._scoped("rondkijken", [labour]) == []
    # with no answer in scope the layer may ask (onbekend), never give a status without the owner's words
    for cid, (status, _, index) in model.decide([labour], {c: "onbekend" for c in CONCLUSION_IDS}).items():
        assert cid == "jong_talent" or (status == "onbekend" and index is None)
    # "about=" and "says=" only steer: they do not move the probabilities
    for name in ("about=betrekken", "says=betrekken"):
        assert model._coef["betrekken"][model._vec.vocabulary_[name]].tolist() == [0.0, 0.0, 0.0]


def test_the_layer_names_no_gap_on_the_statement_where_the_owner_says_it_is_in_order():
    # a small model that learned "onrust" as a gap in explaining: on a statement where the rules read the
    # owner saying it is behind them ("die onrust is inmiddels over, ik heb het uitgelegd": says=uitleggen)
    # the layer leaves the rules' op_orde; on the same words without that reading it names the gap
    def case(i, words, label, rule):
        # every conclusion needs two statuses in training: the others are a gap in the "z" cases
        expected = {c: "aandachtspunt" if words[0].startswith("z") else "onbekend" for c in CONCLUSION_IDS}
        rules = dict(expected)
        expected["uitleggen"], rules["uitleggen"] = label, rule
        return TrainingCase(f"t{i}", "synthetic", ((None, " ".join(words)),), expected, rules)

    cases = [case(i, ["onrust", "chauffeurs", f"x{i}"], "aandachtspunt", "op_orde") for i in range(30)]
    cases += [case(100 + i, ["uitgelegd", f"y{i}"], "op_orde", "op_orde") for i in range(30)]
    cases += [case(200 + i, [f"z{i}"], "onbekend", "onbekend") for i in range(30)]

    def features(c):
        feats = {"slot=vrij": 1.0, **{"w=" + w: 1.0 for w in c.statements[0][1].split()}}
        if "w=uitgelegd" in feats:
            feats["says=uitleggen"] = 1.0  # where the rules read "uitgelegd" as op_orde
        return [feats]

    model = StatusModel.train(cases, features)
    statuses = {c: "onbekend" for c in CONCLUSION_IDS}
    statuses["uitleggen"] = "op_orde"
    words = {"slot=vrij": 1.0, "w=onrust": 1.0, "w=chauffeurs": 1.0}
    assert model.decide([model.columns(words)], statuses)["uitleggen"][0] == "aandachtspunt"
    said = model.columns(dict(words, **{"says=uitleggen": 1.0}))
    assert model._says_col["uitleggen"] in said
    assert "uitleggen" not in model.decide([said], statuses)


def test_the_layer_takes_no_status_from_an_answer_that_opens_with_dont_know(bot_engine):
    # a small model that learned "nooit gevraagd" as a gap in added value; an answer that opens with "geen
    # idee" gives it no status (blind REST s149: "geen idee eigenlijk. dat heb ik ze nooit gevraagd")
    from bot.conclusions.learned import DONT_KNOW

    def case(i, words, label):
        expected = {c: "aandachtspunt" if words[0].startswith("z") else "onbekend" for c in CONCLUSION_IDS}
        expected["meerwaarde"] = label
        return TrainingCase(f"t{i}", "synthetic", ((None, " ".join(words)),), expected, dict(expected))

    cases = [case(i, ["nooit", "gevraagd", f"x{i}"], "aandachtspunt") for i in range(30)]
    cases += [case(100 + i, [f"z{i}"], "onbekend") for i in range(30)]

    def features(c):
        feats = {"slot=vrij": 1.0, **{"w=" + w: 1.0 for w in c.statements[0][1].split()}}
        if c.id == "t0":
            feats[DONT_KNOW] = 1.0  # seen once, so the column exists; not weighed
        return [feats]

    model = StatusModel.train(cases, features)
    statuses = {c: "onbekend" for c in CONCLUSION_IDS}
    words = {"slot=vrij": 1.0, "w=nooit": 1.0, "w=gevraagd": 1.0}
    assert model.decide([model.columns(words)], statuses)["meerwaarde"][0] == "aandachtspunt"
    assert "meerwaarde" not in model.decide([model.columns(dict(words, **{DONT_KNOW: 1.0}))], statuses)
    # the engine marks such answers, and only at the opening
    analyse = bot_engine._analyse_all
    opens = [
        analyse([Statement(text)])[0].analysis.opens_with_dont_know
        for text in (
            "geen idee eigenlijk. dat heb ik ze nooit gevraagd",
            "tja, weet ik niet, nooit gevraagd",
            "ze zien op het scherm de volgende stap, geen idee waarom",
            "sla maar over, daar heb ik nog niet over nagedacht",
        )
    ]
    assert opens == [True, True, False, True]  # "sla over" too: the owner does not tell (blind REST s127)


def test_a_status_from_the_layer_names_the_model_and_the_owners_statement(bot_engine, rules):
    conversation = [
        Statement("een digital twin van de indampinstallatie", slot="technologie", turn=0),
        Statement(
            "de operators hebben aangewezen waar de sensoren moeten komen, "
            "zij kennen de installatie het beste",
            slot="betrokkenheid",
            turn=1,
        ),
        Statement(
            "we doen mee in een tno project samen met de universiteit twente", slot="kennispartners", turn=2
        ),
    ]
    assert rules.assess(conversation).status("betrekken") == "onbekend"
    assessment = bot_engine.assess(conversation)
    assert assessment.status("betrekken") == "op_orde"
    (evidence,) = assessment.evidence("betrekken")
    assert evidence.rule_id == "model.betrekken"
    assert evidence.turn == 1 and evidence.text.startswith("de operators hebben aangewezen")
    assert evidence.effect == "op_orde" and "%" in evidence.rule_description
    # the other conclusions keep the rules' evidence
    assert assessment.status("kennisinstellingen") == "op_orde"
    assert all(
        ev.rule_id.startswith("kennisinstellingen.") for ev in assessment.evidence("kennisinstellingen")
    )
    # the slot contract carries it and reads it back
    slot = assessment.to_slot()
    assert slot["betrekken"]["evidence"][0]["rule"] == "model.betrekken"
    back = Assessment.from_slot(slot)
    assert (
        back.status("betrekken") == "op_orde" and back.evidence("betrekken")[0].rule_id == "model.betrekken"
    )


def test_layer_asks_rather_than_naming_a_gap_the_owner_may_have_denied(bot_engine):
    # the status with the lowest expected cost, where aandachtspunt-while-op_orde costs 1 + WORST_COST
    model = bot_engine.model
    assert WORST_COST >= 1
    assert model.choose({"aandachtspunt": 0.8, "op_orde": 0.1, "onbekend": 0.1}) == "aandachtspunt"
    # the most likely status, but the owner may well have said the opposite: ask, or take op_orde
    assert model.choose({"aandachtspunt": 0.55, "op_orde": 0.2, "onbekend": 0.25}) == "onbekend"
    assert model.choose({"aandachtspunt": 0.6, "op_orde": 0.35, "onbekend": 0.05}) == "op_orde"
    # the other statuses are plain argmax
    assert model.choose({"aandachtspunt": 0.1, "op_orde": 0.5, "onbekend": 0.4}) == "op_orde"
    assert model.choose({"aandachtspunt": 0.0, "op_orde": 0.3, "onbekend": 0.7}) == "onbekend"


def test_a_withdrawn_statement_does_not_count_for_the_layer_either(bot_engine, rules):
    # blind REST conversation s47 (session 8): "ja, met de hogeschool" taken back after the intake
    said = Statement("ja we werken samen met de hogeschool", slot="kennispartners", turn=1)
    withdrawn = Statement("nee wacht, dat klopt niet. die samenwerking was voor een ander project", turn=2)
    # the correction withdraws the first statement and, with no evidence of its own, counts for nothing
    assert bot_engine.counted([(said.slot, said.text), (None, withdrawn.text)]) == []
    assert bot_engine.assess([said]).status("kennisinstellingen") == "op_orde"
    # the rules withdraw the first statement; so does the layer, which would otherwise still read
    # "ja ... samen met de hogeschool" and say op_orde
    assert rules.assess([said, withdrawn]).status("kennisinstellingen") == "onbekend"
    assert bot_engine.assess([said, withdrawn]).status("kennisinstellingen") != "op_orde"


def test_rules_only_gives_what_the_rules_say(bot_engine, rules):
    conversation = [Statement("nee", slot="arbeidsmarkt")]
    assert bot_engine.assess(conversation, rules_only=True).statuses == rules.assess(conversation).statuses


def test_layer_keeps_questions_and_empty_input_empty(bot_engine):
    assert all(s == "onbekend" for s in bot_engine.assess([]).statuses.values())
    assert all(s == "onbekend" for s in bot_engine.assess(["wat kost een cobot?"]).statuses.values())
    assert all(
        s == "onbekend" for s in bot_engine.assess([Statement("", slot="betrokkenheid")]).statuses.values()
    )


def test_bot_engine_is_fast_enough(bot_engine):
    conversation = [
        s for c in load_cases(PROJECT_ROOT / "tests" / "data" / "conclusion_cases.yml") for s in c.statements
    ][:20]
    bot_engine.assess(conversation)
    warm = min(_timed(lambda: bot_engine.assess(conversation)) for _ in range(5))
    assert warm < 0.02  # ~2.3 ms on an idle machine (docs/conclusions.md); generous for loaded CI
    cold = min(_timed(lambda: (bot_engine.clear_caches(), bot_engine.assess(conversation))) for _ in range(3))
    assert cold < 0.1


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- the figure that justifies it


def test_leave_one_set_out_beats_the_rules_on_unseen_text():
    """Regression guard at the session-9 figures (docs/conclusions.md): 19 sets, rules at their first
    measurement 93.1% with 37 worst errors; rules + layer 97.1% with 10 (session 8, 17 sets: 97.0% with 8);
    as long conversations (2-4 cases merged) 85.6% -> 93.3%, worst errors 92 -> 26 (session 8: 87 -> 17;
    with fresh18 and fresh19 in the training data the layer makes more worst errors in merged
    conversations of the older sets too: a regression noted in docs/conclusions.md). The count moves by a
    few with every change of the training data (26-27 this session), hence the margin. Lowest set: fresh4,
    94.5%. Session 12 (22 sets, fresh22 in the training data): 97.2% with 13 worst errors (fresh22 brings 2),
    long conversations 93.6% with 26. Session 13 (23 sets, fresh23 and the own cases c285-c292 in the
    training data): 97.1% with 17 worst errors (fresh23 brings 1, the other folds moved by +3 with the new
    training data), long conversations 93.4% with 33. Session 14 (24 sets, fresh24 and c294-c300): 97.0% with
    16 worst errors (fresh24 brings 0), long conversations 93.2% with 33. Session 15 (25 sets, fresh25 and
    c301-c322): 97.2% with 16 (fresh25 brings 1); long conversations 93.4% with 43: fresh25 brings 5 and the
    24 older folds went 33 -> 38 with the new training data (neither the correction retarget nor the
    "only hedged" guard of this session changes a single count: both ablated, docs/conclusions.md). Session 16
    (26 sets, fresh26 and c323-c334): 96.9% with 16 worst errors, long conversations 93.2% with 37; the new
    set, speech-to-text and owners who talk around the point, is the lowest fold at 93.6% (its first
    measurement: 93.3%), hence the per-set floor 0.93 (was 0.94). Session 17 (27 sets, fresh27 and
    c335-c351; the layer now averages the regressions of three seeds of merged conversations): 96.8% with 17
    worst errors, long conversations 92.6% with 42; the new set, terse answers and Dutch as a second language
    with nine cases written wholly in English (which the live bot answers with "ik spreek alleen
    Nederlands"), is the lowest fold at 90.7% (its first measurement: 91.0%), hence the per-set floor 0.90 and
    18 worst errors (17 measured, one of margin for the own cases added after the measurement)."""
    cv = load_script("eval_conclusions").cross_validate()
    total = cv["total"]
    learned, rules_acc = total["learned"] / total["statuses"], total["rules"] / total["statuses"]
    assert len(cv["sets"]) >= 27
    assert learned >= 0.965 and learned >= rules_acc + 0.025
    assert total["learned_worst"] <= 18 and total["learned_worst"] * 2.5 < total["rules_worst"]
    assert all(row["learned"] / row["statuses"] >= 0.90 for row in cv["sets"])
    long_learned = total["long_learned"] / total["long_statuses"]
    assert long_learned >= total["long_rules"] / total["long_statuses"] + 0.04
    assert total["long_learned_worst"] <= 44
    assert total["long_learned_worst"] * 3 < total["long_rules_worst"]


def test_the_fitted_layer_is_kept_on_disk_and_trained_again_when_its_inputs_change(tmp_path, monkeypatch):
    from bot import cache
    from bot.conclusions import learned

    data = yaml.load(learned.DEFAULT_TRAINING.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    data["cases"] = [c for c in data["cases"] if c.get("rules")][:80]
    small = tmp_path / "training.yml"
    small.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(cache, "CACHE_ROOT", tmp_path / "cache")
    engine = ConclusionEngine.from_file(learned=small)
    trained = learned._load_or_train(engine, small)
    files = list((tmp_path / "cache" / learned.CACHE_KIND).glob("*.pkl"))
    assert [f.stem for f in files] == [learned.cache_key(engine, small)]
    loaded = learned._load_or_train(engine, small)
    assert loaded is not trained and loaded.n_cases == trained.n_cases == 80
    cols = loaded.columns({"w=hogeschool": 1.0, "slot=kennispartners": 1.0})
    assert loaded.final_statuses([cols], {c: "onbekend" for c in CONCLUSION_IDS}) == trained.final_statuses(
        [cols], {c: "onbekend" for c in CONCLUSION_IDS}
    )
    # a damaged file is trained again; another training file has another key
    files[0].write_bytes(b"not a model")
    assert learned._load_or_train(engine, small).n_cases == 80
    data["cases"] = data["cases"][:60]
    small.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert learned.cache_key(engine, small) != files[0].stem
    assert learned._load_or_train(engine, small).n_cases == 60
