"""Rasa's Redis lock store with atomic ticket operations, for several Rasa replicas.

Rasa OSS 3.6's ``RedisLockStore`` keeps one JSON ``TicketLock`` per conversation in Redis and
changes it with a plain ``GET`` followed by a ``SET`` (RasaHQ/rasa#9213). When two replicas take a
message of the same conversation within milliseconds, both read the same lock, both issue the same
ticket number and both write: the two messages are handled at the same time and one turn is lost
from the tracker. ``finish_serving`` and ``cleanup`` have the same read-modify-write gap, so a
finishing replica can also wipe the ticket another replica has just issued.

This class keeps Rasa's data format, its ticket algorithm (``rasa.core.lock.TicketLock``) and its
waiting loop (``LockStore.lock``), and only makes every read-modify-write one Redis optimistic
transaction (``WATCH`` / ``MULTI`` / ``EXEC`` via redis-py's ``Redis.transaction``, which retries when
another client changed the key in between). ``cleanup`` (remove our ticket, delete the lock when no
one waits) becomes one transaction too. Each key also gets a Redis expiry at its last ticket's
expiry, so a replica that dies mid-message leaves nothing behind for longer than the ticket lifetime.

Use it in ``endpoints.scale.yml``::

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: ${BOT_REDIS_HOST}
      ...          # the same keys as Rasa's `type: redis`

Why not a lock of our own (e.g. redis-py's ``Lock``)? Rasa's message processor expects its
``LockStore`` interface (ticket order = arrival order, waiting with ``LockError`` on expiry); this
class is that interface, with the one missing property (atomicity) added.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Callable, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A change gets the current lock (None: no key) and returns the lock to store (None: delete the
# key) and a result for the caller.
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket changes are atomic across processes and machines."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa creates a custom lock store as ``cls(endpoint_config=...)``; tests pass keywords.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    # ------------------------------------------------------------------ the one primitive

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _atomically(self, conversation_id: Text, change: Change[T]) -> T:
        key = self._key(conversation_id)

        def transaction(pipe: Any) -> T:
            raw = pipe.get(key)  # immediate mode: the key is WATCHed
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new, result = change(lock)
            if (new.dumps() if new is not None and new.tickets else None) == (raw.decode() if raw else None):
                # Nothing changed: write nothing. (Rasa's waiting loop calls update_lock every
                # second; an unconditional SET would make every other replica's transaction retry.)
                pipe.unwatch()
                return result
            pipe.multi()
            if new is None or not new.tickets:
                if raw is not None:
                    pipe.delete(key)
            else:
                pipe.set(key, new.dumps())
                last_expiry = max(t.expires for t in new.tickets)
                pipe.pexpireat(key, math.ceil(last_expiry * 1000))
            return result

        # `transaction` re-runs the function when the WATCHed key changed before EXEC.
        return self.red.transaction(transaction, key, value_from_callable=True)

    # ------------------------------------------------------------------ Rasa's interface

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket for ``conversation_id`` (creating the lock) in one transaction."""

        def change(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, change)
        except Exception as e:  # the same contract as Rasa's LockStore.issue_ticket
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def update_lock(self, conversation_id: Text) -> None:
        """Remove expired tickets (Rasa calls this while a message waits for its turn)."""

        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove ``ticket_number`` from the lock (the lock goes when it was the last ticket)."""

        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._atomically(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish ``ticket_number`` and delete the lock if no one waits, as one transaction.

        Rasa does this in three steps; in between, another replica may issue a ticket that the
        delete would then throw away.
        """
        self.finish_serving(conversation_id, ticket_number)
        deleted = not self.red.exists(self._key(conversation_id))
        self._log_deletion(conversation_id, deleted)

    def save_lock(self, lock: TicketLock) -> None:
        """Write a whole lock (Rasa's own code paths above no longer call this)."""

        def change(_: Optional[TicketLock]) -> Tuple[TicketLock, None]:
            return lock, None

        self._atomically(lock.conversation_id, change)

