"""What a live status carries between two polls, in its poll URL: one :class:`PollState` for
a mirror's live status (any kind) and the overview's rows alike -- one format, one parser.

It says what the status showed last, when it was read, when a queued sync was requested, when
a running sync's lease runs out, whether the person may only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .status import LABELS
from .timefmt import from_unix_param

if TYPE_CHECKING:
    from dashboard.mirrors.kinds.base import MirrorKind


@dataclass(frozen=True)
class PollState:
    """What a live status knows between two polls (carried in its poll URL)."""

    #: The status label shown last (one of ``status.LABELS``).
    was: str | None = None
    #: When the status shown was read from Quay (a failed poll says "as of" then).
    at: datetime | None = None
    #: When Sync now was pressed (from the log or the press itself), for a queued sync.
    queued: datetime | None = None
    #: The log was looked at for ``queued`` (found or not): no need to read it again.
    queue_checked: bool = False
    #: The person may read but not change the mirror (no buttons).
    read_only: bool = False
    #: The status comes from the namespace's mirror health (the config is not readable).
    via_health: bool = False
    #: For a running sync: its worker's lease runs out then (or not before then, when the
    #: claim was seen happen but not read): no need to look for a stuck sync before it.
    lease: datetime | None = None
    #: When the status shown was first seen (a status seen change: it began after ``at``).
    since: datetime | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> PollState:
        was = query.get("was")
        return cls(
            was=was if was in LABELS else None,
            at=from_unix_param(query.get("at")),
            queued=from_unix_param(query.get("queued")),
            queue_checked="queued" in query,
            read_only=query.get("ro") == "1",
            via_health=query.get("via") == "health",
            lease=from_unix_param(query.get("lease")),
            since=from_unix_param(query.get("since")),
        )

    def query(self) -> str:
        params: dict[str, Any] = {"poll": 1}
        if self.was:
            params["was"] = self.was
        if self.at is not None:
            params["at"] = int(self.at.timestamp())
        if self.queued is not None or self.queue_checked:
            # 0: looked, not found (or could not be read): the next polls need not look again.
            params["queued"] = int(self.queued.timestamp()) if self.queued else 0
        if self.read_only:
            params["ro"] = 1
        if self.via_health:
            params["via"] = "health"
        for name in ("lease", "since"):
            moment = getattr(self, name)
            if moment is not None:
                params[name] = int(moment.timestamp())
        return urlencode(params)

    def url(self, target: MirrorKind, role: str = "live") -> str:
        """The poll URL of the live status (``live``) or of an overview row (``row``)."""
        return f"{target.url(role)}?{self.query()}"
