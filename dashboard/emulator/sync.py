"""Clock-driven simulation of Quay's repository-mirror worker.

There is no background thread: whenever a request reads state, ``advance`` replays every
worker event due up to the emulator's "now", in time order, so a large clock jump runs
all the intermediate claims, syncs and releases. Each repository's next event
(``eligible_at``) is kept in ``state.schedule``; whatever changes a mirror must ``track`` the
repository afterwards (the worker's steps here, the API's calls in ``app.route``, the seed).
The rules follow Quay's ``data/model/repo_mirror.py`` (get_eligible_mirrors, claim_mirror,
release_mirror, update_sync_status_to_sync_now / _to_cancel) and ``workers/repomirrorworker``:

* SYNC_NOW is claimed ``claim_delay`` seconds after it was set (the worker's poll);
* enabled mirrors with ``sync_start_date <= now``, retries left and no lease are claimed
  (scheduled runs and FAIL retries); expired SYNCING leases are reclaimed the same way;
* a claim sets SYNCING and ``sync_expiration_date = claim + 12 h``; the run ends
  ``sync_duration`` seconds later with SUCCESS or FAIL;
* FAIL decrements retries and keeps the start date; SUCCESS, or FAIL at 0 retries, moves
  the start date to the next interval (keeping "now"'s microseconds) and resets retries to 3;
* CANCEL (API) sets retries 0; the running sync stops and is not released, so the
  mirror waits for Sync Now.
"""

from __future__ import annotations

import calendar
import fnmatch
import hashlib
from datetime import datetime, timedelta
from typing import Any

from . import org_worker
from .state import (
    MAX_SYNC_DURATION,
    MAX_SYNC_RETRIES,
    Mirror,
    Repository,
    State,
    SyncRun,
    Tag,
)

SKOPEO_ERRORS = {
    "notfound": (
        'time="{ts}" level=fatal msg="Error listing repository tags: fetching tags list: '
        'invalid status code from registry 404 (Not Found)"\n'
    ),
    "tls": (
        'time="{ts}" level=fatal msg="Error listing repository tags: pinging container '
        'registry {host}: Get \\"https://{host}/v2/\\": tls: failed to verify certificate: '
        'x509: certificate signed by unknown authority"\n'
    ),
    "auth": (
        'time="{ts}" level=fatal msg="Error listing repository tags: fetching tags list: '
        'requested access to the resource is denied"\n'
    ),
    "timeout": (
        'time="{ts}" level=fatal msg="Error listing repository tags: pinging container '
        'registry {host}: Get \\"https://{host}/v2/\\": dial tcp: i/o timeout"\n'
    ),
}
MAX_EVENTS_PER_ADVANCE = 200_000


