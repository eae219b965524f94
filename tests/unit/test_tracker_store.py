"""PrivacySQLTrackerStore on a temporary SQLite file: it saves, deletes a conversation (every session)
when deletion was confirmed, and the retention command removes old conversations only."""

import asyncio
import sqlite3
import time

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot import PROJECT_ROOT, retention
from bot.tracker_store import PrivacySQLTrackerStore, deletion_confirmed

DAY = 86400.0
NOW = 1_800_000_000.0


def rows(db, sender=None):
    with sqlite3.connect(db) as conn:
        if sender is None:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "conversations.db"


@pytest.fixture()
def store(db):
    return PrivacySQLTrackerStore(dialect="sqlite", db=str(db))


def conversation(sender, start, texts=("hoi", "we willen een cobot")):
    """A tracker with one session: user and bot messages a minute apart from ``start``."""
    tracker = DialogueStateTracker(sender, [AnySlot("privacy_data_deleted", mappings=[])])
    ts = start
    tracker.update(ActionExecuted("action_session_start", timestamp=ts))
    tracker.update(SessionStarted(timestamp=ts))
    tracker.update(ActionExecuted("action_listen", timestamp=ts))
    for text in texts:
        ts += 60
        tracker.update(UserUttered(text, {"name": "inform", "confidence": 1.0}, timestamp=ts))
        tracker.update(ActionExecuted("utter_x", timestamp=ts))
        tracker.update(BotUttered("antwoord", timestamp=ts))
        tracker.update(ActionExecuted("action_listen", timestamp=ts))
    return tracker


def confirm_deletion(tracker, ts):
    tracker.update(UserUttered("ja", {"name": "affirm", "confidence": 1.0}, timestamp=ts))
    tracker.update(ActionExecuted("action_delete_data", timestamp=ts))
    tracker.update(BotUttered("Klaar: ik heb dit gesprek gewist.", timestamp=ts))
    tracker.update(SlotSet("privacy_data_deleted", True, timestamp=ts))
    tracker.update(ActionExecuted("action_listen", timestamp=ts))


def save(store, tracker):
    asyncio.run(store.save(tracker))


def test_saves_like_the_sql_store(store, db):
    tracker = conversation("eigenaar-1", NOW)
    save(store, tracker)
    assert rows(db, "eigenaar-1") == len(tracker.events) == 11
    again = asyncio.run(store.retrieve("eigenaar-1"))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["hoi", "we willen een cobot"]


def test_confirmed_deletion_removes_every_session_of_that_sender_only(store, db):
    mine = conversation("eigenaar-1", NOW - 3 * DAY)
    save(store, mine)
    # a second session of the same conversation, stored later
    mine.update(ActionExecuted("action_session_start", timestamp=NOW))
    mine.update(SessionStarted(timestamp=NOW))
    mine.update(ActionExecuted("action_listen", timestamp=NOW))
    mine.update(UserUttered("verwijder mijn gegevens", {"name": "delete_data"}, timestamp=NOW + 1))
    mine.update(ActionExecuted("utter_ask_delete_data", timestamp=NOW + 1))
    mine.update(ActionExecuted("action_listen", timestamp=NOW + 1))
    save(store, mine)
    other = conversation("eigenaar-2", NOW)
    save(store, other)
    assert rows(db, "eigenaar-1") == len(mine.events) and rows(db, "eigenaar-2") == 11

    confirm_deletion(mine, NOW + 2)
    save(store, mine)
    assert rows(db, "eigenaar-1") == 0
    assert rows(db, "eigenaar-2") == 11
    assert asyncio.run(store.retrieve_full_tracker("eigenaar-1")) is None
    # a new message afterwards starts an empty conversation; the old one does not come back
    fresh = conversation("eigenaar-1", NOW + 10, texts=("hallo",))
    save(store, fresh)
    back = asyncio.run(store.retrieve_full_tracker("eigenaar-1"))
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["hallo"]


def test_without_confirmation_nothing_is_deleted(store, db):
    tracker = conversation("eigenaar-1", NOW)
    tracker.update(UserUttered("verwijder mijn gegevens", {"name": "delete_data"}, timestamp=NOW + 200))
    tracker.update(ActionExecuted("utter_ask_delete_data", timestamp=NOW + 200))
    tracker.update(ActionExecuted("action_listen", timestamp=NOW + 200))
    tracker.update(UserUttered("nee", {"name": "deny"}, timestamp=NOW + 201))
    tracker.update(ActionExecuted("utter_delete_cancelled", timestamp=NOW + 201))
    tracker.update(ActionExecuted("action_listen", timestamp=NOW + 201))
    save(store, tracker)
    assert rows(db, "eigenaar-1") == len(tracker.events)


USER = UserUttered("ja")
DELETE = ActionExecuted("action_delete_data")
MARK = SlotSet("privacy_data_deleted", True)
LISTEN = ActionExecuted("action_listen")


