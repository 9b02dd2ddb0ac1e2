"""What a mirror's state means, in words: the status, its detail, and whether it is stuck.

One place decides this for every page (overview rows, the status panel, filters, counts).
Quay's worker rules (data/model/repo_mirror.py): a worker claims a mirror by setting SYNCING and
a lease of 12 h; FAIL keeps the start date and retries at once while retries remain; after the
last retry (or a success) the next run moves to the next interval; CANCEL sets retries to 0, so
nothing runs until someone presses Sync Now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.quay.models import MAX_SYNC_RETRIES, MirrorConfig, SyncStatus

from .timefmt import relative, short_duration

LEASE = timedelta(hours=12)
#: A Sync Now that no worker picked up after this long is stuck.
QUEUED_TOO_LONG = timedelta(minutes=5)
#: A scheduled run that has not started this long after its time is stuck.
OVERDUE = timedelta(minutes=15)

#: Overview order: broken first.
RANK = {"fail": 0, "stuck": 1, "active": 2, "cancel": 3, "never": 4, "success": 5, "disabled": 6}


@dataclass(frozen=True)
class MirrorStatus:
    key: str  # fail, stuck, active, cancel, never, success, disabled (CSS class and filter)
    label: str  # the status in a word or two
    detail: str  # what it means now, in a sentence fragment
    remedy: str = ""  # what to do about it (stuck only)
    sync_status: SyncStatus = SyncStatus.NEVER_RUN

    @property
    def is_stuck(self) -> bool:
        return self.key == "stuck"

    @property
    def is_active(self) -> bool:
        """Queued or running (polling continues while this is true)."""
        return self.sync_status.is_active

    @property
    def can_cancel(self) -> bool:
        return self.sync_status.can_cancel

    @property
    def can_sync_now(self) -> bool:
        return self.sync_status.can_sync_now

    @property
    def rank(self) -> int:
        return RANK[self.key]


def claimed_at(config: MirrorConfig) -> datetime | None:
    """When a worker claimed the running sync (its lease is claim time + 12 h)."""
    if config.sync_status is SyncStatus.SYNCING and config.sync_expiration_date:
        return config.sync_expiration_date - LEASE
    return None


def _retries(config: MirrorConfig) -> str:
    return f"{config.sync_retries_remaining} of {MAX_SYNC_RETRIES} left"


def describe(
    config: MirrorConfig, now: datetime, *, queued_since: datetime | None = None
) -> MirrorStatus:
    """The status of a mirror as a person should read it at ``now``."""
    status = config.sync_status
    start = config.sync_start_date
    s = status

    if status is SyncStatus.SYNCING:
        expires = config.sync_expiration_date
        claimed = claimed_at(config)
        if expires and expires <= now:
            return MirrorStatus(
                "stuck",
                "Stuck",
                f"the worker claimed this sync {short_duration(now - claimed)} ago and its "
                f"12 h lease ran out {short_duration(now - expires)} ago"
                if claimed
                else "the worker's lease on this sync ran out",
                "Cancel it, then press Sync now.",
                s,
            )
        running = f"running for {short_duration(now - claimed)}" if claimed else "running"
        return MirrorStatus("active", "Syncing", running, sync_status=s)

    if status is SyncStatus.SYNC_NOW:
        if queued_since and now - queued_since > QUEUED_TOO_LONG:
            return MirrorStatus(
                "stuck",
                "Stuck",
                f"queued {short_duration(now - queued_since)} ago and no worker has picked it "
                "up; the mirror workers may be down or busy",
                "Cancel it, then press Sync now; if it stays queued, check Quay's mirror workers.",
                s,
            )
        since = f" since {relative(queued_since, now)}" if queued_since else ""
        return MirrorStatus("active", "Queued", f"waiting for a worker{since}", sync_status=s)

    scheduled = config.is_enabled and config.sync_retries_remaining > 0 and start is not None
    if scheduled and start is not None and now - start > OVERDUE:
        return MirrorStatus(
            "stuck",
            "Stuck",
            f"the scheduled run was due {relative(start, now)} and has not started; "
            "the mirror workers may be down",
            "Press Sync now; if it does not start, check Quay's mirror workers.",
            s,
        )

    if not config.is_enabled and status is not SyncStatus.FAIL:
        words = {
            SyncStatus.SUCCESS: "last sync succeeded",
            SyncStatus.CANCEL: "last sync cancelled",
        }
        return MirrorStatus(
            "disabled",
            "Disabled",
            f"scheduled syncs are off; {words.get(status, 'never synced')}",
            sync_status=s,
        )

    next_run = f"next run {relative(start, now)}" if start else "no next run scheduled"
    if status is SyncStatus.FAIL:
        if config.sync_retries_remaining > 0 and config.is_enabled:
            when = "within a minute" if start is None or start <= now else f"{relative(start, now)}"
            return MirrorStatus(
                "fail", "Failed", f"retrying {when} ({_retries(config)})", sync_status=s
            )
        later = (
            f"next try {relative(start, now)}"
            if start and config.is_enabled
            else ("scheduled syncs are off" if not config.is_enabled else "no next try scheduled")
        )
        return MirrorStatus("fail", "Failed", f"gave up after 3 tries; {later}", sync_status=s)
    if status is SyncStatus.CANCEL:
        return MirrorStatus(
            "cancel", "Cancelled", "scheduled syncs are paused until Sync now", sync_status=s
        )
    if status is SyncStatus.NEVER_RUN:
        first = f"first run {relative(start, now)}" if start else "no first run scheduled"
        return MirrorStatus("never", "Never synced", first, sync_status=s)
    return MirrorStatus("success", "Synced", next_run, sync_status=s)
