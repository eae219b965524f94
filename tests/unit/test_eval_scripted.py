"""The REST measurement script for the blind scripted conversations: what it counts and what it reads."""

from tests.scripts import load_script

ev = load_script("eval_scripted")


def _result(expect, got, error=None):
    return ev.Result("s1", "f.yml", expect, got, error=error)


def test_a_worst_error_is_a_gap_where_the_writer_expected_in_order():
    r = _result(
        {"betrekken": "op_orde", "uitleggen": "onbekend", "meerwaarde": "aandachtspunt"},
        {"betrekken": "aandachtspunt", "uitleggen": "op_orde", "meerwaarde": "aandachtspunt"},
    )
    assert r.wrong == {"betrekken": ("op_orde", "aandachtspunt"), "uitleggen": ("onbekend", "op_orde")}
    assert r.worst == 1 and not r.passed


def test_summary_counts_conversations_statuses_and_failures_to_run():
    ok = _result({"betrekken": "op_orde"}, {"betrekken": "op_orde"})
    bad = _result(
        {"betrekken": "op_orde", "rondkijken": "onbekend"},
        {"betrekken": "onbekend", "rondkijken": "onbekend"},
    )
    down = _result({"jong_talent": "aandachtspunt"}, {}, error="ConnectionError: refused")
    s = ev.summary([ok, bad, down])
    assert s == {"conversations": 3, "passed": 1, "statuses": 4, "right": 2, "worst": 0, "errors": 1}
    assert ev.line("total", s) == (
        "total: conversations 1/3, statuses 2/4 (50.0%), worst errors 0, failed to run 1"
    )


def test_it_reads_the_conversations_of_every_matching_file(tmp_path):
    (tmp_path / "a.yml").write_text(
        "conversations:\n  - {id: x1, messages: [hoi], expect: {betrekken: op_orde}}\n"
        "  - {id: x2, messages: [hoi], expect: {betrekken: onbekend}}\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(
        "conversations:\n  - {id: y1, messages: [hoi], expect: {}}\n", encoding="utf-8"
    )
    found = ev.load_conversations([str(tmp_path / "*.yml")], [])
    assert [(f, c["id"]) for f, c in found] == [("a.yml", "x1"), ("a.yml", "x2"), ("b.yml", "y1")]
    assert [c["id"] for _, c in ev.load_conversations([str(tmp_path / "*.yml")], ["x2"])] == ["x2"]
    # the default glob finds the project's blind batches
    assert len(ev.load_conversations([ev.DEFAULT_FILES], [])) >= 134
