"""When each mirror's state can next change: the emulated worker's agenda.

A heap of ``(due, order, key)`` with one live entry per repository; ``order`` is the order in
which repositories were first filed (the seed's order), so events due at the same moment run
in the order the worker would have found them. An entry that a later ``set`` replaced stays
in the heap until it comes up and is skipped (or until the heap is rebuilt), so filing a
change costs O(log N) and taking the next due event O(log N), whatever the number of
repositories.
"""

from __future__ import annotations

import heapq
from datetime import datetime

Key = tuple[str, str]
#: Rebuild the heap once it holds this many times more entries than live ones (plus slack).
STALE_FACTOR = 2
STALE_SLACK = 64


class Schedule:
    """The next worker event of every repository that has one."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Key]] = []
        self._due: dict[Key, datetime] = {}
        self._order: dict[Key, int] = {}

    def due(self, key: Key) -> datetime | None:
        """When the repository's next event is due (None: nothing will happen by itself)."""
        return self._due.get(key)

    def set(self, key: Key, due: datetime | None) -> None:
        """File the repository's next event (``None``: it has none)."""
        order = self._order.setdefault(key, len(self._order))
        if self._due.get(key) == due:
            return
        if due is None:
            del self._due[key]
            return
        self._due[key] = due
        heapq.heappush(self._heap, (due, order, key))
        if len(self._heap) > STALE_FACTOR * len(self._due) + STALE_SLACK:
            self._rebuild()

    def pop_due(self, now: datetime) -> tuple[Key, datetime] | None:
        """Take the earliest event due at or before ``now`` off the agenda, or None."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, key = heapq.heappop(heap)
            if self._due.get(key) == due:
                del self._due[key]
                return key, due
        return None

    def _rebuild(self) -> None:
        self._heap = [(due, self._order[key], key) for key, due in self._due.items()]
        heapq.heapify(self._heap)
