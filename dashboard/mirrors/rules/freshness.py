"""Freshness: how old a mirror's last success is against its own interval, and whether it
will run on schedule at all. Pure: the overview computes it from what each row already has
(its config, its last result from the log or the fleet index), at no call to Quay.

* **late**: enabled, on schedule, and its last success is older than its interval plus a
  grace of ``max(interval, 1 h)`` -- one whole scheduled run missed, and at least an hour
  for a slow worker or a long sync; or never synced, its first start date past by the grace.
* **will not run again**: a repository mirror with no retries left and no sync running (a
  person's Cancel leaves none; so does a run that used its last try where Quay did not give
  it a new set): Quay's worker takes only mirrors with retries left, so nothing runs until
  someone presses Sync now. Not late: it is not behind a schedule, it has none.
* **off**: disabled (its status says "scheduled syncs are off"). Not late either.
* **on time**: the rest, where the time of the last success is known.

When the last success is not known (a row from mirror health alone, a synced mirror whose log
is not read yet, a failing mirror whose failures are recent), nothing is said: ``None``. A last
result that is a failure at ``T`` bounds the last success (at or before ``T``, or never): that
is enough to call it late once ``T`` itself is older than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.mirrors.rules.timefmt import about, ago, clock, short_duration
from dashboard.quay.models import SyncStatus

#: The least grace a mirror gets past its interval before it is late.
MIN_GRACE = timedelta(hours=1)

LATE = "late"
NEVER_AGAIN = "never-again"
ON_TIME = "on-time"
OFF = "off"


@dataclass(frozen=True)
class Freshness:
    key: str  # LATE, NEVER_AGAIN, ON_TIME, OFF
    words: str
    #: Its interval in words ("every 6 h"), where it has one.
    every: str = ""

    @property
    def late(self) -> bool:
        return self.key == LATE

    @property
    def never_again(self) -> bool:
        return self.key == NEVER_AGAIN


def grace(interval: timedelta) -> timedelta:
    """How long past its interval a last success may be before the mirror is late."""
    return max(interval, MIN_GRACE)


def judge(
    *,
    enabled: bool,
    sync_status: SyncStatus,
    interval_seconds: int,
    start: datetime | None,
    retries: int | None,
    succeeded_at: datetime | None,
    not_since: datetime | None,
    now: datetime,
) -> Freshness | None:
    """The freshness of a mirror, or ``None`` when it is not known.

    ``succeeded_at``: when its last success ended, when known. ``not_since``: when its last
    finished run ended that was not a success (no success since), when known.
    ``retries``: ``None`` for a kind Quay does not stop scheduling at zero retries."""
    if not enabled:
        return Freshness(OFF, "scheduled syncs off: disabled")
    if retries is not None and retries <= 0 and not sync_status.is_active:
        # (The status beside it says the rest: "scheduled syncs are paused until Sync now".)
        why = "cancelled" if sync_status is SyncStatus.CANCEL else "no retries left"
        return Freshness(NEVER_AGAIN, f"will not run again until Sync now: {why}")
    if interval_seconds <= 0:
        return None
    interval = timedelta(seconds=interval_seconds)
    limit = interval + grace(interval)
    every = f"every {short_duration(interval)}"
    if succeeded_at is not None:
        late = now - succeeded_at > limit
        words = f"last success {ago(succeeded_at, now)} ({every})"
        return Freshness(LATE if late else ON_TIME, f"{words}: late" if late else words, every)
    if not_since is not None:
        if now - not_since > limit:
            words = f"no success in the last {about(now - not_since)} ({every})"
            return Freshness(LATE, f"{words}: late", every)
        return None
    if sync_status is SyncStatus.NEVER_RUN and start is not None:
        if now - start > grace(interval):
            words = f"never synced; its first run was due {ago(start, now)} ({every})"
            return Freshness(LATE, f"{words}: late", every)
        words = f"never synced yet; first run {clock(start, now)} ({every})"
        return Freshness(ON_TIME, words, every)
    return None
