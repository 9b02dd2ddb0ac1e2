"""What an organization mirror's state means, in words (the one place for it).

Quay's rules (``data/model/org_mirror.py`` and the real Quay of
``shared/reference/quay-org-mirror-observed.md``):

* the config's ``sync_status`` describes **discovery** only: it says SUCCESS while the
  repositories it found still sync for minutes, so progress and outcome come from the
  repository counts; between two repositories there are seconds with none syncing;
* a discovery claim has a lease of ``ORG_MIRROR_MAX_DISCOVERY_DURATION`` (30 min by default):
  SYNCING past it means its worker died (re-claimed only once the start date has passed,
  with retries left, on an enabled config);
* a failed repository never makes the config FAIL (FAIL = the source could not be listed);
* Cancel marks every repository CANCEL at the worker's next pass and the config goes back
  to its schedule: **scheduled syncs continue** (unlike a repository mirror's Cancel);
* Sync now is refused while discovery runs or any repository is queued, syncing, never run
  or failed (Quay retries a failed one at the next interval and counts it unfinished).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from dashboard.mirrors.rules.status import (
    CANCEL_THEN_SYNC,
    CANCELLED,
    CANCELLING,
    DISABLED,
    DISCOVERING,
    FAILED,
    NEVER_SYNCED,
    OVERDUE,
    QUEUED,
    STUCK,
    SYNCED,
    SYNCING,
    WORKERS_DOWN,
    Status,
    SyncWarning,
    claimed_at,
    lease_ran_out,
    not_started,
    retries_left,
)
from dashboard.mirrors.rules.timefmt import about, clock, relative
from dashboard.quay.models import MAX_SYNC_RETRIES, SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig, OrgRepoStatus

#: Quay's ORG_MIRROR_MAX_DISCOVERY_DURATION default: the lease of a discovery claim.
DISCOVERY_LEASE = timedelta(minutes=30)

#: What Cancel does to an organization mirror, said before it is done and after.
ORG_CANCEL_WARNING = (
    "Every repository of this organization mirror is marked cancelled at the worker's next "
    "pass (a tag copy already under way still finishes), and the mirror goes back to its "
    "schedule: the next scheduled run syncs them all again. Press Sync now to start sooner."
)

#: What Delete does, said before it is done and after.
DELETE_WARNING = (
    "The organization mirror's settings are deleted. The repositories it created stay, with "
    "their tags, and become normal repositories (pushes allowed); nothing syncs them any "
    "more. Quay creates an organization mirror only in an empty organization, so this one "
    "cannot get a new one until those repositories are deleted."
)
#: What Quay's test connection (``POST …/mirror/verify``) does, after its source
#: (endpoints/api/org_mirror.py, util/orgmirror/*_adapter.py ``test_connection``): Quay's web
#: server, with Python's requests, checks the source URL against its SSRF rules, then (a Quay
#: source with a password) the password as an API token at ``/api/v1/user/`` and the namespace
#: at ``/api/v1/organization/<ns>`` (or ``/api/v1/users/<ns>``); a Harbor source, the project
#: at ``/api/v2.0/projects/<ns>``. The worker's skopeo, which lists and copies the images, talks
#: to the registry (``/v2/``), which the check never contacts.
VERIFY_WHAT = (
    "Quay checks the source's API (not its registry): it finds the namespace there, with the "
    "mirror's stored credentials or anonymously without any."
)
VERIFY_OK = (
    "Quay's server reached the source's API with the mirror's stored credentials (or "
    "anonymously, without any) and found the namespace there."
)
VERIFY_NOT_CHECKED = (
    "It did not contact the source's registry, which the mirror worker pulls the images from "
    "(its /v2/ endpoint), nor list or copy any image: a sync can still fail there, on TLS (a "
    "source served over plain http needs TLS verification off), on a proxy, or on a "
    "repository the credentials cannot read. A failed repository's reason is shown in the "
    "list of discovered repositories."
)
VERIFY_FAILED = "Quay's server could not use the source's API."
#: Why Sync now is off while repositories are unfinished (Quay refuses it then).
SYNC_NOW_BLOCKED = (
    "Quay starts no new sync while any repository is queued, syncing or failed (it retries "
    "failed ones at the next interval): cancel first, then press Sync now."
)


@dataclass(frozen=True)
class OrgStatus(Status):
    """An organization mirror's status (from its repositories' counts), and its presses."""

    #: Something will change by itself: worth polling.
    changes_by_itself: bool = False
    can_sync_now: bool = True
    #: Why Sync now is off ("" when it is on).
    sync_now_blocked: str = ""
    can_cancel: bool = True
    #: Why Cancel is off ("" when it is on).
    cancel_blocked: str = ""


def unfinished(config: OrgMirrorConfig) -> int:
    """Repositories Quay counts as not done (queued, syncing, never run, failed)."""
    return sum(
        config.count(status)
        for status in (
            OrgRepoStatus.SYNC_NOW,
            OrgRepoStatus.SYNCING,
            OrgRepoStatus.NEVER_RUN,
            OrgRepoStatus.FAIL,
        )
    )


def counts_words(config: OrgMirrorConfig) -> str:
    """``"2 synced · 1 syncing · 2 queued · 1 skipped"`` (statuses with none left out)."""
    parts = [
        f"{config.count(status)} {status.label.lower()}"
        for status in (
            OrgRepoStatus.SUCCESS,
            OrgRepoStatus.SYNCING,
            OrgRepoStatus.SYNC_NOW,
            OrgRepoStatus.FAIL,
            OrgRepoStatus.CANCEL,
            OrgRepoStatus.NEVER_RUN,
            OrgRepoStatus.SKIP,
        )
        if config.count(status)
    ]
    return " · ".join(parts) or "no repositories yet"


def _next(config: OrgMirrorConfig, now: datetime) -> str:
    start = config.sync_start_date
    if not config.is_enabled or start is None:
        return ""
    return f"next run {clock(start, now)}" if start > now else "next run due now"


def _plural(count: int, word: str) -> str:
    """``1 repository``, ``3 repositories``."""
    if count == 1:
        return f"1 {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def describe_org(config: OrgMirrorConfig, now: datetime) -> OrgStatus:
    """The status of an organization mirror as a person should read it at ``now``."""
    status = _describe(config, now)
    blocked = ""
    if config.sync_status is SyncStatus.SYNCING:
        blocked = "Quay starts no new sync while discovery runs."
    elif unfinished(config):
        blocked = SYNC_NOW_BLOCKED
    cancel_blocked = _cancel_blocked(config)
    return replace(
        status,
        changes_by_itself=status.changes_by_itself and config.is_enabled,
        can_sync_now=not blocked,
        sync_now_blocked=blocked,
        can_cancel=not cancel_blocked,
        cancel_blocked=cancel_blocked,
    )


def _cancel_blocked(config: OrgMirrorConfig) -> str:
    """Why Cancel is off, or "". Quay takes a cancel in any status but CANCEL, but with
    nothing queued, running or left unfinished it only does harm: its worker marks the
    repositories cancelled, the config says SUCCESS as if discovery had run, and the next run
    moves to the interval's next slot from now (earlier than a start date still to come)."""
    if config.sync_status is SyncStatus.CANCEL:
        return "a cancel is already waiting for the worker."
    if config.sync_status in (SyncStatus.SYNC_NOW, SyncStatus.SYNCING, SyncStatus.FAIL):
        return ""
    if unfinished(config):
        return ""
    return "nothing is queued, running or waiting to be retried."


