"""bot.advice on the real conclusion definitions and knowledge base."""

import pytest

from actions import services
from bot import advice

CITATIONS = None


@pytest.fixture(scope="module")
def defs():
    return services.definitions()


@pytest.fixture(scope="module")
def kb():
    return services.knowledge_base()


def status(**statuses):
    result = advice.empty_status()
    for cid, (value, said) in statuses.items():
        result[cid] = {"status": value, "evidence": [{"text": said, "rule": "r1", "turn": 1}] if said else []}
    return result


def test_every_conclusion_has_handles_backed_by_real_entries(defs, kb):
    assert set(defs) == set(advice.ORDER)
    for cid, definition in defs.items():
        assert definition.handles, cid
        for handle in definition.handles:
            assert kb.entry(handle.entry_id)  # raises when the entry does not exist


def test_advice_per_aandachtspunt_quotes_the_owner_and_cites(defs, kb):
    st = status(uitleggen=("aandachtspunt", "ze moeten er maar mee werken"), rondkijken=("op_orde", "ja"))
    messages, used = advice.advice_messages(st, defs, kb)
    first = messages[0]
    assert first.startswith("Aandachtspunt: ")
    assert "“ze moeten er maar mee werken”" in first
    bron = [line for line in first.splitlines() if line.startswith("Bron: ")]
    assert bron, first
    entry = kb.entry(defs["uitleggen"].handles[0].entry_id)
    assert kb.publication(entry.publication).citation in bron[0]
    assert used == [defs["uitleggen"].handles[0].key]
    assert any(m.startswith("Wat al goed zit: ") and advice.SHORT["rondkijken"] in m for m in messages)
    unknown = next(m for m in messages if m.startswith("Waar ik nog niets over weet"))
    assert advice.SHORT["betrekken"] in unknown and "?" in unknown


def test_no_gaps_says_so(defs, kb):
    messages, used = advice.advice_messages(status(betrekken=("op_orde", "operators testen mee")), defs, kb)
    assert "geen aandachtspunten" in messages[0]
    assert used == []


def test_more_gives_handles_not_shown_before(defs, kb):
    st = status(betrekken=("aandachtspunt", "de operators weten van niks"))
    _, used = advice.advice_messages(st, defs, kb)
    more, more_used = advice.more_messages(st, defs, kb, used)
    if len(defs["betrekken"].handles) > 1:
        assert more_used and not set(more_used) & set(used)
        assert any(line.startswith("Bron: ") for line in more[0].splitlines())
    all_keys = [h.key for h in defs["betrekken"].handles]
    done, nothing = advice.more_messages(st, defs, kb, all_keys)
    assert nothing == [] and "Meer handvatten heb ik hier niet" in done[0]


def test_evidence_and_overview(defs):
    st = status(jong_talent=("aandachtspunt", "onze vacatures blijven maanden open"))
    text = advice.evidence_message(st, defs)
    assert "onze vacatures blijven maanden open" in text and "aandachtspunt" in text
    overview = advice.overview_message(st, defs)
    assert overview.count("\n- ") == 6 and "nog onbekend" in overview


def test_join_dutch():
    assert advice.join_dutch(["a"]) == "a"
    assert advice.join_dutch(["a", "b", "c"]) == "a, b en c"
