"""What a mirror's state means, in words: the status, its detail, and whether it is stuck.

One place decides this for every page (overview rows, the status panel, filters, counts).
Quay's worker rules (data/model/repo_mirror.py): a worker claims a mirror by setting SYNCING and
a lease of 12 h; FAIL keeps the start date and is retried at the worker's next pass (~30 s)
while retries remain; after the last retry (or a success) the next run moves to the next
interval; CANCEL sets retries to 0, so nothing runs until someone presses Sync Now, which gives
it one try (``max(retries, 1)``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dashboard.mirrors.rules.timefmt import about, at, clock, relative, short_duration
from dashboard.quay.models import (
    MAX_SYNC_RETRIES,
    HealthEntry,
    MirrorConfig,
    SharedConfig,
    SyncStatus,
)

LEASE = timedelta(hours=12)
#: A Sync Now that no worker picked up after this long is stuck.
QUEUED_TOO_LONG = timedelta(minutes=5)
#: A scheduled run that has not started this long after its time is stuck.
OVERDUE = timedelta(minutes=15)
#: A failed sync whose start date is no later than this from now is retried by the next poll.
RETRY_SOON = timedelta(minutes=1)

#: Overview order: broken first.
RANK = {"fail": 0, "stuck": 1, "active": 2, "cancel": 3, "never": 4, "success": 5, "disabled": 6}


# -- the words for statuses: the one place they are written -----------------------------------

NEVER_SYNCED = "Never synced"
QUEUED = "Queued"
SYNCING = "Syncing"
SYNCED = "Synced"
FAILED = "Failed"
CANCELLED = "Cancelled"
STUCK = "Stuck"
DISABLED = "Disabled"
#: An organization mirror's own (``org_status.describe_org``).
DISCOVERING = "Discovering"
CANCELLING = "Cancelling"
#: Every label :func:`describe` and ``org_status.describe_org`` give (what a poll URL may say
#: the page showed last).
LABELS = frozenset(
    {NEVER_SYNCED, QUEUED, SYNCING, SYNCED, FAILED, CANCELLED, STUCK, DISABLED}
    | {DISCOVERING, CANCELLING}
)
#: What a status showed while it polled (a queued-too-long sync polls as "Stuck").
ACTIVE_LABELS = (QUEUED, SYNCING, STUCK)

#: What to do about a sync whose worker died (its lease ran out), of either kind.
CANCEL_THEN_SYNC = "Cancel it, then press Sync now."
#: What to do about a run that is due and has not started, of either kind.
WORKERS_DOWN = "Press Sync now; if it does not start, check Quay's mirror workers."

#: What Cancel does, said before it is done (confirmation dialogs and page) and after.
CANCEL_WARNING = (
    "The running copy stops after the current tag (tags copied so far stay), and scheduled "
    "syncs stay paused until someone presses Sync now."
)


@dataclass(frozen=True)
class SyncWarning:
    """What a settings form says about saving while a sync is under way (the box
    ``settings_form.html#sync_warning`` of a repository's and an organization's form)."""

    #: What runs now (or, ``stuck``, why nothing does), in a sentence.
    headline: str
    #: What a save does to it.
    effect: str = ""
    #: What particular changes do to it (an organization mirror's filters, source …).
    notes: tuple[str, ...] = ()
    #: The notes are for the changes this save makes (else: for any change, the form as drawn).
    notes_for_changes: bool = False
    #: Its worker died: nothing runs that a save could disturb (said; nothing to confirm).
    stuck: bool = False


#: A repository mirror's sync, as its settings form describes it.
REPO_SYNC_RUNNING = SyncWarning(
    "A sync is running now.",
    "Saving changes while it runs can disturb it: Quay restarts the sync's bookkeeping (its "
    "transaction id) on every change, so the worker may lose track of it.",
)
REPO_SYNC_STUCK = SyncWarning(
    "The sync in Quay looks stuck (its worker's lease ran out), so saving does not disturb a "
    "running copy.",
    stuck=True,
)


@dataclass(frozen=True)
class Status:
    """A mirror's status in words, of either kind (:class:`MirrorStatus`,
    ``org_status.OrgStatus`` say more)."""

    key: str  # fail, stuck, active, cancel, never, success, disabled (CSS class and filter)
    label: str  # the status in a word or two
    detail: str  # what it means now, in a sentence fragment
    remedy: str = ""  # what to do about it (stuck and failed)

    @property
    def is_stuck(self) -> bool:
        return self.key == "stuck"

    @property
    def in_words(self) -> str:
        """The status and what it means, as a sentence says it ("failed: retrying …")."""
        return f"{self.label.lower()}: {self.detail}"

    @property
    def rank(self) -> int:
        return RANK[self.key]


@dataclass(frozen=True)
class MirrorStatus(Status):
    """A repository mirror's status, with what its config says of its run."""

    sync_status: SyncStatus = SyncStatus.NEVER_RUN
    #: The retries in words for a "Retries left" column or fact ("2 of 3 left", "3, for the
    #: next run at 23:39 UTC", "—" when not known).
    retries: str = "—"
    #: Words that stand for the next run where a time would mislead ("within a minute" for a
    #: retry that is due, "due now"); "" when the start date tells it.
    next_words: str = ""

    @property
    def is_active(self) -> bool:
        """Queued or running."""
        return self.sync_status.is_active

    @property
    def changes_by_itself(self) -> bool:
        """Worth polling: a queued or running sync, except one whose worker died (its lease
        ran out: only Cancel, a person's act, moves it on)."""
        return self.is_active and not (self.is_stuck and self.sync_status is SyncStatus.SYNCING)

    @property
    def can_cancel(self) -> bool:
        return self.sync_status.can_cancel

    @property
    def can_sync_now(self) -> bool:
        return self.sync_status.can_sync_now

    @property
    def sync_now_blocked(self) -> str:
        """Why Sync now is off ("" when it is on)."""
        return "" if self.can_sync_now else "already syncing"


def claimed_at(config: SharedConfig, lease: timedelta = LEASE) -> datetime | None:
    """When a worker claimed the running sync (its lease, of either kind: claim time +
    ``lease``, 12 h for a repository's sync)."""
    if config.sync_status is SyncStatus.SYNCING and config.sync_expiration_date:
        return config.sync_expiration_date - lease
    return None


def lease_ran_out(config: SharedConfig, now: datetime) -> bool:
    """Claimed by a worker (SYNCING) whose lease has run out: it died (either kind)."""
    expires = config.sync_expiration_date
    return config.sync_status is SyncStatus.SYNCING and expires is not None and expires <= now


def retries_left(retries: int) -> str:
    """The retries in words, of either kind (``2 of 3 left``)."""
    return f"{retries} of {MAX_SYNC_RETRIES} left"


def _retries(config: MirrorConfig) -> str:
    return retries_left(config.sync_retries_remaining)


def not_started(since: datetime, now: datetime) -> str:
    """A scheduled run, due ``since``, that no worker started (of either kind)."""
    return (
        f"the scheduled run was due {relative(since, now)} and has not started; the mirror "
        "workers may be down"
    )


def describe(
    config: MirrorConfig,
    now: datetime,
    *,
    queued_since: datetime | None = None,
    last_event_at: datetime | None = None,
    last_sync: datetime | None = None,
) -> MirrorStatus:
    """The status of a mirror as a person should read it at ``now``.

    ``queued_since`` (see :func:`.runs.queued_since`) lets a SYNC_NOW that no worker picked up be
    called stuck; ``last_event_at`` (when the last sync ended, see :func:`.runs.last_result`) does
    the same for a failed sync whose immediate retry never started. ``last_sync`` (when the
    last sync happened, if known) lets a synced mirror say "Synced 3 h ago · next 20:40 UTC".
    """
    status = _describe(config, now, queued_since=queued_since, last_event_at=last_event_at)
    if status.key == "success" and last_sync is not None:
        start = config.sync_start_date
        upcoming = f" · next {clock(start, now)}" if start is not None and start > now else ""
        status = replace(status, detail=f"{relative(last_sync, now)}{upcoming}")
    return replace(status, retries=_retries_words(config, now), next_words=_next_words(config, now))


def _gave_up(config: MirrorConfig, now: datetime) -> bool:
    """A failed sync that used its last retry: Quay moved the start date to the next interval
    and set the retries back to a full set for that run.

    How many tries that was is not known from the config: Quay's ``release_mirror`` gives up
    when a failure leaves no retry, and Sync now (``update_sync_status_to_sync_now``) sets the
    retries to ``max(retries, 1)``, so a Sync now pressed with none left (after a Cancel, or
    after a run that gave up with the start date not yet come) is one try, and its failure
    gives up at once."""
    start = config.sync_start_date
    return (
        config.sync_status is SyncStatus.FAIL
        and config.is_enabled
        and config.sync_retries_remaining >= MAX_SYNC_RETRIES
        and start is not None
        and start > now + RETRY_SOON
    )


def _retries_words(config: MirrorConfig, now: datetime) -> str:
    if _gave_up(config, now):
        # Quay set a full set of retries for the next run: say so under "Retries left".
        return f"{MAX_SYNC_RETRIES}, for the next run at {clock(config.sync_start_date, now)}"  # type: ignore[arg-type]
    return _retries(config)


def _next_words(config: MirrorConfig, now: datetime) -> str:
    """What the next run is when its start date is already past (a time would look stale)."""
    start = config.sync_start_date
    if lease_ran_out(config, now):
        # Its worker died, and no worker claims it again: Quay's get_eligible_mirrors lists an
        # expired SYNCING mirror, but claim_mirror returns at once for any SYNCING one.
        return "none until the stuck sync is cancelled"
    if config.sync_status.is_active and config.is_enabled:
        return "after this sync ends"  # its start date is the run now going on
    if config.sync_status.is_active or not config.is_enabled or start is None:
        return ""
    if config.sync_retries_remaining <= 0:
        return "none until Sync now (no retries left)"  # the worker skips it
    if start > now:
        return ""
    if config.sync_status is SyncStatus.FAIL:
        return "within a minute" if start > now - OVERDUE else ""
    return "due now" if start > now - OVERDUE else ""


def _describe(
    config: MirrorConfig,
    now: datetime,
    *,
    queued_since: datetime | None,
    last_event_at: datetime | None,
) -> MirrorStatus:
    status = config.sync_status
    start = config.sync_start_date
    s = status

    if status is SyncStatus.SYNCING:
        expires = config.sync_expiration_date
        claimed = claimed_at(config)
        if lease_ran_out(config, now):
            return MirrorStatus(
                "stuck",
                STUCK,
                f"the worker claimed this sync {about(now - claimed)} ago and its "
                f"12 h lease ran out {about(now - expires)} ago"
                if claimed
                else "the worker's lease on this sync ran out",
                CANCEL_THEN_SYNC,
                s,
            )
        running = f"running for {short_duration(now - claimed)}" if claimed else "running"
        return MirrorStatus("active", SYNCING, running, sync_status=s)

    if status is SyncStatus.SYNC_NOW:
        if queued_since and now - queued_since > QUEUED_TOO_LONG:
            return MirrorStatus(
                "stuck",
                STUCK,
                f"queued {about(now - queued_since)} ago and no worker has picked it "
                "up; the mirror workers may be down or busy",
                "Cancel it, then press Sync now; if it stays queued, check Quay's mirror workers.",
                s,
            )
        since = f" (queued {relative(queued_since, now)})" if queued_since else ""
        return MirrorStatus("active", QUEUED, f"waiting for a worker{since}", sync_status=s)

    scheduled = config.is_enabled and config.sync_retries_remaining > 0 and start is not None
    if scheduled and start is not None and now - start > OVERDUE:
        # A FAIL keeps its start date (the retry is due at once), so a long-past start alone
        # does not show a dead worker there: only when the last run ended long ago.
        if status is not SyncStatus.FAIL:
            return MirrorStatus("stuck", STUCK, not_started(start, now), WORKERS_DOWN, s)
        if last_event_at is not None and now - last_event_at > OVERDUE:
            return MirrorStatus(
                "stuck",
                STUCK,
                f"the last try failed {relative(last_event_at, now)} and the retry that was "
                "due right after it has not started; the mirror workers may be down",
                WORKERS_DOWN,
                s,
            )

    if not config.is_enabled and status is not SyncStatus.FAIL:
        words = {
            SyncStatus.SUCCESS: "last sync succeeded",
            SyncStatus.CANCEL: "last sync cancelled",
        }
        return MirrorStatus(
            "disabled",
            DISABLED,
            f"scheduled syncs are off; {words.get(status, 'never synced')}",
            sync_status=s,
        )

    if status is SyncStatus.FAIL:
        return MirrorStatus(
            "fail", FAILED, _fail_detail(config, now), _fail_remedy(config, now), sync_status=s
        )
    if status is SyncStatus.CANCEL:
        return MirrorStatus(
            "cancel", CANCELLED, "scheduled syncs are paused until Sync now", sync_status=s
        )
    if status is SyncStatus.NEVER_RUN:
        return MirrorStatus("never", NEVER_SYNCED, _run_at("first", start, now), sync_status=s)
    return MirrorStatus("success", SYNCED, _run_at("next", start, now), sync_status=s)


def _run_at(which: str, start: datetime | None, now: datetime) -> str:
    """When the ``which`` (first, next) run is: ``next run at 14:00 UTC (in 5 h)``."""
    if start is None:
        return f"no {which} run scheduled"
    if start <= now:
        return f"{which} run due now, waiting for a worker"
    return f"{which} run {at(start, now)}"


def _fail_detail(config: MirrorConfig, now: datetime) -> str:
    """Quay retries a failed sync as soon as its start date has come, while retries remain
    (a FAIL keeps the start date and uses one retry); after the last one it gives up until
    the next interval: the start date moves on and the retries go back to 3."""
    start = config.sync_start_date
    retries = config.sync_retries_remaining
    if not config.is_enabled:
        return "scheduled syncs are off; no retry until Sync now"
    if retries <= 0:
        return "gave up; no retry until Sync now"
    due_soon = start is None or start <= now + RETRY_SOON
    if _gave_up(config, now):
        return (
            "gave up on this run (no retries left); "
            f"{MAX_SYNC_RETRIES} tries again {at(start, now)}"  # type: ignore[arg-type]
        )
    if due_soon:
        return f"retrying within a minute ({_retries(config)})"
    return f"retrying {at(start, now)} ({_retries(config)})"  # type: ignore[arg-type]


def _fail_remedy(config: MirrorConfig, now: datetime) -> str:
    """The next step after a failed sync (the Last result says why it failed)."""
    cause = "Fix the cause (the last result says what went wrong: the source, its credentials"
    cause += " or the robot)"
    if not config.is_enabled or config.sync_retries_remaining <= 0:
        return f"{cause}, then press Sync now."
    if _gave_up(config, now):
        return f"{cause}; Quay tries again at the next run, or press Sync now."
    return f"Quay retries by itself; if it keeps failing, {cause[0].lower()}{cause[1:]}."


def describe_health(entry: HealthEntry, now: datetime) -> MirrorStatus:
    """The status of a mirror known only from Quay's mirror health report.

    Health carries no schedule and no lease, so it is read through the one :func:`describe`
    as a config without a start date, and the words say only what the report knows: when the
    last sync was, the retries it names ("—" when it names none), and that a running sync
    cannot be told stuck from here.
    """
    retries = entry.retries_remaining
    config = MirrorConfig(
        is_enabled=entry.is_enabled,
        external_reference="",
        sync_interval=0,
        sync_start_date=None,
        sync_status=entry.sync_status,
        root_rule=(),
        robot_username=None,
        sync_retries_remaining=MAX_SYNC_RETRIES if retries is None else retries,
    )
    status = describe(config, now)
    detail = status.detail
    if status.key in ("success", "fail", "never", "disabled"):
        detail = f"last sync {relative(entry.last_sync, now)}" if entry.last_sync else ""
        if status.key == "fail" and retries is not None:
            left = (
                "gave up; no retry until Sync now"
                if retries <= 0
                else f"{retries} of {MAX_SYNC_RETRIES} retries left"
            )
            detail = ", ".join(filter(None, [detail, left]))
    elif entry.sync_status is SyncStatus.SYNCING:
        detail = "Quay's health report can't tell whether it is stuck"
    return replace(
        status,
        detail=detail,
        retries="—" if retries is None else retries_left(retries),
        next_words="",
        remedy="",  # read-only: the person cannot press anything, and health says no cause
    )
