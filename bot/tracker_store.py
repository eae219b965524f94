"""A SQL tracker store that can forget: a conversation on request, and old conversations.

Rasa 3.6's ``SQLTrackerStore`` never deletes. ``PrivacySQLTrackerStore`` (``endpoints.yml``:
``type: bot.tracker_store.PrivacySQLTrackerStore``, all other keys as for ``type: SQL``) saves like
its parent, except when the newest events of the tracker say the owner confirmed "verwijder mijn
gegevens": then it deletes every stored row of that conversation (all sessions) instead of saving.
The action server cannot reach the store; it marks the confirmation with ``action_delete_data``
followed by ``SlotSet(privacy_data_deleted, True)`` in the same turn (``actions/privacy.py``).

The retention helpers (``expired_conversations``, ``delete_expired``) work on any
``SQLTrackerStore`` (SQLite and PostgreSQL alike: plain SQLAlchemy queries); ``python -m
bot.retention`` uses them.
"""

from __future__ import annotations

import logging
import time
from typing import Iterable, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.retention import DELETE_ACTION, DELETED_SLOT

logger = logging.getLogger(__name__)


def deletion_confirmed(events: Iterable[Event]) -> bool:
    """True when, since the last user message, ``action_delete_data`` ran and then set its marker."""
    marker = False
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == DELETED_SLOT and event.value is True:
            marker = True
        elif isinstance(event, ActionExecuted) and event.action_name == DELETE_ACTION and marker:
            return True
    return False


def sql_store(store: TrackerStore) -> SQLTrackerStore:
    """The SQL store inside Rasa's wrappers (FailSafe-, AwaitableTrackerStore); else a TypeError."""
    inner = store
    for _ in range(3):
        if isinstance(inner, SQLTrackerStore):
            return inner
        inner = getattr(inner, "_tracker_store", None)
    raise TypeError(
        f"{type(store).__name__}: verwijderen en bewaartermijn werken alleen met een SQL tracker store "
        "(endpoints.yml: tracker_store type bot.tracker_store.PrivacySQLTrackerStore of SQL)"
    )


def delete_conversation(store: SQLTrackerStore, sender_id: str) -> int:
    """Delete all stored events of one conversation (every session); return the number of rows."""
    with store.session_scope() as session:
        rows = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
    return rows


def _newest_per_sender(session, store: SQLTrackerStore):
    newest = sa.func.max(store.SQLEvent.timestamp).label("newest")
    return session.query(store.SQLEvent.sender_id, newest).group_by(store.SQLEvent.sender_id)


def expired_conversations(store: SQLTrackerStore, cutoff: float) -> List[Tuple[str, float]]:
    """Conversations whose newest event is older than ``cutoff`` (epoch seconds), oldest first."""
    with store.session_scope() as session:
        query = _newest_per_sender(session, store).having(sa.func.max(store.SQLEvent.timestamp) < cutoff)
        rows = [(sender, float(newest)) for sender, newest in query.all()]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def delete_expired(store: SQLTrackerStore, cutoff: float) -> Tuple[int, int]:
    """Delete the conversations whose newest event is older than ``cutoff``, in one transaction.

    The condition is evaluated in the DELETE itself, so a conversation that gets a new message
    meanwhile is kept. Returns (conversations, rows) deleted.
    """
    with store.session_scope() as session:
        expired = (
            session.query(store.SQLEvent.sender_id)
            .group_by(store.SQLEvent.sender_id)
            .having(sa.func.max(store.SQLEvent.timestamp) < cutoff)
        )
        senders = {sender for (sender,) in expired.all()}
        rows = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id.in_(expired.subquery().select()))
            .delete(synchronize_session=False)
        )
        session.commit()
    return len(senders), rows


def use_wal(engine: sa.engine.Engine) -> None:
    """SQLite in write-ahead-log mode with ``synchronous=NORMAL`` on every connection.

    Rasa's default (rollback journal, ``synchronous=FULL``) syncs the file to disk at every commit:
    about 2.4 ms of each message's time here (cProfile, docs/figures.md). In WAL mode with NORMAL a
    commit survives a crash of the bot; only a power cut can lose the last commits. WAL also lets
    readers (``python -m bot.retention``, a report) work while the bot writes."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class PrivacySQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that deletes a conversation when the owner confirmed deletion; on SQLite
    it writes in WAL mode (``use_wal``)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        use_wal(self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if deletion_confirmed(tracker.events):
            rows = delete_conversation(self, tracker.sender_id)
            logger.info("Gesprek verwijderd op verzoek (%d rijen).", rows)
            return
        await super().save(tracker)

    def delete(self, sender_id: str) -> int:
        """Delete one conversation now; the number of rows removed."""
        return delete_conversation(self, sender_id)

    def delete_older_than(self, days: float, now: Optional[float] = None) -> Tuple[int, int]:
        """Delete conversations without events in the last ``days`` days: (conversations, rows)."""
        cutoff = (time.time() if now is None else now) - days * 86400
        return delete_expired(self, cutoff)