def _describe(config: OrgMirrorConfig, now: datetime) -> OrgStatus:
    status = config.sync_status
    total = config.total
    next_run = _next(config, now)
    if status is SyncStatus.SYNCING:
        expires = config.sync_expiration_date
        claimed = claimed_at(config, DISCOVERY_LEASE)
        if expires is not None and lease_ran_out(config, now):
            return OrgStatus(
                "stuck",
                STUCK,
                f"discovery was claimed {about(now - claimed)} ago and ran past its "
                f"{about(DISCOVERY_LEASE)} limit (Quay's ORG_MIRROR_MAX_DISCOVERY_DURATION) "
                f"{about(now - expires)} ago: its worker died"
                if claimed
                else "discovery ran past its lease: its worker died",
                CANCEL_THEN_SYNC
                + (
                    f" Otherwise a worker takes it again {clock(config.sync_start_date, now)}."
                    if config.sync_start_date and config.sync_start_date > now
                    else ""
                ),
            )
        since = f" since {relative(claimed, now)}" if claimed else ""
        return OrgStatus(
            "active", DISCOVERING, f"listing the source's repositories{since}", "", True
        )
    if status is SyncStatus.SYNC_NOW:
        if not config.is_enabled:
            return OrgStatus(
                "disabled",
                DISABLED,
                "a Sync now is waiting, but Quay's worker does not pick up a disabled "
                "organization mirror",
                "Turn scheduled syncs on to let it run.",
            )
        return OrgStatus("active", QUEUED, "discovery waits for the worker's next pass", "", True)
    if status is SyncStatus.CANCEL:
        return OrgStatus(
            "cancel",
            CANCELLING,
            "cancel requested: at its next pass the worker marks every repository cancelled, "
            "then the mirror goes back to its schedule",
            "",
            True,
        )
    if status is SyncStatus.FAIL:
        retries = config.sync_retries_remaining
        if 0 < retries < MAX_SYNC_RETRIES:
            when = f"retrying at the worker's next pass ({retries_left(retries)})"
            changes = True
        else:
            start = config.sync_start_date
            when = (
                "gave up on this run (no retries left); the next scheduled run "
                f"{clock(start, now)} tries again, with {MAX_SYNC_RETRIES} fresh tries"
                if start
                else "gave up"
            )
            changes = False
        return OrgStatus(
            "fail",
            FAILED,
            f"discovery failed: the source's repositories could not be listed; {when}",
            "Verify the connection to see why, fix the source or its credentials, then Sync now.",
            changes,
        )
    active = config.repos_active
    start = config.sync_start_date
    due = bool(config.is_enabled and config.sync_retries_remaining > 0 and start and start <= now)
    # Overdue from its start date, or from its creation when it was set up with a past one.
    since = max(start, config.creation_date) if start and config.creation_date else start
    if due and not active and since is not None and now - since > OVERDUE:
        return OrgStatus("stuck", STUCK, not_started(since, now), WORKERS_DOWN)
    status_now = _settled(config, now, status, total, next_run, active)
    if due and not active:
        # Its start date has come: the worker discovers at its next pass.
        return OrgStatus(status_now.key, status_now.label, status_now.detail, "", True)
    return status_now


