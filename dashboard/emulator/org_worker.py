"""Clock-driven simulation of Quay's organization-mirror jobs (``_process_org_mirror_discovery``
and ``_process_org_mirrors`` of the repo-mirror worker), after ``data/model/org_mirror.py`` and
the transcript of a real Quay (``shared/reference/quay-org-mirror-observed.md``).

Each organization mirror has one entry in ``state.schedule`` (key ``(ORG_KEY, org)``): its next
event, replayed by ``sync.advance`` like a repository's. Events, at the worker's pass
``claim_delay`` seconds after a change:

* **discovery** (SYNC_NOW, a due start date, or a stalled claim whose lease ran out): the
  config's status says discovery only. The source namespace is listed (an anonymous ``quay``
  source sees public repositories only), filtered by ``repository_filters`` (globs; empty =
  all); new repositories are recorded, every active one goes to SYNC_NOW, the others to SKIP
  (filtered out, or gone from the source). The config is then SUCCESS with the next start
  date, while its repositories still sync. A failed listing (or a failure planned through
  the control API: ``DISCOVERY_FAILURES``) is FAIL, retried at every pass until the retries
  run out (then retries 3 and the next interval).
* **one repository at a time**, in discovery order, a second apart: the target repository is
  created in state ORG_MIRROR when its first sync starts; a sync takes ``org_tag_seconds``
  per tag and ends SUCCESS (tags copied) or FAIL (retried at the worker's next pass,
  ``retry_delay`` later, while retries last; after the last one Quay resets retries to 3 and
  waits for the next interval, so the repository still counts as unfinished and Sync now is
  refused meanwhile). A failed tag listing ends it after the listing's own time
  (``failures.py``): the status says "See output", skopeo's words are in the entry's stderr;
  failed copies give "Sync failed: N/M tags failed". A failure planned for this mirror's
  repository (``OrgMirror.repo_plans``, for a number of syncs) comes before the source's own.
* **cancel** (the API set CANCEL): every repository but the SKIP ones becomes CANCEL (a
  running sync stops), and the config returns to SUCCESS, retries 3, the start date moved to
  the next interval boundary: scheduled syncs go on.
A disabled config is not picked up (a SYNC_NOW or CANCEL on it stays).
"""

from __future__ import annotations

import fnmatch
from datetime import datetime, timedelta
from typing import Any

from .audit import worker_log
from .failures import FAILURES, LIST, SKOPEO_LIST_FAILED, Failure, use_run
from .org_state import (
    EXCLUDED,
    GONE,
    MAX_DISCOVERY_SECONDS,
    MAX_REPO_SYNC_SECONDS,
    FailurePlan,
    OrgMirror,
    OrgMirrorRepo,
    SourceNamespace,
    SourceRepo,
)
from .state import Repository, State

ORG_KEY = "#org-mirror"
#: (message, stdout, stderr) of a failed sync's entry.
OrgRepoFailure = tuple[str, str | None, str | None]
MAX_RETRIES = 3
#: Seconds between the end of one repository's sync and the start of the next.
REPO_GAP = 1.0
ACTIVE = ("SYNCING", "SYNC_NOW", "NEVER_RUN")


def key(org: str) -> tuple[str, str]:
    return (ORG_KEY, org)


def _later(moment: datetime, seconds: float) -> datetime:
    try:
        return moment + timedelta(seconds=seconds)
    except OverflowError:
        return datetime.max


def next_start(start: datetime | None, interval: int, when: datetime) -> datetime:
    """Quay's release: the next interval boundary counted from the old start date."""
    if start is None or interval <= 0:
        return _later(when, max(interval, 0))
    delta = when - start
    seconds = delta.days * 86400 + delta.seconds
    return _later(when, interval - (seconds % interval))


def matches_filters(name: str, filters: list[str]) -> bool:
    return not filters or any(fnmatch.fnmatchcase(name, pattern) for pattern in filters)


