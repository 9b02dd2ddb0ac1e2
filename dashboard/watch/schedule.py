"""Which namespaces are due a poll, and each put on the queue exactly once.

The scheduler's tick (``tasks.tick``, every :func:`tick_seconds`) enqueues a poll for every
enrolment whose next poll is due, taking it with one conditional update first: two ticks at
once (two schedulers, two instances) enqueue it once. Taking it moves its next poll one
lease ahead: a poll lost with a dying worker (never run, or cut off) is enqueued again once
that has passed; a poll that ends sets the next one an interval ahead (``poll._release``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from .models import Enrolment
from .poll import lease_seconds


def tick_seconds() -> int:
    """How often the scheduler looks for due namespaces: often enough that a poll is at most
    a tenth of an interval late (1 to 10 s; a factor of 60, as the task queue wants)."""
    wanted = max(1, min(10, settings.WATCH_INTERVAL_SECONDS // 10 or 1))
    return max(s for s in (1, 2, 3, 4, 5, 6, 10) if s <= wanted)


def tick(now: datetime, enqueue: Callable[[str], None]) -> list[str]:
    """Enqueue a poll of each due namespace (each once, whoever else ticks); the names."""
    due = Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    taken: list[str] = []
    for namespace in Enrolment.objects.filter(due).values_list("namespace", flat=True):
        retry = now + timedelta(seconds=lease_seconds())
        if Enrolment.objects.filter(due, namespace=namespace).update(next_poll_at=retry):
            enqueue(namespace)
            taken.append(namespace)
    return taken
