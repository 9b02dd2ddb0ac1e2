"""The shared cache (Redis), degrading to "nothing is cached" while Redis does not answer.

Redis holds only what can be asked again: the read cache, Quay's capabilities, the sessions'
copies (their rows are in the database: ``cached_db``), the sign-in counts. So a Redis that is
stopped, unreachable or frozen must cost the pages a little speed, never an answer:

- every call has short socket timeouts (``CACHE_TIMEOUT_SECONDS``, set in settings.py);
- a call that fails is a miss (a read finds nothing, a write is dropped) and opens a circuit
  shared by the process' threads: for ``CACHE_RETRY_SECONDS`` no call is sent at all, so a
  frozen Redis costs one timeout, not one per call; then one call tries again;
- when Redis answers again, before anything is read from it, the keys whose write (or delete)
  this process dropped are deleted (at most ``LOST_KEYS_KEPT`` are remembered), and so is
  every session's copy: a frozen Redis that wakes up must not hand out a session that changed
  meanwhile (a sign-out made while it was frozen). Another process may still read a copy of
  its own dropped write until it has recovered too (within ``CACHE_RETRY_SECONDS``).

Only Redis' connection errors and timeouts open the circuit; anything else is raised.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
LOST_KEYS_KEPT = 10_000
SESSIONS = cached_db.KEY_PREFIX  # the sessions' copies (their rows are in the database)


class Circuit:
    """Whether the cache is worth asking, for every thread of the process."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.down_since: float | None = None  # wall clock, for people and probes
        self.reason = ""
        self._next_try = 0.0  # monotonic: while down, no call before this
        self._lost: dict[str, None] = {}  # keys whose write did not happen (ordered)

    def next_call(self) -> str:
        """``"send"`` while up; while down ``"skip"``, or ``"retry"`` for one call a period."""
        if self.down_since is None:
            return "send"
        with self._lock:
            now = time.monotonic()
            if self.down_since is None:
                return "send"
            if now < self._next_try:
                return "skip"
            self._next_try = now + settings.CACHE_RETRY_SECONDS
            return "retry"

    def lose(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._lost.pop(key, None)
                self._lost[key] = None
            while len(self._lost) > LOST_KEYS_KEPT:
                del self._lost[next(iter(self._lost))]

    def take_lost(self) -> list[str]:
        with self._lock:
            lost, self._lost = list(self._lost), {}
        return lost

    def failed(self, error: Exception, written: Iterable[str]) -> None:
        with self._lock:
            first = self.down_since is None
            if first:
                self.down_since = time.time()
            self.reason = type(error).__name__
            self._next_try = time.monotonic() + settings.CACHE_RETRY_SECONDS
        self.lose(written)
        if first:
            logger.warning(
                "The cache (%s) does not answer (%s): pages go without it, and it is asked "
                "again every %g s",
                self.name,
                self.reason,
                settings.CACHE_RETRY_SECONDS,
            )

    def recovered(self, forgotten: int) -> None:
        with self._lock:
            was_down, self.down_since, self.reason = self.down_since, None, ""
        if was_down is not None:
            logger.warning(
                "The cache (%s) answers again after %.0f s: %d copies that may have changed "
                "meanwhile are forgotten",
                self.name,
                time.time() - was_down,
                forgotten,
            )

    def state(self) -> str:
        """``"ok"``, or since when the cache is down (the pages go without it)."""
        down_since = self.down_since
        if down_since is None:
            return "ok"
        return f"down for {time.time() - down_since:.0f} s ({self.reason}): pages go without it"


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def circuit_for(location: str) -> Circuit:
    """One circuit per Redis per process (Django makes a cache object per thread)."""
    with _circuits_lock:
        return _circuits.setdefault(location, Circuit(location.split("@")[-1]))


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, where Redis not answering is a miss (see the module's doc)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.circuit = circuit_for(",".join(self._servers))
        self._redis = super()  # Django's own calls, sent to Redis

    def _call(self, call: Callable[[], T], fallback: T, written: Iterable[str] = ()) -> T:
        written = list(written)
        next_call = self.circuit.next_call()
        if next_call == "skip":
            self.circuit.lose(written)
            return fallback
        try:
            if next_call == "retry":
                self._recover()
            return call()
        except UNAVAILABLE as error:
            self.circuit.failed(error, written)
            return fallback

    def _recover(self) -> None:
        """Redis may answer again: before any call reads from it, forget what may have
        changed meanwhile (the writes this process dropped, and every session's copy: another
        process may have dropped a write to it, a sign-out say). Raises while it is down."""
        client = self._cache.get_client(write=True)
        client.ping()
        stale = self.circuit.take_lost()
        try:
            stale += client.scan_iter(match=self.make_key(f"{SESSIONS}*"), count=1000)
            for start in range(0, len(stale), 1000):
                client.delete(*stale[start : start + 1000])
        except UNAVAILABLE:
            self.circuit.lose(stale)
            raise
        self.circuit.recovered(len(stale))

    def _keys(self, keys: Iterable[Any], version: int | None) -> list[str]:
        return [self.make_and_validate_key(key, version=version) for key in keys]

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(lambda: self._redis.get(key, default, version), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._call(lambda: self._redis.get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: self._redis.has_key(key, version), False)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._call(
            lambda: self._redis.set(key, value, timeout, version),
            None,
            self._keys([key], version),
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """While Redis is down the key is absent, so adding it "succeeds" (and is dropped)."""
        return self._call(
            lambda: self._redis.add(key, value, timeout, version),
            True,
            self._keys([key], version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(
            lambda: self._redis.touch(key, timeout, version),
            False,
            self._keys([key], version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: self._redis.delete(key, version),
            False,
            self._keys([key], version),
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._call(
            lambda: self._redis.set_many(data, timeout, version),
            list(data),
            self._keys(data, version),
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._call(
            lambda: self._redis.delete_many(keys, version),
            None,
            self._keys(keys, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """While Redis is down the key is absent: ``ValueError``, as for any missing key."""
        missing = object()
        result = self._call(
            lambda: self._redis.incr(key, delta, version),
            missing,
            self._keys([key], version),
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache does not answer)")
        return result  # type: ignore[return-value]

    def clear(self) -> None:
        self._call(lambda: self._redis.clear(), None)
