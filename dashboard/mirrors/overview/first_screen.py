"""The overview's first screen: the first ``OVERVIEW_FIRST_ROWS`` rows come with the page, the
others with its listing.

Drawing a row costs the dashboard about half a millisecond; a watched fleet of 1,000 mirrors
drew 2 MB of rows in 0.6 s before anyone saw the first one. The page shows every count at once
(they are counted over every row) and the failed and stuck rows first; the listing, which the
page asks for as soon as it is shown and which reads the same answers again (no call to Quay
more), brings the rest. The rows left for later are kept by name for ``KEEP_SECONDS`` (in the
cache, under a key only the page knows, with the person's name), so the listing draws the very
rows the counts counted, each as it is now, with the status the counts counted it under (a row
whose status changed in between moves from that count to its own); where they are no longer
kept (another process's local cache, or expired) it draws those after the first ``after`` and
the page drops any it already has.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache

from dashboard.mirrors.overview.rows import Row

#: How long the rows left for later are kept for the listing.
KEEP_SECONDS = 600
_PREFIX = "mdlater"


@dataclass(frozen=True)
class FirstScreen:
    rows: list[Row]
    #: How many rows the listing brings, and the key it asks for them by.
    later: int = 0
    key: str = ""

    def params(self) -> dict[str, str]:
        """The listing URL's parameters for the rows left for later."""
        return {"later": self.key, "after": str(len(self.rows))} if self.later else {}


def split(rows: Sequence[Row], username: str) -> FirstScreen:
    """The rows drawn with the page, and the others kept for the listing."""
    first = max(1, settings.OVERVIEW_FIRST_ROWS)
    if len(rows) <= first:
        return FirstScreen(list(rows))
    key = secrets.token_urlsafe(12)
    counted = {row.full_name: row.counted_key for row in rows[first:]}
    cache.set(f"{_PREFIX}:{key}", {"user": username, "counted": counted}, KEEP_SECONDS)
    return FirstScreen(list(rows[:first]), len(counted), key)


def later(rows: Sequence[Row], username: str, key: str, after: int) -> list[Row]:
    """The rows the first paint left for later, as ``rows`` (drawn now, placed by the page's
    filters) have them, each with ``counted_as``: the status the first paint counted it under
    (where that is no longer kept, the one it has now)."""
    shown = [row for row in rows if not row.hidden]
    kept = cache.get(f"{_PREFIX}:{key}") if key else None
    if kept is not None and kept.get("user") == username:
        by_name = {row.full_name: row for row in shown}
        counted: dict[str, str] = kept["counted"]
        return [
            replace(by_name[name], counted_as=first_key)
            for name, first_key in counted.items()
            if name in by_name
        ]
    return [replace(row, counted_as=row.counted_key) for row in shown[after:]] if after > 0 else []