def is_unfinished(repo: OrgMirrorRepo) -> bool:
    """Quay's ``count_active_org_mirror_repos``: queued, running, never run, or FAIL with
    retries left (which is every failed repository: the last failure resets retries to 3)."""
    return repo.sync_status in ACTIVE or (
        repo.sync_status == "FAIL" and repo.sync_retries_remaining > 0
    )


def _log(
    state: State, mirror: OrgMirror, kind: str, metadata: dict[str, Any], when: datetime
) -> None:
    """The worker's per-config entry (its performer is the mirror's robot, as in Quay)."""
    metadata = {**metadata, "org_mirror_config_id": 1}
    state.add_log(mirror.org, kind, metadata, when, performer=mirror.robot_username)


def _config_log(state: State, mirror: OrgMirror, kind: str, message: str, when: datetime) -> None:
    metadata = {
        "message": message,
        "external_registry_url": mirror.external_registry_url,
        "external_namespace": mirror.external_namespace,
    }
    _log(state, mirror, kind, metadata, when)


# ------------------------------------------------------------------- the source


#: How a discovery may be planned to fail (``POST /_emulator/org-mirror/{org}/fail`` without a
#: repository), with what Quay's registry adapters (``util/orgmirror/``) say for each.
DISCOVERY_FAILURES = (
    "not_found",
    "auth_failed",
    "connection_error",
    "tls_error",
    "network_timeout",
    "unknown_error",
)


def discovery_problem(mirror: OrgMirror, reason: str, *, listing: bool = False) -> str:
    """What the source's adapter says when it fails ``reason``'s way: for a test connection, or
    (``listing``) for the repository listing of a discovery. The first three as a real Quay
    said them (``quay-org-mirror-observed.md``); a certificate refused, a timeout and anything
    else as Quay's adapters word a listing's ``SSLError``, ``Timeout`` and ``RequestException``
    (quay/quay ``util/orgmirror/quay_adapter.py``, ``harbor_adapter.py``)."""
    host = mirror.host
    namespace = mirror.external_namespace
    harbor = mirror.external_registry_type == "harbor"
    base = mirror.external_registry_url.rstrip("/")
    if reason == "connection_error":
        scheme = "HTTPS" if mirror.external_registry_url.startswith("https") else "HTTP"
        port = 443 if scheme == "HTTPS" else 80
        return (
            f"Connection error: {scheme}ConnectionPool(host='{host}', port={port}): Max retries "
            f"exceeded with url: /api/v1/organization/{namespace} (Caused by NewConnectionError("
            f"\"{scheme}Connection(host='{host}', port={port}): Failed to establish a new "
            'connection: [Errno 111] Connection refused"))'
        )
    if reason == "not_found":
        if not harbor:
            return f"Namespace '{namespace}' not found"
        suffix = " on Harbor registry" if listing else ""
        return f"Project '{namespace}' not found{suffix}"
    if reason == "auth_failed":
        if harbor:
            return "Authentication failed"
        return "Authentication failed: invalid API token or credentials"
    if reason == "tls_error":
        return f"SSL certificate verification failed for {base}"
    if reason == "network_timeout":
        return f"Connection to {base} timed out"
    return "Unexpected error during repository discovery"


def source_problem(
    state: State, mirror: OrgMirror, *, listing: bool = False
) -> tuple[SourceNamespace | None, str | None]:
    """The source namespace, or why it cannot be reached: the adapter's message for a test
    connection, or (``listing``) for the repository listing of a discovery."""
    harbor = mirror.external_registry_type == "harbor"
    if mirror.host in state.org_unreachable:
        return None, discovery_problem(mirror, "connection_error", listing=listing)
    source = state.org_sources.get(mirror.source_key)
    if source is not None and source.registry_type == "quay" and harbor:
        return None, "Unexpected response: 308"
    if source is None or source.registry_type != mirror.external_registry_type:
        return None, discovery_problem(mirror, "not_found", listing=listing)
    password = mirror.external_registry_password
    if password is not None and source.password is not None and password != source.password:
        return None, discovery_problem(mirror, "auth_failed", listing=listing)
    return source, None