@pytest.mark.parametrize(
    "events, confirmed",
    [
        ([USER, DELETE, MARK], True),
        ([DELETE, MARK, LISTEN], True),
        # the marker without the action, or the action without the marker, or a false marker
        ([USER, MARK], False),
        ([USER, DELETE], False),
        ([USER, DELETE, SlotSet("privacy_data_deleted", False)], False),
        # the marker before the action (not the action's own event)
        ([MARK, DELETE], False),
        # an earlier turn's confirmation does not count for a later message
        ([DELETE, MARK, LISTEN, UserUttered("hoi")], False),
    ],
)
def test_deletion_confirmed_only_for_the_newest_turn(events, confirmed):
    assert deletion_confirmed(events) is confirmed


def test_retention_removes_conversations_whose_newest_event_is_old(store, db):
    save(store, conversation("oud", NOW - 40 * DAY))
    long_running = conversation("lang-lopend", NOW - 90 * DAY)  # started long ago, still active
    long_running.update(UserUttered("nog een vraag", {"name": "ask_knowledge"}, timestamp=NOW - DAY))
    save(store, long_running)
    save(store, conversation("recent", NOW - 10 * DAY))
    conversations, removed = store.delete_older_than(30, now=NOW)
    assert (conversations, removed) == (1, 11)
    assert rows(db, "oud") == 0
    assert rows(db, "lang-lopend") == 12 and rows(db, "recent") == 11
    assert store.delete_older_than(9, now=NOW) == (1, 11)
    assert rows(db, "recent") == 0 and rows(db, "lang-lopend") == 12


def test_retention_command_dry_run_then_delete(store, db, tmp_path, capsys):
    now = time.time()
    save(store, conversation("oud", now - 31 * DAY))
    save(store, conversation("nieuw", now - 2 * DAY))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: bot.tracker_store.PrivacySQLTrackerStore\n  dialect: sqlite\n  db: {db}\n",
        encoding="utf-8",
    )
    assert retention.main(["--days", "30", "--endpoints", str(endpoints), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "- oud (laatste bericht" in out and "nieuw" not in out and "niets gewist" in out
    assert rows(db, "oud") == 11
    assert retention.main(["--days", "30", "--endpoints", str(endpoints)]) == 0
    assert "1 gesprek(ken) verwijderd (11 opgeslagen gebeurtenissen)" in capsys.readouterr().out
    assert rows(db, "oud") == 0 and rows(db, "nieuw") == 11
    assert retention.main(["--days", "0", "--endpoints", str(endpoints)]) == 2


def test_retention_command_refuses_a_store_that_cannot_delete(tmp_path, capsys):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: InMemory\n", encoding="utf-8")
    assert retention.main(["--endpoints", str(endpoints)]) == 2
    assert "SQL tracker store" in capsys.readouterr().err


def test_retention_period_from_the_environment():
    assert retention.retention_days({}) == 30
    assert retention.retention_days({"BOT_RETENTION_DAYS": " 7 "}) == 7
    for wrong in ("0", "-3", "dertig", "1.5"):
        with pytest.raises(ValueError, match="BOT_RETENTION_DAYS"):
            retention.retention_days({"BOT_RETENTION_DAYS": wrong})
    assert "Na 7 dagen zonder nieuw bericht wis ik het" in retention.privacy_notice(7)
    assert "Na 1 dag zonder" in retention.privacy_notice(1)
    assert "verwijder mijn gegevens" in retention.privacy_notice(30)


def test_endpoints_file_configures_the_privacy_store(tmp_path):
    config = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "tracker_store")
    assert config.type == "bot.tracker_store.PrivacySQLTrackerStore"
    assert config.kwargs["dialect"] == "sqlite"
    config.kwargs["db"] = str(tmp_path / "elders.db")  # same configuration, a temporary file
    created = TrackerStore.create(config)
    assert isinstance(created, PrivacySQLTrackerStore)


def test_the_delete_action_produces_what_the_store_looks_for():
    from rasa.shared.core.events import Event
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.privacy import ActionDeleteData

    action = ActionDeleteData()
    dispatcher = CollectingDispatcher()
    tracker = Tracker("eigenaar-1", {}, {}, [], False, None, {}, "")
    returned = asyncio.run(action.run(dispatcher, tracker, {}))
    events = [UserUttered("ja"), ActionExecuted(action.name())]
    events += [Event.from_parameters(e) for e in returned]
    assert deletion_confirmed(events)
    assert dispatcher.messages and "gewist" in dispatcher.messages[0]["text"]


def test_sqlite_store_writes_in_wal_mode_and_keeps_what_it_saved(store, db):
    """Every connection of the store runs in WAL mode with synchronous=NORMAL (bot.tracker_store.use_wal)."""
    asyncio.run(store.save(conversation("wal-1", 1_000_000)))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(db) as conn:  # another process sees the committed rows
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = asyncio.run(store.retrieve("wal-1"))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["hoi", "we willen een cobot"]
