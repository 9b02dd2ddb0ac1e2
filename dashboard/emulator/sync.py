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
  (scheduled runs and FAIL retries); a SYNCING mirror whose lease ran out (its worker died)
  is never claimed again: ``get_eligible_mirrors`` lists it, but ``claim_mirror`` returns at
  once for any SYNCING mirror, so it stays SYNCING until someone cancels it (organization
  mirrors' repositories are re-claimed: ``org_worker``);
* a claim sets SYNCING and ``sync_expiration_date = claim + 12 h``; the run ends
  ``sync_duration`` seconds later with SUCCESS or FAIL; a run whose tag listing fails ends
  as Quay's does (``failures.py``): most at once, within the claim (SYNC_NOW straight to
  FAIL for anyone polling), a timeout after its 10 or 30 s;
* FAIL decrements retries and keeps the start date, and the retry waits for the worker's next
  pass (``retry_delay``, 30 s); SUCCESS, or FAIL at 0 retries, moves the start date to the
  next interval (keeping "now"'s microseconds) and resets retries to 3;
* CANCEL (API) sets retries 0; the running sync stops and is not released, so the
  mirror waits for Sync Now.

How a run fails: its source refused by the SSRF rules in force when it starts, a failure
planned through the control API (``POST /_emulator/mirror/{ns}/{repo}/fail``) or by the seed,
credentials the source does not accept (``state.upstream_credentials``), or a source that
does not exist (not in ``state.upstream_tags``), in that order.
"""

from __future__ import annotations

import calendar
import fnmatch
import hashlib
from collections.abc import Collection
from datetime import datetime, timedelta

from . import org_worker
from .audit import worker_log
from .failures import ALTERNATE, FAILURES, LIST, SKOPEO_LIST_FAILED, SOURCE, Failure, use_run
from .state import (
    MAX_SYNC_DURATION,
    MAX_SYNC_RETRIES,
    Mirror,
    Repository,
    State,
    SyncRun,
    Tag,
)
from .validation import RegistryLocationError, check_external_reference

NOT_APPLICABLE = "Not applicable"
COPY_STDOUT = "Getting image source signatures\nWriting manifest to image destination\n"
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
        return None  # no run: its worker died, and Quay's claim_mirror skips SYNCING mirrors
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
        due = later(max(mirror.sync_start_date, touched), delay)
        return max(due, mirror.retry_at) if mirror.retry_at is not None else due
    return None


def _matched(state: State, repo: Repository, mirror: Mirror) -> list[str]:
    """The source's tags the mirror's rule selects."""
    return match_tags(state.upstream_tags.get(mirror.external_reference, []), rule_of(repo, mirror))


def _label(repo: Repository, mirror: Mirror) -> str:
    return f"'{mirror.external_reference}' with tag pattern '{','.join(rule_of(repo, mirror))}'"


def _planned_failure(state: State, repo: Repository) -> str | None:
    """How the run now starting fails (a name of ``FAILURES``), or None (see the module
    docstring); a failure planned for a number of runs uses one up."""
    mirror = repo.mirror
    assert mirror is not None
    reference = mirror.external_reference
    try:
        check_external_reference(reference, state.options.allowed_hosts)
    except RegistryLocationError:
        return "invalid_source_registry"
    planned = mirror.failure
    if planned == ALTERNATE:
        if mirror.run_count % 2 == 1:
            return "network_timeout"
    elif planned is not None:
        use_run(mirror)
        return planned
    required = state.upstream_credentials.get(reference)
    if required is not None:
        given = (mirror.external_registry_username, mirror.external_registry_password)
        if given[1] is None:
            return "auth_failed"
        if given != required:
            return "bad_credentials"
    if reference not in state.upstream_tags:
        return "not_found"
    return None


def claim(state: State, repo: Repository, when: datetime) -> None:
    """The worker claims the mirror and logs ``repo_mirror_sync_started``; a run whose source
    is refused, or whose tag listing fails at once, ends here."""
    mirror = repo.mirror
    assert mirror is not None
    mirror.sync_status = "SYNCING"
    mirror.sync_expiration_date = when + MAX_SYNC_DURATION
    mirror.run_count += 1
    mirror.touched_at = when
    mirror.retry_at = None
    name = _planned_failure(state, repo)
    failure = FAILURES[name] if name is not None else None
    if failure is not None and failure.phase == SOURCE:
        message = "Source registry location is not allowed"
        _failed_run(state, repo, "end", message, when, NOT_APPLICABLE, NOT_APPLICABLE)
        return
    worker_log(state, repo, "repo_mirror_sync_started", "start", _label(repo, mirror), when)
    if failure is not None and failure.phase == LIST:
        if failure.seconds <= 0:
            _listing_failed(state, repo, failure, when)
            return
        seconds = failure.seconds
    else:
        seconds = mirror.sync_duration
        if seconds is None:
            seconds = state.options.sync_duration
    mirror.run = SyncRun(when, when + timedelta(seconds=max(seconds, 0.001)), failure=name)


def release(state: State, mirror: Mirror, status: str, when: datetime) -> None:
    """Quay's ``release_mirror``: new status, retries and next start date (a failure with
    retries left keeps its start date and waits for the worker's next pass)."""
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
        mirror.retry_at = later(when, state.options.retry_delay)
    mirror.sync_status = status
    mirror.sync_start_date = next_start
    mirror.sync_expiration_date = None
    mirror.sync_retries_remaining = retries
    mirror.run = None
    mirror.touched_at = when


def _failed_run(
    state: State,
    repo: Repository,
    verb: str,
    message: str,
    when: datetime,
    stdout: str | None,
    stderr: str | None,
    tags: str = "",
) -> None:
    """The run failed: ``repo_mirror_sync_failed`` and the release (FAIL)."""
    metadata = {"tags": tags, "stdout": stdout, "stderr": stderr}
    worker_log(state, repo, "repo_mirror_sync_failed", verb, message, when, **metadata)
    assert repo.mirror is not None
    release(state, repo.mirror, "FAIL", when)


def _listing_entry(repo: Repository, failure: Failure, when: datetime) -> tuple[str, str, str]:
    """(message, stdout, stderr) of a failed tag listing, as Quay's worker logs them."""
    mirror = repo.mirror
    assert mirror is not None
    stderr = failure.stderr(when, mirror.external_reference)
    if failure.internal:
        return f"{_label(repo, mirror)}: INTERNAL ERROR", NOT_APPLICABLE, stderr
    detail = str((SKOPEO_LIST_FAILED, "", stderr))  # the exception's args, as Quay prints it
    return f"{_label(repo, mirror)}: {detail}", "", stderr


def _listing_failed(state: State, repo: Repository, failure: Failure, when: datetime) -> None:
    message, stdout, stderr = _listing_entry(repo, failure, when)
    _failed_run(state, repo, "end", message, when, stdout, stderr)


def finish(state: State, repo: Repository, when: datetime) -> None:
    """The running sync ends: its tags are copied (or its listing or some copies fail) and the
    mirror is released."""
    mirror = repo.mirror
    assert mirror is not None and mirror.run is not None
    run, mirror.run = mirror.run, None
    failure = FAILURES[run.failure] if run.failure is not None else None
    if run.cancelled:  # the listing still fails; Quay cannot release a cancelled mirror
        assert failure is not None
        message, stdout, stderr = _listing_entry(repo, failure, when)
        metadata = {"tags": "", "stdout": stdout, "stderr": stderr}
        worker_log(state, repo, "repo_mirror_sync_failed", "end", message, when, **metadata)
        return
    if failure is not None and failure.phase == LIST:
        _listing_failed(state, repo, failure, when)
        return
    label = _label(repo, mirror)
    reference = mirror.external_reference
    matched = _matched(state, repo, mirror)
    if not matched:
        worker_log(
            state, repo, "repo_mirror_sync_success", "end", label, when, tags="No tags matched"
        )
        release(state, mirror, "SUCCESS", when)
        return
    if failure is not None and failure.name == "preempted":
        lost = {"tags": "", "stdout": NOT_APPLICABLE, "stderr": NOT_APPLICABLE}
        message = f"'{reference}' job lost"
        worker_log(state, repo, "repo_mirror_sync_failed", "lost", message, when, **lost)
        _failed_run(state, repo, "lost", label, when, NOT_APPLICABLE, NOT_APPLICABLE)  # its finally
        return
    failing = _failing_tags(mirror, matched) if failure is not None else []
    _copy_tags(state, repo, matched, when, failing=failing, failure=failure)
    for name in [name for name in repo.tags if name not in matched]:
        del repo.tags[name]  # delete_obsolete_tags runs after the copies, failed or not
    if not failing:
        worker_log(
            state, repo, "repo_mirror_sync_success", "end", label, when, tags=", ".join(matched)
        )
        release(state, mirror, "SUCCESS", when)
        return
    message, tags = label, ""
    if len(failing) < len(matched):  # some made it: Quay keeps them (no rollback by default)
        message = f"{label}: PARTIAL SYNC"
        tags = ", ".join(f"{tag}(FAILED)" if tag in failing else tag for tag in matched)
    _failed_run(state, repo, "lost", message, when, NOT_APPLICABLE, NOT_APPLICABLE, tags)


def _failing_tags(mirror: Mirror, matched: list[str]) -> list[str]:
    """The tags a partial sync fails: those planned (that the rule matches), else the first."""
    wanted = mirror.failure_tags
    if wanted is None:
        return matched[:1]
    return [tag for tag in matched if tag in wanted]


def _copy_tags(
    state: State,
    repo: Repository,
    names: list[str],
    when: datetime,
    *,
    failing: Collection[str] = (),
    failure: Failure | None = None,
) -> None:
    """One skopeo copy per tag, each logged (Quay copies, and logs, every matched tag, changed
    or not); a failing one leaves the local tag as it was."""
    mirror = repo.mirror
    assert mirror is not None
    reference = mirror.external_reference
    for name in names:
        source = f"docker://{reference}:{name}"
        if name in failing:
            assert failure is not None
            kind, message = "repo_mirror_sync_tag_failed", f"Source '{source}' failed to sync"
            output = {"stdout": "", "stderr": failure.stderr(when, reference, name)}
        else:
            put_tag(state, repo, reference, name, when)
            kind, message = "repo_mirror_sync_tag_success", f"Source '{source}' successful sync"
            output = {"stdout": COPY_STDOUT, "stderr": ""}
        worker_log(state, repo, kind, "finish", message, when, tag=name, **output)


def sync_now(state: State, repo: Repository, when: datetime) -> bool:
    """``update_sync_status_to_sync_now``: refused (False) while SYNCING."""
    mirror = repo.mirror
    assert mirror is not None
    if mirror.sync_status == "SYNCING":
        return False
    if mirror.run is not None:  # a cancelled run's listing: a new run supersedes it
        mirror.run = None
    mirror.sync_status = "SYNC_NOW"
    mirror.sync_expiration_date = None
    mirror.sync_retries_remaining = max(mirror.sync_retries_remaining, 1)
    mirror.touched_at = when
    return True


def cancel(state: State, repo: Repository, when: datetime) -> bool:
    """``update_sync_status_to_cancel``: only from SYNCING or SYNC_NOW.

    A sync copying tags notices the cancel, keeps the tags copied so far and logs
    ``repo_mirror_sync_failed`` with verb ``Cancelled``; it is not released. One still
    listing tags does not look: its failure, if it fails, is logged when it comes.
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
    if run is None:
        return True
    failure = FAILURES[run.failure] if run.failure is not None else None
    if failure is not None and failure.phase == LIST:
        run.cancelled = True
        mirror.run = run
        return True
    matched = _matched(state, repo, mirror)
    total = (run.finish_at - run.started).total_seconds()
    done = (when - run.started).total_seconds()
    copied = matched[: int(len(matched) * done / total)] if total > 0 else []
    _copy_tags(state, repo, copied, when)
    label, tags = _label(repo, mirror), ", ".join(matched)
    worker_log(state, repo, "repo_mirror_sync_failed", "Cancelled", label, when, tags=tags)
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