def epoch(when: datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime."""
    return calendar.timegm(when.utctimetuple())


def later(moment: datetime, delta: timedelta | float) -> datetime:
    """``moment + delta``, or ``datetime.max`` past year 9999 (a far start date plus an interval:
    Quay accepts such dates; one mirror's overflow must not break every call)."""
    try:
        return moment + (delta if isinstance(delta, timedelta) else timedelta(seconds=delta))
    except OverflowError:
        return datetime.max


def rule_of(repo: Repository, mirror: Mirror) -> list[str]:
    """The patterns of the mirror's own rule row."""
    return repo.rules[mirror.rule_index]


def match_tags(upstream: list[str], patterns: list[str]) -> list[str]:
    """Tags selected by the rule: union of ``fnmatch`` matches, one pattern at a time."""
    matched: set[str] = set()
    for pattern in patterns:
        matched.update(tag for tag in upstream if fnmatch.fnmatchcase(tag, pattern))
    return sorted(matched)


def digest_for(reference: str, tag: str) -> str:
    return "sha256:" + hashlib.sha256(f"{reference}:{tag}".encode()).hexdigest()


def put_tag(state: State, repo: Repository, reference: str, name: str, when: datetime) -> bool:
    """Create or retarget a local tag; False when it already points at the same digest."""
    digest = digest_for(reference, name)
    existing = repo.tags.get(name)
    if existing is not None and existing.manifest_digest == digest:
        return False
    state.tag_counter += 1
    size = 2_000_000 + int(digest[7:13], 16) % 90_000_000
    repo.tags[name] = Tag(name, digest, size, epoch(when), order=state.tag_counter)
    return True


def worker_log(
    state: State,
    repo: Repository,
    kind: str,
    verb: str,
    message: str,
    when: datetime,
    *,
    tag: str | None = None,
    tags: str | None = None,
    stdout: str | None = None,
    stderr: str | None = None,
) -> None:
    """A log entry written by the mirror worker (no performer, no IP)."""
    metadata: dict[str, Any] = {
        "verb": verb,
        "namespace": repo.namespace,
        "repo": repo.name,
        "message": message,
        "tag": tag,
        "tags": tags,
        "stdout": stdout,
        "stderr": stderr,
    }
    state.add_log(repo, kind, metadata, when)


# ------------------------------------------------------------------ transitions


def eligible_at(state: State, repo: Repository) -> datetime | None:
    """When the worker will next act on this repository's mirror, or None."""
    mirror = repo.mirror
    if mirror is None or repo.state != "MIRROR":
        return None
    delay = timedelta(seconds=state.options.claim_delay)
    touched = mirror.touched_at or datetime.min
    if mirror.run is not None:
        return mirror.run.finish_at
    retries_left = mirror.sync_retries_remaining > 0
    if mirror.sync_status == "SYNCING":
        if mirror.is_enabled and retries_left and mirror.sync_start_date:
            expiry = mirror.sync_expiration_date or touched
            return later(max(expiry, mirror.sync_start_date, touched), delay)
        return None
    if mirror.sync_status == "SYNC_NOW" and mirror.sync_expiration_date is None:
        return later(touched, delay)
    if mirror.sync_status == "CANCEL":
        return None
    if (
        mirror.is_enabled
        and retries_left
        and mirror.sync_start_date is not None
        and mirror.sync_expiration_date is None
    ):
        return later(max(mirror.sync_start_date, touched), delay)
    return None


def claim(state: State, repo: Repository, when: datetime) -> None:
    """The worker claims the mirror and logs ``repo_mirror_sync_started``."""
    mirror = repo.mirror
    assert mirror is not None
    duration = mirror.sync_duration
    if duration is None:
        duration = state.options.sync_duration
    mirror.sync_status = "SYNCING"
    mirror.sync_expiration_date = when + MAX_SYNC_DURATION
    mirror.run = SyncRun(when, when + timedelta(seconds=max(duration, 0.001)))
    mirror.run_count += 1
    mirror.touched_at = when
    patterns = ",".join(rule_of(repo, mirror))
    message = f"'{mirror.external_reference}' with tag pattern '{patterns}'"
    worker_log(state, repo, "repo_mirror_sync_started", "start", message, when)


def release(mirror: Mirror, status: str, when: datetime) -> None:
    """Quay's ``release_mirror``: new status, retries and next start date."""
    retries = mirror.sync_retries_remaining
    if status == "FAIL":
        retries = max(0, retries - 1)
    if status == "SUCCESS" or retries < 1:
        interval = mirror.sync_interval
        if mirror.sync_start_date is None or interval <= 0:
            next_start = later(when, max(interval, 0))
        else:
            delta = when - mirror.sync_start_date
            delta_seconds = delta.days * 86400 + delta.seconds
            next_start = later(when, interval - (delta_seconds % interval))
        retries = MAX_SYNC_RETRIES
    else:
        next_start = mirror.sync_start_date
    mirror.sync_status = status
    mirror.sync_start_date = next_start
    mirror.sync_expiration_date = None
    mirror.sync_retries_remaining = retries
    mirror.run = None
    mirror.touched_at = when


def failure_kind(state: State, mirror: Mirror) -> str | None:
    """Why this run fails (a key of SKOPEO_ERRORS), or None when it succeeds."""
    outcome = mirror.outcome
    if outcome == "alternate":
        return "timeout" if mirror.run_count % 2 == 1 else None
    if outcome in SKOPEO_ERRORS:
        return outcome
    if mirror.external_reference not in state.upstream_tags:
        return "notfound"
    return None


def finish(state: State, repo: Repository, when: datetime) -> None:
    """The running sync ends: tags are copied (or the listing fails) and the mirror released."""
    mirror = repo.mirror
    assert mirror is not None
    reference = mirror.external_reference
    patterns = rule_of(repo, mirror)
    label = f"'{reference}' with tag pattern '{','.join(patterns)}'"
    kind = failure_kind(state, mirror)
    if kind is not None:
        host = reference.split("/", 1)[0]
        stderr = SKOPEO_ERRORS[kind].format(ts=when.strftime("%Y-%m-%dT%H:%M:%SZ"), host=host)
        detail = str(("skopeo list-tags failed: See output", "", stderr))
        worker_log(
            state,
            repo,
            "repo_mirror_sync_failed",
            "end",
            f"{label}: {detail}",
            when,
            tags="",
            stdout="",
            stderr=stderr,
        )
        release(mirror, "FAIL", when)
        return
    matched = match_tags(state.upstream_tags.get(reference, []), patterns)
    if not matched:
        worker_log(
            state, repo, "repo_mirror_sync_success", "end", label, when, tags="No tags matched"
        )
        release(mirror, "SUCCESS", when)
        return
    _copy_tags(state, repo, matched, when)
    for name in [name for name in repo.tags if name not in matched]:
        del repo.tags[name]
    worker_log(state, repo, "repo_mirror_sync_success", "end", label, when, tags=", ".join(matched))
    release(mirror, "SUCCESS", when)


def _copy_tags(state: State, repo: Repository, names: list[str], when: datetime) -> None:
    mirror = repo.mirror
    assert mirror is not None
    reference = mirror.external_reference
    for name in names:
        if put_tag(state, repo, reference, name, when):
            worker_log(
                state,
                repo,
                "repo_mirror_sync_tag_success",
                "finish",
                f"Source 'docker://{reference}:{name}' successful sync",
                when,
                tag=name,
                stdout="Getting image source signatures\nWriting manifest to image destination\n",
                stderr="",
            )


def sync_now(state: State, repo: Repository, when: datetime) -> bool:
    """``update_sync_status_to_sync_now``: refused (False) while SYNCING."""
    mirror = repo.mirror
    assert mirror is not None
    if mirror.sync_status == "SYNCING":
        return False
    mirror.sync_status = "SYNC_NOW"
    mirror.sync_expiration_date = None
    mirror.sync_retries_remaining = max(mirror.sync_retries_remaining, 1)
    mirror.touched_at = when
    return True


def cancel(state: State, repo: Repository, when: datetime) -> bool:
    """``update_sync_status_to_cancel``: only from SYNCING or SYNC_NOW.

    A sync in progress notices the cancel, keeps the tags copied so far and logs
    ``repo_mirror_sync_failed`` with verb ``Cancelled``; it is not released.
    """
    mirror = repo.mirror
    assert mirror is not None
    if mirror.sync_status not in ("SYNCING", "SYNC_NOW"):
        return False
    run = mirror.run
    mirror.sync_status = "CANCEL"
    mirror.sync_expiration_date = None
    mirror.sync_retries_remaining = 0
    mirror.run = None
    mirror.touched_at = when
    if run is not None and failure_kind(state, mirror) is None:
        patterns = rule_of(repo, mirror)
        matched = match_tags(state.upstream_tags.get(mirror.external_reference, []), patterns)
        total = (run.finish_at - run.started).total_seconds()
        done = (when - run.started).total_seconds()
        copied = matched[: int(len(matched) * done / total)] if total > 0 else []
        _copy_tags(state, repo, copied, when)
        label = f"'{mirror.external_reference}' with tag pattern '{','.join(patterns)}'"
        worker_log(
            state,
            repo,
            "repo_mirror_sync_failed",
            "Cancelled",
            label,
            when,
            tags=", ".join(matched),
        )
    return True


def step(state: State, repo: Repository, when: datetime) -> None:
    """Apply the worker event due at ``when`` for this repository."""
    mirror = repo.mirror
    assert mirror is not None
    if mirror.run is not None:
        finish(state, repo, when)
    else:
        claim(state, repo, when)


def track(state: State, repo: Repository) -> None:
    """File the repository again after a change: its next worker event, its sorted entries."""
    state.schedule.set((repo.namespace, repo.name), eligible_at(state, repo))
    state.index.file(repo)


def track_all(state: State) -> None:
    """File every repository and organization mirror (after seeding, or when ``claim_delay``
    changed)."""
    for repo in state.repos.values():
        track(state, repo)
    for org_mirror in state.org_mirrors.values():
        org_worker.track(state, org_mirror)


def advance(state: State, now: datetime | None = None) -> None:
    """Run every worker event due up to ``now`` (default: the emulator's clock), in time order.

    Only the events due are looked at (the schedule), never every repository.
    """
    now = now or state.now()
    for _ in range(MAX_EVENTS_PER_ADVANCE):
        event = state.schedule.pop_due(now)
        if event is None:
            return
        key, due = event
        if key[0] == org_worker.ORG_KEY:
            org_mirror = state.org_mirrors.get(key[1])
            if org_mirror is not None:
                org_worker.step(state, org_mirror, due)
                org_worker.track(state, org_mirror)
            continue
        repo = state.repos[key]
        step(state, repo, due)
        track(state, repo)