def visible_repos(source: SourceNamespace, mirror: OrgMirror) -> list[str]:
    """What the adapter lists: public repositories, and private ones with credentials."""
    signed_in = mirror.external_registry_password is not None
    return [name for name, repo in source.repos.items() if repo.public or signed_in]


# ----------------------------------------------------------------- the schedule


def _retry_due(repo: OrgMirrorRepo) -> datetime | None:
    """When a never-run or failed repository may be (re)tried: its start date, and after a
    failure the worker's next pass; None when it waits for nothing of the kind."""
    if (
        repo.sync_status not in ("FAIL", "NEVER_RUN")
        or repo.sync_retries_remaining < 1
        or repo.sync_start_date is None
        or repo.sync_expiration_date is not None
    ):
        return None
    return max(repo.sync_start_date, repo.retry_at or datetime.min)


def _repo_due(mirror: OrgMirror) -> datetime | None:
    """When the worker may start the next repository's sync, or None."""
    due: datetime | None = None
    floor = mirror.next_repo_at or mirror.touched_at or datetime.min
    for repo in mirror.repos.values():
        if repo.sync_status == "SYNC_NOW" and repo.sync_expiration_date is None:
            at = floor
        else:
            retry = _retry_due(repo)
            if retry is None:
                continue
            at = max(floor, retry)
        due = at if due is None else min(due, at)
    return due


def _running(mirror: OrgMirror) -> OrgMirrorRepo | None:
    for repo in mirror.repos.values():
        if repo.finish_at is not None:
            return repo
    return None


def _discovery_due(state: State, mirror: OrgMirror) -> datetime | None:
    delay = state.options.claim_delay
    touched = mirror.touched_at or datetime.min
    status = mirror.sync_status
    if status == "SYNC_NOW" and mirror.sync_expiration_date is None:
        return _later(touched, delay)
    if status == "CANCEL":
        return _later(touched, delay) if mirror.sync_expiration_date is not None else None
    if mirror.sync_retries_remaining < 1 or mirror.sync_start_date is None:
        return None
    if status == "SYNCING":
        expiry = mirror.sync_expiration_date or touched
        return _later(max(expiry, mirror.sync_start_date, touched), delay)
    if mirror.sync_expiration_date is None:
        return _later(max(mirror.sync_start_date, touched), delay)
    return None


def eligible_at(state: State, mirror: OrgMirror) -> datetime | None:
    """When the worker next acts on this organization mirror, or None."""
    if not mirror.is_enabled:
        return None
    times = [_discovery_due(state, mirror)]
    running = _running(mirror)
    if running is not None:
        times.append(running.finish_at)
    elif mirror.sync_status != "CANCEL":
        times.append(_repo_due(mirror))
    found = [t for t in times if t is not None]
    return min(found) if found else None


def track(state: State, mirror: OrgMirror) -> None:
    state.schedule.set(key(mirror.org), eligible_at(state, mirror))


def step(state: State, mirror: OrgMirror, when: datetime) -> None:
    """Apply the event due at ``when``: a sync ending, a cancel, a discovery or a sync starting."""
    running = _running(mirror)
    if running is not None and running.finish_at is not None and running.finish_at <= when:
        _finish_repo(state, mirror, running, when)
        return
    due = _discovery_due(state, mirror)
    if due is not None and due <= when:
        if mirror.sync_status == "CANCEL":
            _apply_cancel(state, mirror, when)
        else:
            _discover(state, mirror, when)
        return
    if running is None:
        _start_next_repo(state, mirror, when)


# ------------------------------------------------------------------- discovery


def _release(mirror: OrgMirror, status: str, when: datetime) -> None:
    retries = mirror.sync_retries_remaining
    if status == "FAIL":
        retries = max(0, retries - 1)
    if status in ("SUCCESS", "CANCEL") or retries < 1:
        mirror.sync_start_date = next_start(mirror.sync_start_date, mirror.sync_interval, when)
        retries = MAX_RETRIES
    mirror.sync_status = "SUCCESS" if status == "CANCEL" else status
    mirror.sync_retries_remaining = retries
    mirror.sync_expiration_date = None
    mirror.touched_at = when