def _settled(
    config: OrgMirrorConfig,
    now: datetime,
    status: SyncStatus,
    total: int,
    next_run: str,
    active: int,
) -> OrgStatus:
    """The status of a mirror whose discovery is done (SUCCESS) or has not run."""
    if not config.is_enabled and not active:
        return OrgStatus("disabled", DISABLED, f"scheduled syncs are off · {counts_words(config)}")
    if active:
        done = config.count(OrgRepoStatus.SUCCESS)
        counted = total - config.count(OrgRepoStatus.SKIP)
        return OrgStatus(
            "active",
            SYNCING,
            f"{done} of {_plural(counted, 'repository')} synced; "
            f"{config.count(OrgRepoStatus.SYNCING)} syncing, "
            f"{config.count(OrgRepoStatus.SYNC_NOW)} queued (one at a time)",
            "",
            True,
        )
    failed = config.count(OrgRepoStatus.FAIL)
    if failed:
        synced_or_not = total - config.count(OrgRepoStatus.SKIP)  # as the progress counts
        return OrgStatus(
            "fail",
            FAILED,
            f"{failed} of {_plural(synced_or_not, 'repository')} failed the last sync · "
            f"{counts_words(config)}",
            "See each failed repository's message below. Quay retries a failed repository at "
            f"its worker's next pass, about 30 s later, up to {MAX_SYNC_RETRIES} tries in "
            "all; one that fails them all waits for the next run"
            + (f" ({next_run})" if next_run else "")
            + ".",
        )
    cancelled = config.count(OrgRepoStatus.CANCEL)
    if cancelled:
        return OrgStatus(
            "cancel",
            CANCELLED,
            f"the last sync was cancelled ({counts_words(config)})"
            + (f"; scheduled syncs go on: {next_run}" if next_run else ""),
        )
    if status is SyncStatus.NEVER_RUN and total == 0:
        start = config.sync_start_date
        first = f"first run {clock(start, now)}" if start and start > now else "first run due now"
        return OrgStatus("never", NEVER_SYNCED, first if config.is_enabled else "never run")
    synced = config.count(OrgRepoStatus.SUCCESS)
    found = counts_words(config) if total else "discovery found no repository to mirror"
    tail = f" · {next_run}" if next_run else ""
    if not synced and total:
        return OrgStatus("success", SYNCED, f"nothing to sync: {found}{tail}")
    return OrgStatus("success", SYNCED, f"{found}{tail}")


# -- saving the settings while a sync runs ---------------------------------------------------

