"""The dashboard's budget of calls to Quay, shared by every person, tab and thread.

A small Quay serves about eight calls a second (each call with a token costs it 0.3-0.4 s),
whatever the dashboard's own parallelism: ``QUAY_MAX_INFLIGHT`` caps the calls this process
has in flight at once. A call waits for a free slot, and the wait counts against its timeout
(``QUAY_TIMEOUT``): a call that could not even start in time raises :class:`QuayBusy`. The
slot is held for one HTTP request only (never across a fan-out, so callers cannot deadlock),
and given back while a call waits out a 429's ``Retry-After``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .errors import QuayBusy

logger = logging.getLogger(__name__)

#: A 429 answer is waited out and the call sent again at most this many times.
MAX_RATE_LIMIT_RETRIES = 3


class CallBudget:
    """At most ``limit`` calls to Quay in flight at once from this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self, deadline: float) -> Iterator[None]:
        """Hold one slot for one request; wait for it until ``deadline`` (``time.monotonic``)."""
        asked = time.monotonic()
        if not self._slots.acquire(timeout=max(0.0, deadline - asked)):
            waited = time.monotonic() - asked
            logger.warning("No free slot for a call to Quay in %.1f s", waited)
            raise QuayBusy(limit=self.limit, waited=waited)
        try:
            yield
        finally:
            self._slots.release()


_lock = threading.Lock()
_budget: CallBudget | None = None


def call_budget() -> CallBudget:
    """The process-wide budget (``QUAY_MAX_INFLIGHT`` is read once)."""
    global _budget
    with _lock:
        if _budget is None:
            _budget = CallBudget(max(1, settings.QUAY_MAX_INFLIGHT))
        return _budget


@receiver(setting_changed)
def _new_limit(*, setting: str, **_: Any) -> None:
    """Tests change the setting: the next call builds a budget with the new limit."""
    global _budget
    if setting == "QUAY_MAX_INFLIGHT":
        with _lock:
            _budget = None


def retry_after_seconds(value: str | None) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds, or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
