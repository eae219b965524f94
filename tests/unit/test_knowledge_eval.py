"""The evaluation script: its counting, the data sets it uses, and the held-out targets."""

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge import Retriever, load_knowledge_base
from tests.scripts import load_script

ev = load_script("eval_knowledge")


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever(load_knowledge_base())


@pytest.fixture(scope="module")
def held_out(retriever):
    return ev.evaluate(retriever, ev.load_questions(ev.HELD_OUT, retriever))


def test_evaluate_counts_right_wrong_invented_and_refused(retriever):
    questions = [
        ev.Question("Wat is job carving?", ("ti-2018-sociale-innovatie",)),  # right
        ev.Question("Wat is een flipped classroom?", ("ssas-2025-techniek",)),  # wrong publication
        ev.Question("Wat is het NASSS framework?", ()),  # answered although "unanswerable": invented
        ev.Question("Hoeveel kost een cobot?", ()),  # refused: right
        ev.Question("Hoeveel kost een exoskelet?", ("ssas-2025-techniek",)),  # refused although answerable
    ]
    result = ev.evaluate(retriever, questions)
    assert result["answerable"] == 3 and result["unanswerable"] == 2
    assert result["right"] == 1
    assert result["top1_source_accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert result["wrong_source_on_answerable"] == 1
    assert result["answered_unanswerable"] == 1
    assert result["wrong_or_invented_sources"] == 2
    assert result["refused_answerable"] == 1
    assert result["refusal_rate_unanswerable"] == 0.5
    assert sorted(m["kind"] for m in result["misses"]) == ["invented", "refused", "wrong_source"]
    assert result["targets_met"] is False
    assert result["latency_ms_p95"] >= result["latency_ms_p50"] > 0


def test_targets_met_needs_all_three():
    good = {"top1_source_accuracy": 0.96, "wrong_or_invented_sources": 0, "refusal_rate_unanswerable": 0.95}
    assert ev.targets_met(good)
    assert not ev.targets_met({**good, "top1_source_accuracy": 0.94})
    assert not ev.targets_met({**good, "wrong_or_invented_sources": 1})
    assert not ev.targets_met({**good, "refusal_rate_unanswerable": 0.89})


def test_main_exit_status_and_json(capsys, tmp_path):
    questions = tmp_path / "q.yml"
    questions.write_text(
        "questions:\n  - q: Wat is job carving?\n    sources: [ti-2018-sociale-innovatie]\n"
        "  - q: Hoeveel kost een cobot?\n    sources: []\n",
        encoding="utf-8",
    )
    status = ev.main(["--questions", str(questions), "--json", "--no-report"])
    out = capsys.readouterr().out
    assert '"top1_source_accuracy": 1.0' in out
    assert status == 0  # 100% right, nothing invented, 100% refused


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_held_out_questions_are_not_copied_into_entries_or_calibration(retriever):
    """Short definitional questions ("wie is jouke post") that independent writers ask in the same words
    were taken out of the entries' example questions and the calibration set when the held-out set
    of session 5 came in; none may come back."""
    held = {_norm(q["q"]) for q in yaml.safe_load(Path(ev.HELD_OUT).read_text(encoding="utf-8"))["questions"]}
    entry_questions = {_norm(q) for e in retriever.kb.entries for q in e.questions}
    calibration = {_norm(q.q) for q in ev.load_questions(ev.CALIBRATION, retriever)}
    assert held & calibration == set()
    assert held & entry_questions == set()


@pytest.mark.parametrize(
    "held_out_file,allowed",
    [(ev.DEVELOPMENT_2, 0), (ev.SESSION_5_SETS[0], 0), (ev.HELD_OUT, 3)],
)
def test_no_training_question_is_a_copy_of_a_held_out_question(retriever, held_out_file, allowed):
    """The training questions (knowledge/training/) were written apart from the held-out sets; those
    that came close to the sets of sessions 3 and 5 (first) anyway were taken out. The newest held-out
    set came after the training data was fixed: its 3 near copies are counted apart in docs/knowledge.md.
    A near copy makes the held-out figures too good."""
    questions = yaml.safe_load(Path(held_out_file).read_text(encoding="utf-8"))["questions"]
    held = [_norm(q["q"]) for q in questions]
    training = [_norm(t.q) for t in retriever.kb.training]
    assert len(training) >= 1000
    close = [(h, t) for h in held for t in training if ev.similar(h, t, 0.85)]
    assert len(close) <= allowed, close


def test_calibration_set_is_usable(retriever):
    questions = ev.load_questions(ev.CALIBRATION, retriever)
    unanswerable = [q for q in questions if not q.answerable]
    assert len(unanswerable) >= 40
    assert len(questions) - len(unanswerable) >= 100
    for q in questions:  # every listed entry exists (load_questions looks them up)
        assert all(retriever.kb.entry(e) for e in q.entries)


@pytest.mark.xfail(
    strict=True,
    reason="Targets of the issue not met yet: on the newest held-out set 70.0% top-1 source accuracy, "
    "2 wrong sources, 100% refusals (docs/knowledge.md). Remove this mark when they are met.",
)
def test_held_out_meets_the_targets(held_out):
    assert held_out["top1_source_accuracy"] >= ev.TARGET_ACCURACY
    assert held_out["wrong_or_invented_sources"] <= ev.TARGET_WRONG_SOURCES
    assert held_out["refusal_rate_unanswerable"] >= ev.TARGET_REFUSAL


def test_held_out_does_not_fall_below_what_was_measured(held_out):
    """Regression guard at the measured level (docs/knowledge.md), with a small margin."""
    assert held_out["questions"] == 120 and held_out["unanswerable"] == 20
    assert held_out["top1_source_accuracy"] >= 0.68
    assert held_out["wrong_or_invented_sources"] <= 3
    assert held_out["refusal_rate_unanswerable"] >= ev.TARGET_REFUSAL
    assert held_out["latency_ms_p50"] < 20


def test_length_bands():
    assert ev.length_band("wat is job carving") == "kort"
    assert ev.length_band("wat zeggen de onderzoekers over het betrekken van operators") == "middel"
    long = "we hebben twintig man in de metaal en de helft is boven de vijftig, hoe krijg ik ze mee"
    assert ev.length_band(long) == "lang"


def test_near_copies_finds_copies_of_example_and_training_questions(retriever):
    example = retriever.kb.entries[0].questions[0]
    training = retriever.kb.training[0].q
    fresh = "een vraag die nergens in de kennisbank staat over zeilboten en tulpenbollen"
    questions = [
        ev.Question(q=example.upper(), sources=("x",)),
        ev.Question(q=training + "?", sources=()),
        ev.Question(q=fresh, sources=()),
    ]
    assert [q.q for q in ev.near_copies(retriever, questions)] == [example.upper(), training + "?"]
