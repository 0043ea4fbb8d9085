"""A Redis lock store for Rasa 3.6 whose lock is atomic across Rasa instances.

Why: Rasa's own RedisLockStore keeps a ticket queue per conversation and updates it with
separate GET and SET calls. With several Rasa instances, two of them can issue the same ticket
or one can delete the queue while another waits on it, and a message is then dropped with
"Could not acquire lock" (tests/e2e/test_scale_out.py saw 1 to 5 of 12 concurrent messages
lost). This store takes redis-py's lock instead (SET NX with an expiry, released by a Lua
script that checks the owner), so one message of a conversation runs at a time, on any
instance. Waiting is a short asynchronous poll, so the event loop keeps serving others.

endpoints.scale.yml selects it with `type: scripts.rasa_lock_store.AtomicRedisLockStore`; it
runs in Rasa's own environment (Python 3.10), started through scripts/rasa_server.py.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore

POLL_SECONDS = 0.05


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore's connection settings; a lock that two instances cannot both hold."""

    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS
                   ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock while the message is processed; the lock expires
        after `lock_lifetime` seconds if its holder dies."""
        lock = self.red.lock(f"{self.key_prefix}atomic:{conversation_id}",
                             timeout=lock_lifetime)
        while not lock.acquire(blocking=False):
            await asyncio.sleep(POLL_SECONDS)
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                lock.release()
            except Exception:  # expired meanwhile: nothing to release
                pass