def _discover(state: State, mirror: OrgMirror, when: datetime) -> None:
    if mirror.stalled:
        mirror.stalled = False  # the claim ran out: the worker takes it again
    mirror.sync_status = "SYNCING"
    mirror.sync_expiration_date = when + timedelta(seconds=MAX_DISCOVERY_SECONDS)
    _config_log(
        state,
        mirror,
        "org_mirror_sync_started",
        f"Starting repository discovery for organization '{mirror.org}'",
        when,
    )
    planned = mirror.failure
    if planned is not None:  # planned through the control API: it comes first
        use_run(mirror)
        source, problem = None, discovery_problem(mirror, planned, listing=True)
    else:
        source, problem = source_problem(state, mirror, listing=True)
    if source is None:
        _config_log(
            state,
            mirror,
            "org_mirror_sync_failed",
            f"Failed to fetch repositories from source: {problem}",
            when,
        )
        _release(mirror, "FAIL", when)
        return
    listed = visible_repos(source, mirror)
    active = [name for name in listed if matches_filters(name, mirror.repository_filters)]
    new = 0
    for name in active:
        repo = mirror.repos.get(name)
        if repo is None:
            repo = OrgMirrorRepo(name, len(mirror.repos), when, sync_start_date=when)
            mirror.repos[name] = repo
            new += 1
        if repo.sync_status != "SYNCING":
            repo.sync_status = "SYNC_NOW"
            repo.status_message = None
            repo.sync_retries_remaining = MAX_RETRIES
            repo.sync_expiration_date = None
    if listed:
        for name, repo in mirror.repos.items():
            if name in active or repo.sync_status in ("SKIP", "SYNCING"):
                continue
            repo.sync_status = "SKIP"
            repo.status_message = EXCLUDED if name in listed else GONE
            repo.sync_retries_remaining = 0
            repo.sync_start_date = None
    message = f"Discovery completed: {len(active)} repos discovered, {new} new"
    _config_log(state, mirror, "org_mirror_sync_success", message, when)
    _release(mirror, "SUCCESS", when)
    mirror.next_repo_at = _later(when, REPO_GAP)


def _apply_cancel(state: State, mirror: OrgMirror, when: datetime) -> None:
    changed = 0
    for repo in mirror.repos.values():
        if repo.sync_status == "SKIP":
            continue
        if repo.sync_status != "CANCEL":
            changed += 1
        repo.sync_status = "CANCEL"
        repo.finish_at = None
        repo.sync_expiration_date = None
        repo.sync_retries_remaining = 0
        repo.sync_start_date = None
    message = f"Sync cancelled: {changed} repos set to cancelled"
    _config_log(state, mirror, "org_mirror_sync_failed", message, when)
    _release(mirror, "CANCEL", when)


# ------------------------------------------------------------ repository syncs


def _start_next_repo(state: State, mirror: OrgMirror, when: datetime) -> None:
    candidates = []
    for repo in mirror.repos.values():
        queued = repo.sync_status == "SYNC_NOW" and repo.sync_expiration_date is None
        retry = _retry_due(repo)
        if queued or (retry is not None and retry <= when):
            candidates.append(repo)
    if not candidates:
        mirror.next_repo_at = None
        return
    repo = min(candidates, key=lambda r: r.order)
    target = _target_repository(state, mirror, repo, when)
    repo.sync_status = "SYNCING"
    repo.sync_expiration_date = when + timedelta(seconds=MAX_REPO_SYNC_SECONDS)
    source_repo = _source_repo(state, mirror, repo.name)
    listing = _listing_failure(mirror, repo.name, source_repo)
    if listing is not None:  # the tag listing fails after its own time
        repo.finish_at = _later(when, listing.seconds)
    else:
        tags = len(source_repo.tags) if source_repo is not None else 1
        repo.finish_at = _later(when, max(1, tags) * state.options.org_tag_seconds)
    message = f"Starting sync for '{_reference(mirror, repo.name)}'"
    worker_log(state, target, "org_mirror_sync_started", "start", message, when)


