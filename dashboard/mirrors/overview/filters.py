"""The overview's filters (namespace, status, search, the "not mirrored" toggle), what they
make of each row, and the counts at the top.

A row drawn before its details are read may not be known to match: a search by source needs
its config, and mirror health cannot tell a stuck sync. Such a row is *held*: in the page,
hidden, until its details say (``overview_details`` places it again). Rows that do not
match are left out of the first paint, and drawn hidden by the later fragments, so that the
counts (which the page keeps in step as rows change) still include them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from dashboard.mirrors.overview.row_base import (
    FILTER_KEYS,
    NOT_MIRRORED,
    PENDING,
    STATUS_CHOICES,
    Count,
    MirrorRow,
)
from dashboard.mirrors.rules.freshness import LATE, NEVER_AGAIN

if TYPE_CHECKING:
    from dashboard.mirrors.overview.rows import Row

#: Counts shown even at zero (the ones a team lead looks for first).
ALWAYS_COUNTED = frozenset({"fail", "stuck"})


@dataclass(frozen=True)
class Filters:
    """The overview's GET parameters, normalised (unknown values are ignored)."""

    namespace: str = ""
    status: str = ""
    query: str = ""
    show_normal: bool = False
    #: ``details=all``: every row with its details in the page itself (what a browser
    #: without JavaScript is sent to; it reads every mirror's config).
    full: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        status = query.get("status", "").strip()
        return cls(
            namespace=query.get("ns", "").strip()[:255],
            status=status if status in FILTER_KEYS else "",
            query=query.get("q", "").strip()[:200],
            show_normal=query.get("normal") in ("1", "on", "true"),
            full=query.get("details") == "all",
        )

    @property
    def folded(self) -> int:
        """How many of the filters a phone folds behind "Filters" are set (namespace, status,
        repositories not mirrored; the search stays in sight)."""
        return sum((bool(self.namespace), bool(self.status), self.show_normal))

    def params(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` (for the count links)."""
        values = {
            "ns": self.namespace,
            "status": self.status,
            "q": self.query,
            "normal": "1" if self.show_normal else "",
            "details": "all" if self.full else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})

    # -- what the filters make of a row ---------------------------------------------------

    def search_match(self, row: MirrorRow) -> bool | None:
        """Whether ``row`` matches the search (name, source, the reason of its last result,
        or one of its repositories: ``matched``); ``None``: not known yet."""
        query = self.query.lower()
        if not query or query in row.full_name.lower() or row.matched:
            return True
        if not row.mirrored:
            return False
        if row.last_event is not None and query in row.last_event.detail.lower():
            return True
        if row.config is not None:
            return query in row.external_reference.lower()
        return None if row.pending else False

    def status_match(self, row: MirrorRow) -> bool | None:
        """Whether ``row`` has the status asked for; ``None``: its details will tell."""
        if not self.status:
            return True
        if self.status in (LATE, NEVER_AGAIN):
            fresh = row.fresh_key
            if fresh in ("none", "unknown") and row.pending:
                return None  # its details will tell
            return fresh == self.status
        key = row.key
        if key == self.status:
            return True
        if key == PENDING or (self.status == "stuck" and row.pending and row.may_be_stuck):
            return None
        return False

    def keeps(self, row: MirrorRow) -> bool:
        """Whether ``row`` is known to match the filters (its namespace, the search and the
        status): for a row read whole, which is never held."""
        if self.namespace and row.target.namespace != self.namespace:
            return False
        return self.search_match(row) is True and self.status_match(row) is True

    def place(self, row: Row) -> Row:
        """``row`` as the page draws it: shown, held (hidden until its details tell), or
        hidden (it does not match; kept for the counts when it is counted)."""
        search = self.search_match(row)
        status = self.status_match(row) if search else None
        counted = search is True
        hidden = search is False or status is False
        held = not hidden and (search is None or status is None)
        if (row.counted, row.hidden, row.held) == (counted, hidden, held):
            return row  # as it is (most rows: a copy costs more than the rest)
        return replace(row, counted=counted, hidden=hidden, held=held)


def count_links(counted: Counter[str], filters: Filters) -> list[Count]:
    return [
        Count(key, label, counted[key], filters.params(status=key), key in ALWAYS_COUNTED)
        for key, label in STATUS_CHOICES
        if key != NOT_MIRRORED or filters.show_normal
    ]


def total(rows: Iterable[MirrorRow]) -> int:
    """The repository mirrors counted: those whose status is not known yet (pending) too."""
    return sum(1 for row in rows if row.counted and row.key != NOT_MIRRORED)


def total_known(rows: Iterable[Row]) -> bool:
    """Whether the total is whole: no row held uncounted (a search its details are still to
    tell whether it matches: it may be one more)."""
    return not any(row.held and not row.counted for row in rows)