#: What particular changes do to a sync under way (Quay's ``workers/repomirrorworker``):
#: filters are applied only by discovery; each repository reads the config (source,
#: credentials, TLS and proxies, timeout, robot, visibility) as its own sync starts; queued
#: repositories are picked up only while the config is enabled.
_FILTERS_NOTE = (
    "Changing the filters: Quay applies them only at discovery. Repositories queued before the "
    "next discovery still sync even if the new filters leave them out (that discovery marks "
    "them skipped), and those the new filters add wait for it."
)
_SOURCE_NOTE = (
    "Changing the source: the queued repositories were found in the source as it is now; each "
    "is copied from the new source under the same name (the next discovery lists the new one)."
)
_DISABLE_NOTE = (
    "Turning scheduled syncs off: the worker starts none of the queued repositories until they "
    "are on again (a repository already syncing finishes)."
)
_VISIBILITY_NOTE = (
    "Changing the visibility: repositories the worker has not created in Quay yet are created "
    "with the new one; those already created keep theirs."
)
_SCHEDULE_NOTE = (
    "Changing the start date: when this discovery ends, the worker sets the next run from the "
    "start date and interval it began with, so a start date saved now is replaced then (a new "
    "interval counts from the run after)."
)
DISCOVERY_STUCK = SyncWarning(
    "Discovery looks stuck (its worker's lease ran out): no discovery is running, so saving "
    "does not disturb one.",
    stuck=True,
)


def discovery_running(config: OrgMirrorConfig, now: datetime) -> bool:
    """Discovery claimed by a worker whose lease has not run out (past it, the worker died)."""
    return config.sync_status is SyncStatus.SYNCING and not lease_ran_out(config, now)


def _notes(
    config: OrgMirrorConfig, discovering: bool, changes: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """The notes for what was changed (``changes``: field -> new value; ``None``: every note
    that holds for what runs, for a form not yet posted)."""

    def changed(*names: str) -> bool:
        return changes is None or any(name in changes for name in names)

    notes = []
    if changed("repository_filters"):
        notes.append(_FILTERS_NOTE)
    if changed("external_registry_url", "external_namespace"):
        notes.append(_SOURCE_NOTE)
    turned_off = changes is None or changes.get("is_enabled") is False
    if turned_off and config.is_enabled:
        notes.append(_DISABLE_NOTE)
    if changed("visibility"):
        notes.append(_VISIBILITY_NOTE)
    if discovering and changed("sync_start_date", "sync_interval"):
        notes.append(_SCHEDULE_NOTE)
    return tuple(notes)


def during_sync(
    config: OrgMirrorConfig, now: datetime, changes: Mapping[str, Any] | None = None
) -> SyncWarning | None:
    """What saving the settings now does to the organization mirror's sync under way, from
    Quay's worker (``workers/repomirrorworker/__init__.py``, ``data/model/org_mirror.py``):
    discovery uses the config as it was when claimed (and when it ends writes the next run
    from that config's start date and interval); each repository reads the config when its
    own sync starts and keeps it to the end. ``None``: nothing runs (a dead discovery claim,
    or queued repositories of a disabled config that no worker picks up, is not a sync).
    Saving sends nothing the worker's bookkeeping depends on: a running copy is not broken
    off. ``changes``: the fields the save would send (``None``: the form as drawn)."""
    discovering = discovery_running(config, now)
    syncing = config.count(OrgRepoStatus.SYNCING)
    queued = config.count(OrgRepoStatus.SYNC_NOW) if config.is_enabled else 0
    if not (discovering or syncing or queued):
        if config.sync_status is SyncStatus.SYNCING:
            return DISCOVERY_STUCK
        return None
    repos = f"{syncing} syncing, {queued} queued; one at a time"
    notes = _notes(config, discovering, changes)
    return replace(
        _warning(discovering, syncing, queued, repos, notes), notes_for_changes=changes is not None
    )


def _warning(
    discovering: bool, syncing: int, queued: int, repos: str, notes: tuple[str, ...]
) -> SyncWarning:
    if discovering and (syncing or queued):
        return SyncWarning(
            f"Discovery is running now, and repositories are syncing ({repos}).",
            "Discovery goes on with the settings it started with, and so does a repository "
            "already syncing; the queued repositories, and those this discovery queues, read "
            "the settings as each one's sync starts, so they sync with what you save.",
            notes,
        )
    if discovering:
        return SyncWarning(
            "Discovery is running now: Quay's worker is listing the source's repositories.",
            "It goes on with the source, credentials and filters it started with, so what you "
            "save applies from the next discovery on; the repositories it queues read the "
            "settings as each one's sync starts, so they sync with what you save.",
            notes,
        )
    return SyncWarning(
        f"The organization mirror is syncing its repositories now ({repos}).",
        "Quay's worker reads the settings as it starts each repository: a repository already "
        "syncing finishes with the settings its sync started with, and the queued ones sync "
        "with what you save.",
        notes,
    )