def _reference(mirror: OrgMirror, name: str) -> str:
    """Quay's ``_build_external_reference``: the source URL without its scheme, namespace, name."""
    return f"{mirror.host}/{mirror.external_namespace}/{name}"


def _source_repo(state: State, mirror: OrgMirror, name: str) -> SourceRepo | None:
    source = state.org_sources.get(mirror.source_key)
    return source.repos.get(name) if source is not None else None


def _how_it_fails(
    mirror: OrgMirror, name: str, source_repo: SourceRepo
) -> FailurePlan | SourceRepo:
    """What says how the repository's syncs fail: a plan of the control API for this mirror,
    else the source repository itself (the seed's)."""
    plan = mirror.repo_plans.get(name)
    return plan if plan is not None and plan.failure is not None else source_repo


def _listing_failure(
    mirror: OrgMirror, name: str, source_repo: SourceRepo | None
) -> Failure | None:
    """How listing the repository's tags fails: a source repository gone is skopeo's 404."""
    if source_repo is None:
        return FAILURES["not_found"]
    failure = FAILURES.get(_how_it_fails(mirror, name, source_repo).failure or "")
    return failure if failure is not None and failure.phase == LIST else None


def _used_a_run(mirror: OrgMirror, name: str) -> None:
    """A failing sync ended: one of the planned ones (if it was planned) is used up."""
    plan = mirror.repo_plans.get(name)
    if plan is not None:
        use_run(plan)
        if plan.failure is None:
            del mirror.repo_plans[name]


def _target_repository(
    state: State, mirror: OrgMirror, repo: OrgMirrorRepo, when: datetime
) -> Repository:
    """The Quay repository the sync writes to, created in state ORG_MIRROR on first use."""
    from . import sync

    existing = state.repos.get((mirror.org, repo.name))
    if existing is None:
        existing = Repository(
            mirror.org,
            repo.name,
            state="ORG_MIRROR",
            is_public=mirror.visibility == "public",
            status_token=f"org-mirror-{mirror.org}-{repo.name}",
        )
        state.repos[(mirror.org, repo.name)] = existing
        reference = f"{mirror.host}/{mirror.external_namespace}/{repo.name}"
        metadata = {
            "external_reference": reference,
            "visibility": mirror.visibility,
            "via_org_mirror": True,
        }
        state.add_log(existing, "org_mirror_repo_created", metadata, when, mirror.robot_username)
        sync.track(state, existing)
    repo.quay_repository = existing.full_name
    return existing


def _failed_listing(failure: Failure, reference: str, when: datetime) -> OrgRepoFailure:
    """What Quay's ``perform_org_mirror_repo`` logs when the tag listing fails: skopeo's reason
    only in ``stderr``; the status message says "See output"."""
    if failure.name == "decryption_failed":  # re-raised as a skopeo failure, with no text
        return f"Failed to list tags for '{reference}': Failed to decrypt credentials: ", "", ""
    if failure.internal:
        message = f"Internal error listing tags for '{reference}'"
        return message, None, failure.stderr(when, reference)
    message = f"Failed to list tags for '{reference}': {SKOPEO_LIST_FAILED}"
    return message, "", failure.stderr(when, reference)


