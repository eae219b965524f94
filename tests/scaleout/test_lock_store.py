"""bot.lock_store.AtomicRedisLockStore against a real redis-server (Debian package), many "replicas" at once.

Each replica is its own lock-store object (own Redis connection pool) in its own thread and event
loop, as separate Rasa processes would be. All take Rasa's `LockStore.lock()` for ONE conversation
at the same moment. The race window between reading and writing the lock is widened on purpose
(a short sleep while a ticket is issued), so a non-atomic store fails reliably: Rasa's own
`RedisLockStore` is run through the same harness to show the test can fail.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from pathlib import Path
from typing import Iterator, List, Type

import pytest
from rasa.core import lock as rasa_lock
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import AtomicRedisLockStore
from tests.scaleout.cluster import Redis, ensure_binaries

REPLICAS = 6
MESSAGES_PER_REPLICA = 4


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[Redis]:
    reason = ensure_binaries()
    if reason:
        pytest.skip(f"redis-server unavailable: {reason}")
    server = Redis(Path(tmp_path_factory.mktemp("lockstore"))).start()
    yield server
    server.stop()


@pytest.fixture
def slow_ticket(monkeypatch):
    """Widen the read-modify-write window: issuing a ticket takes 20 ms."""
    original = rasa_lock.TicketLock.issue_ticket

    def slow(self, lifetime: float) -> int:
        time.sleep(0.02)
        return original(self, lifetime)

    monkeypatch.setattr(rasa_lock.TicketLock, "issue_ticket", slow)


def store(cls: Type[LockStore], server: Redis) -> LockStore:
    return cls(host="127.0.0.1", port=server.port, password=server.password, db=0, key_prefix="test")


def hammer(cls: Type[LockStore], server: Redis, conversation: str, lifetime: float = 30) -> dict:
    """REPLICAS threads, each with its own store, take the lock MESSAGES_PER_REPLICA times at once."""
    inside = 0
    most_inside = 0
    done: List[str] = []
    errors: List[BaseException] = []
    guard = threading.Lock()
    gate = threading.Barrier(REPLICAS)

    async def one(replica: LockStore, name: str) -> None:
        nonlocal inside, most_inside
        async with replica.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.01):
            with guard:
                inside += 1
                most_inside = max(most_inside, inside)
            await asyncio.sleep(0.005)
            with guard:
                inside -= 1
                done.append(name)

    def run(i: int) -> None:
        replica = store(cls, server)
        try:
            gate.wait(timeout=10)

            async def all_messages() -> None:
                await asyncio.gather(*(one(replica, f"r{i}m{m}") for m in range(MESSAGES_PER_REPLICA)))

            asyncio.run(all_messages())
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(REPLICAS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return {"most_inside": most_inside, "done": done, "errors": errors,
            "left": server.client().keys("test:lock:*"), "hung": any(t.is_alive() for t in threads)}


def test_one_message_at_a_time_across_replicas(redis_server: Redis, slow_ticket):
    result = hammer(AtomicRedisLockStore, redis_server, f"conv-{secrets.token_hex(4)}")
    assert not result["hung"] and not result["errors"], result["errors"]
    assert result["most_inside"] == 1  # never two messages of one conversation at once
    everything = [f"r{i}m{m}" for i in range(REPLICAS) for m in range(MESSAGES_PER_REPLICA)]
    assert sorted(result["done"]) == sorted(everything)
    assert result["left"] == []  # the last one out deletes the lock


def test_rasas_own_redis_lock_store_fails_the_same_harness(redis_server: Redis, slow_ticket):
    """The harness can fail: Rasa OSS 3.6's RedisLockStore (GET then SET) lets messages overlap."""
    # a short ticket lifetime: a ticket the race throws away blocks the others only briefly
    result = hammer(RedisLockStore, redis_server, f"conv-{secrets.token_hex(4)}", lifetime=3)
    overlapped = result["most_inside"] > 1
    lost = len(result["done"]) < REPLICAS * MESSAGES_PER_REPLICA or result["errors"]
    assert overlapped or lost, result


def test_created_from_the_endpoint_config_like_rasa_does(redis_server: Redis):
    """`lock_store: type: bot.lock_store.AtomicRedisLockStore` in endpoints: Rasa's factory builds it."""
    config = EndpointConfig(url="127.0.0.1", type="bot.lock_store.AtomicRedisLockStore",
                            port=redis_server.port, password=redis_server.password, db=0, key_prefix="mkbbot")
    created = LockStore.create(config)
    assert isinstance(created, AtomicRedisLockStore)
    assert created.key_prefix == "mkbbot:lock:"
    first = created.issue_ticket("abc", lock_lifetime=5)
    second = created.issue_ticket("abc", lock_lifetime=5)
    assert (first, second) == (0, 1)
    ttl_ms = redis_server.client().pttl("mkbbot:lock:abc")
    assert 0 < ttl_ms <= 5100  # the key expires with its last ticket
    created.cleanup("abc", first)
    assert created.get_lock("abc").now_serving == second
    created.cleanup("abc", second)
    assert created.get_lock("abc") is None
    assert redis_server.client().keys("mkbbot:lock:*") == []


def test_sanic_workers_allowed_with_it():
    """Rasa only allows SANIC_WORKERS > 1 with a Redis-compatible lock store."""
    from rasa.core.utils import _lock_store_is_multi_worker_compatible

    assert _lock_store_is_multi_worker_compatible(
        EndpointConfig(url="x", type="bot.lock_store.AtomicRedisLockStore"))
