"""Quay's capacity: how long an authenticated call takes, how many are served at once.

Real Quay checks a Bearer token with a slow hash on every call (0.3-0.4 s) and saturates at
about 7-9 calls a second on 2 cores; anonymous calls cost ~0.01 s. ``latency_ms`` is that
service time and ``max_inflight`` how many such calls are served at once (0: no limit): a
call beyond it waits for a free slot, then spends its service time in it. Only /api/v1 calls
with a Bearer token wait; the control API never does. The counts ``GET /_emulator/stats``
shows are kept here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Capacity:
    """Slots for authenticated calls, and the counts of /api/v1 calls since the last reset."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._calls = 0
        self._inflight = self._max_inflight = 0
        self._serving = self._max_serving = 0

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """An /api/v1 call, from the moment it arrives until its answer is ready."""
        with self._changed:
            self._inflight += 1
            self._max_inflight = max(self._max_inflight, self._inflight)
        try:
            yield
        finally:
            with self._changed:
                self._inflight -= 1
                self._calls += 1

    @contextmanager
    def served(self, limit: Callable[[], int], seconds: float) -> Iterator[None]:
        """Wait for one of ``limit()`` slots (0: no limit), then spend ``seconds`` in it."""
        with self._changed:
            while 0 < limit() <= self._serving:
                self._changed.wait()
            self._serving += 1
            self._max_serving = max(self._max_serving, self._serving)
        try:
            if seconds > 0:
                time.sleep(seconds)
            yield
        finally:
            with self._changed:
                self._serving -= 1
                self._changed.notify()

    def limit_changed(self) -> None:
        """Let waiting calls look at the (new) number of slots."""
        with self._changed:
            self._changed.notify_all()

    def stats(self) -> dict[str, int]:
        """/api/v1 calls answered, in flight now and at most, served now and at most."""
        with self._changed:
            return {
                "calls": self._calls,
                "inflight": self._inflight,
                "max_inflight": self._max_inflight,
                "serving": self._serving,
                "max_serving": self._max_serving,
            }

    def reset_stats(self) -> None:
        """Start counting again; calls still in flight stay counted as in flight."""
        with self._changed:
            self._calls = 0
            self._max_inflight = self._inflight
            self._max_serving = self._serving
