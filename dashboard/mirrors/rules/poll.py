"""What a live status carries between two polls, in its poll URL: one :class:`PollState` for
a mirror's live status (any kind) and the overview's rows alike -- one format, one parser.

It says what the status showed last, when it was read, when a queued sync was requested, when
a running sync's lease runs out, whether the person may only read, until when a due run is
watched and when Sync now was pressed (its run is followed until it is over).

:func:`pace` decides how soon a mirror's live part (any kind) looks again: at the page's pace
(``STATUS_POLL_SECONDS``) while something runs, while a press's run is not over and around a
run Quay's worker will start by itself (its next run time; a retry ~30 s after a failure);
otherwise slowly (``STATUS_SLOW_POLL_SECONDS``), while the tab is visible.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .status import LABELS
from .timefmt import from_unix_param

if TYPE_CHECKING:
    from dashboard.mirrors.kinds.base import MirrorKind


_DIGEST = re.compile(r"[0-9a-f]{1,16}")


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
    #: Watch at the page's pace until then (a run due, a retry Quay makes after a failure);
    #: kept once past, so an unchanged status does not start watching again.
    watch: datetime | None = None
    #: When Sync now was pressed: the page follows the mirror until the press's run is over.
    pressed: datetime | None = None
    #: A digest of what a slow look drew from (an organization mirror's config): the next slow
    #: look that finds the same need not read or draw more.
    seen: str | None = None
    #: The page's settings form shows the box about a sync under way (``#sync-warning``):
    #: the answer that finds the sync over lifts it (sent only where the page has it).
    box: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> PollState:
        was = query.get("was")
        seen = query.get("seen")
        return cls(
            was=was if was in LABELS else None,
            at=from_unix_param(query.get("at")),
            queued=from_unix_param(query.get("queued")),
            queue_checked="queued" in query,
            read_only=query.get("ro") == "1",
            via_health=query.get("via") == "health",
            lease=from_unix_param(query.get("lease")),
            since=from_unix_param(query.get("since")),
            watch=from_unix_param(query.get("watch")),
            pressed=from_unix_param(query.get("pressed")),
            seen=seen if seen and _DIGEST.fullmatch(seen) else None,
            box=query.get("box") == "1",
        )

    def query(self) -> str:
        return urlencode({"poll": 1, **self.fields()})

    def fields(self) -> dict[str, Any]:
        """What the poll URL carries (without ``poll=1``)."""
        params: dict[str, Any] = {}
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
        if self.seen:
            params["seen"] = self.seen
        if self.box:
            params["box"] = 1
        for name in ("lease", "since", "watch", "pressed"):
            moment = getattr(self, name)
            if moment is not None:
                params[name] = int(moment.timestamp())
        return params

    def url(self, target: MirrorKind, role: str = "live") -> str:
        """The poll URL of the live status (``live``) or of an overview row (``row``)."""
        return f"{target.url(role)}?{self.query()}"


#: How long after a run was due the page goes on watching for the worker to start it (Quay's
#: worker looks every ~30 s; a real Quay started a run due 17:26 at 17:26:05).
WATCH_AFTER_DUE = timedelta(seconds=90)
#: How long after a failure first seen the page watches for Quay's retries (the worker retries
#: at its next pass, ~30 s later, while retries remain: 3 tries take a minute or so).
WATCH_RETRIES = timedelta(minutes=2)
#: How often the page looks while it watches only for those retries: one comes ~30 s apart,
#: so every 10 s sees it soon enough at a fifth of the calls (an organization page showing a
#: failed repository looked every 2 s for 2 min: 60 looks, about 120 calls, a page opened).
RETRY_LOOK_SECONDS = 10
#: How long a press is followed at most when its run never shows up (then: stuck words).
FOLLOW_PRESS = timedelta(minutes=6)


@dataclass(frozen=True)
class PressOutcome:
    """How the run of a Sync now pressed on this page ended, said in the press's box."""

    words: str
    ok: bool


@dataclass(frozen=True)
class Pace:
    """How soon the live part looks again, and what it carries for that."""

    #: Seconds to the next look (while the tab is visible; at once when it becomes visible).
    seconds: int
    #: At the page's pace (something runs, is due or is followed), not the slow refresh.
    fast: bool
    #: What the next poll URL carries (``watch``, ``pressed``).
    state: PollState

    @property
    def every(self) -> str:
        """How often, in words ("every 2 s", "every minute while this tab is visible")."""
        if self.fast:
            return f"every {self.seconds} s" if self.seconds <= 10 else f"in {self.seconds} s"
        every = "every minute" if self.seconds == 60 else f"every {self.seconds} s"
        return f"{every} while this tab is visible"

    @property
    def words(self) -> str:
        """What the page says about its refreshing ("refreshes every 2 s")."""
        return f"refreshes {self.every}"


def pace(
    now: datetime,
    state: PollState,
    *,
    label: str | None,
    running: bool,
    due: datetime | None,
    retrying: bool,
    press_over: bool,
    fast: int,
    slow: int,
) -> Pace:
    """How soon to look again (the one rule for every kind of mirror).

    ``state``: what the poll URL carried (``was``, ``watch``, ``pressed``); ``label``: the
    status shown now; ``running``: queued or running (it changes by itself); ``due``: when
    Quay's worker will start a run by itself (the next run's start date); ``retrying``: a
    failure Quay retries at its worker's next pass (when is not known: watched from the
    first sight of it); ``press_over``: the run of the press in ``state.pressed`` is over
    (or was never started by a press).
    """
    pressed = state.pressed
    if pressed is not None and (press_over or now - pressed > FOLLOW_PRESS):
        pressed = None
    carried = replace(state, was=label, pressed=pressed)
    if running or pressed is not None:
        return Pace(fast, True, replace(carried, watch=None))
    watch = None
    if retrying:  # watched from the first sight of this status, not again on each look
        kept = state.watch if state.was == label else None
        watch = kept or now + WATCH_RETRIES
    retry_every = max(fast, RETRY_LOOK_SECONDS)  # watching for a retry
    if due is not None:
        if due > now:
            wait = math.ceil((due - now).total_seconds())
            if wait <= slow:  # the next look comes when the run is due
                wait = min(wait, retry_every) if watch is not None else wait
                return Pace(max(fast, wait), True, replace(carried, watch=watch))
        elif now - due <= WATCH_AFTER_DUE:  # the worker starts it any second
            watch = max(watch, due + WATCH_AFTER_DUE) if watch else due + WATCH_AFTER_DUE
            return Pace(fast, True, replace(carried, watch=watch))
    if watch is not None and watch > now:
        return Pace(retry_every, True, replace(carried, watch=watch))
    return Pace(slow, False, replace(carried, watch=watch))
