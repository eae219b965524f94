"""Conversations persist in the SQLite tracker store across a server restart."""

from tests.e2e.server import BotServer


def test_conversation_survives_a_restart(tmp_path):
    db = tmp_path / "conversations.db"
    first = BotServer(workdir=tmp_path / "a", db_path=db).start(with_actions=False)
    try:
        first.texts("blijvend-1", "hoi")
        first.texts("blijvend-1", "wat kun je?")
        before = [e for e in first.tracker("blijvend-1")["events"] if e["event"] == "user"]
    finally:
        first.stop()
    assert db.is_file() and db.stat().st_size > 0
    second = BotServer(workdir=tmp_path / "b", db_path=db).start(with_actions=False)
    try:
        after = [e for e in second.tracker("blijvend-1")["events"] if e["event"] == "user"]
    finally:
        second.stop()
    assert [e["text"] for e in after] == ["hoi", "wat kun je?"]
    assert [e["text"] for e in before] == [e["text"] for e in after]