def _finish_repo(state: State, mirror: OrgMirror, repo: OrgMirrorRepo, when: datetime) -> None:
    from . import sync

    repo.finish_at = None
    repo.sync_expiration_date = None
    mirror.next_repo_at = _later(when, REPO_GAP)
    target = state.repos.get((mirror.org, repo.name))
    source_repo = _source_repo(state, mirror, repo.name)
    reference = _reference(mirror, repo.name)
    listing = _listing_failure(mirror, repo.name, source_repo)
    if listing is not None:
        message, stdout, stderr = _failed_listing(listing, reference, when)
        _repo_failed(state, mirror, repo, target, when, message, message, stdout, stderr)
        _used_a_run(mirror, repo.name)
        return
    assert source_repo is not None
    tags = source_repo.tags
    failing: list[str] = []
    how = _how_it_fails(mirror, repo.name, source_repo)
    if how.failure == "partial_sync":
        wanted = how.failing_tags
        failing = tags[:1] if wanted is None else [tag for tag in tags if tag in wanted]
    if target is not None:
        for name in tags:
            if name not in failing:
                sync.put_tag(state, target, reference, name, when)
        for name in [name for name in target.tags if name not in tags]:
            del target.tags[name]
    if failing:
        copy = FAILURES["partial_sync"]
        errors = "; ".join(f"[{tag}]: {copy.stderr(when, reference, tag)}" for tag in failing)
        if len(errors) > 4096:
            errors = errors[:4093] + "..."
        counted = f"{len(failing)}/{len(tags)} tags failed"
        status, message = f"Sync failed: {counted}", f"Sync failed for '{reference}': {counted}"
        _repo_failed(
            state, mirror, repo, target, when, status, message, None, errors, ", ".join(failing)
        )
        _used_a_run(mirror, repo.name)
        return
    if target is not None:
        message = f"Successfully synced '{reference}': {len(tags)} tags"
        tags_synced = ", ".join(tags)
        worker_log(state, target, "org_mirror_sync_success", "end", message, when, tags=tags_synced)
    repo.sync_status = "SUCCESS"
    repo.status_message = None
    repo.last_sync_date = when
    repo.sync_retries_remaining = MAX_RETRIES
    repo.sync_start_date = next_start(repo.sync_start_date, mirror.sync_interval, when)


def _repo_failed(
    state: State,
    mirror: OrgMirror,
    repo: OrgMirrorRepo,
    target: Repository | None,
    when: datetime,
    status_message: str,
    message: str,
    stdout: str | None,
    stderr: str | None,
    tags: str | None = None,
) -> None:
    """A repository's sync failed: its entry, FAIL, a retry used at the worker's next pass (the
    last one resets the retries to 3 and waits for the next interval, as Quay's
    ``release_org_mirror_repo``)."""
    repo.sync_status = "FAIL"
    repo.status_message = status_message
    repo.sync_retries_remaining = max(0, repo.sync_retries_remaining - 1)
    repo.retry_at = _later(when, state.options.retry_delay)
    if repo.sync_retries_remaining < 1:
        repo.sync_retries_remaining = MAX_RETRIES
        repo.sync_start_date = next_start(repo.sync_start_date, mirror.sync_interval, when)
    if target is not None:
        output = {"tags": tags, "stdout": stdout, "stderr": stderr}
        worker_log(state, target, "org_mirror_sync_failed", "end", message, when, **output)


# ------------------------------------------------------------------ API actions


def sync_now(mirror: OrgMirror, when: datetime) -> str | None:
    """Quay's ``update_sync_status_to_sync_now``: its reason to refuse, or None once done."""
    if mirror.sync_status == "SYNCING":
        return "Cannot trigger sync: discovery is currently in progress."
    if any(is_unfinished(repo) for repo in mirror.repos.values()):
        return (
            "Cannot trigger sync: repositories are still syncing. Cancel the current sync and "
            "wait for all repositories to reach a terminal state before triggering a new sync."
        )
    mirror.sync_status = "SYNC_NOW"
    mirror.sync_expiration_date = None
    mirror.sync_retries_remaining = max(mirror.sync_retries_remaining, 1)
    mirror.sync_start_date = when
    mirror.touched_at = when
    return None


def cancel(mirror: OrgMirror, when: datetime) -> str | None:
    """Quay's ``update_sync_status_to_cancel`` (from any status but CANCEL) and the reason its
    endpoint gives when it refuses, or None once done."""
    if mirror.sync_status == "CANCEL":
        return "Cannot cancel: mirror is already cancelled"
    mirror.sync_status = "CANCEL"
    mirror.sync_retries_remaining = 0
    mirror.sync_expiration_date = when
    mirror.touched_at = when
    return None
