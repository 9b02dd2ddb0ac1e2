"""The rows of watched namespaces, from the fleet index (``dashboard.watch``): whole at first
paint -- source, schedule, status (stuck included), last result with Quay's reason -- at no
call to Quay per row, so the counts are exact at once and a search by source or reason
finds every match.

What a person sees from the index is what Quay would show them with their own token: the
mirrors' settings where they administer the namespace (their own, one Quay says they
administer, or as a superuser); where they are known not to and are a member, only what
mirror health shows members (the status, read-only); where it is not known (a token that
does not say), the namespace is drawn live as if unwatched. The page's one mirror-health
call per namespace is fresher than the index: a row whose status moved since is drawn from
it and its details are read live.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from dashboard.mirrors.overview.org_row import OrgRow
from dashboard.mirrors.overview.rows import Row, row_from_config, row_from_health
from dashboard.mirrors.person import ORG_ADMIN, Person
from dashboard.mirrors.rules.reasons import Cause, Reason
from dashboard.mirrors.rules.runs import EventSummary
from dashboard.mirrors.rules.status import CANCELLED, FAILED, SYNCED
from dashboard.mirrors.rules.timefmt import clock
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.models import HealthEntry, MirrorConfig, SyncStatus, read_enum
from dashboard.quay.org_models import OrgMirrorConfig
from dashboard.watch.models import Change, Enrolment, Mirror
from dashboard.watch.visible import served

_RESULT_LABELS = {"success": SYNCED, "fail": FAILED, "cancel": CANCELLED}


@dataclass
class Watched:
    """What the index gives the overview."""

    #: The namespaces drawn from the index (the listing and the detail batches skip them).
    namespaces: set[str] = field(default_factory=set)
    rows: list[Row] = field(default_factory=list)
    org_rows: list[OrgRow] = field(default_factory=list)
    #: Namespaces drawn read-only (members: the status only).
    read_only: list[str] = field(default_factory=list)
    #: What to say of a watched namespace whose index is not current (broken, behind).
    notes: list[str] = field(default_factory=list)


def shares_health(person: Person, wanted: Iterable[str]) -> set[str]:
    """The namespaces of ``wanted`` drawn from the index whose mirror health Quay is known to
    show the person (their settings are shown, or they are a member whose token carries
    ``org:admin``): their visits share one health answer (``overview.scope.read_health``)."""
    return {
        namespace
        for namespace, (_, settings_shown) in served(person, wanted).items()
        if settings_shown or person.holds(ORG_ADMIN)
    }


def read(
    person: Person,
    wanted: Iterable[str],
    health: Mapping[str, Mapping[str, HealthEntry]],
    now: datetime,
    health_read: Collection[str],
) -> Watched:
    """The index's rows of the watched namespaces among ``wanted``, with this visit's mirror
    health (``health``: by namespace and repository) for what moved since. A namespace
    whose health this visit did not read (not in ``health_read``: another viewer was asking
    for it) is drawn from the index alone; its status-only rows too, where Quay is known to
    show the person its health (:func:`shares_health`). A status-only namespace whose
    health is neither read nor shared (a token Quay refuses it: without org:admin and
    repo:create) is not drawn from the index: it is left to the live listing, which shows
    its mirrors with their status not known, as Quay shows them."""
    shared = shares_health(person, wanted)
    watched = Watched()
    now = now.replace(microsecond=0)  # what is said of the index: as of this second
    for namespace, (enrolment, settings_shown) in served(person, wanted).items():
        if not settings_shown and namespace not in health_read and namespace not in shared:
            continue  # its health refused them (or not had): drawn live, from the listings
        watched.namespaces.add(namespace)
        said = note(enrolment, now)
        if said:
            watched.notes.append(said)
        snapshot = read_index(enrolment)
        mirrors = snapshot.mirrors
        named = health.get(namespace, {})
        if not settings_shown:
            watched.read_only.append(namespace)
            if namespace not in health_read and namespace in shared:
                named = {m.name: _health_entry(m) for m in mirrors if _in_health(m)}
            watched.rows += [
                row_from_health(entry, now) for entry in named.values() if entry is not None
            ]
            continue
        if not mirrors and _may_set_up(person, namespace):
            watched.org_rows.append(OrgRow(namespace, settable=True))
        drawn = snapshot.rows(person.may_change(namespace), now)
        for mirror, row in zip(mirrors, drawn, strict=True):
            if row is not None:
                entry = named.get(mirror.name)
                moved = entry is not None and _moved(entry, mirror)  # since: read it live
                watched.rows.append(row_from_health(entry, now, pending=True) if moved else row)
            elif mirror.kind == Mirror.Kind.ORGANIZATION and mirror.config:
                watched.org_rows.append(_org_row(mirror, mirrors, person, now))
    return watched


@dataclass(frozen=True)
class Snapshot:
    """One namespace's index as the overview reads it, read once for every viewer of one
    version of it (``Enrolment.version``): its present mirrors, their configs and last
    results as read from their documents, and when each queued one was queued."""

    #: Which enrolment and version of it (an enrolment removed and made again starts over).
    version: tuple[str, datetime, int]
    mirrors: list[Mirror]
    configs: dict[int, MirrorConfig]
    results: dict[int, EventSummary]
    queued: dict[int, datetime]
    #: The rows drawn from it in the last second they were asked for, by whether the
    #: person may change them.
    drawn: dict[tuple[bool, datetime], list[Row | None]] = field(default_factory=dict)
    drawing: threading.Lock = field(default_factory=threading.Lock)

    def rows(self, may_change: bool, now: datetime) -> list[Row | None]:
        """Each mirror's row (``None`` for what is not a repository mirror) as of ``now``,
        drawn once a second for everyone who may (or may not) change them: a row's words
        ("synced 3 h ago", "running for 45 s") are of the second the page is drawn in."""
        key = (may_change, now)
        with self.drawing:
            found = self.drawn.get(key)
            if found is None:
                found = [_row(m, self, may_change, now) for m in self.mirrors]
                if any(when != now for _, when in self.drawn):
                    self.drawn.clear()  # (another second's)
                self.drawn[key] = found
        return found


_snapshots: dict[int, Snapshot] = {}
_reading: dict[int, threading.Lock] = {}
_guard = threading.Lock()


def read_index(enrolment: Enrolment) -> Snapshot:
    """The index of ``enrolment``'s namespace at its version (two queries when this process
    has not read that version yet, else none): every poll ends by counting the version up,
    so what is kept is never older than the version the page was given. Those asking at once
    wait for one reading."""
    version = (enrolment.namespace, enrolment.enrolled_at, enrolment.version)
    kept = _snapshots.get(enrolment.pk)
    if kept is not None and kept.version == version:
        return kept
    with _guard:
        lock = _reading.setdefault(enrolment.pk, threading.Lock())
    with lock:
        kept = _snapshots.get(enrolment.pk)
        if kept is not None and kept.version == version:
            return kept
        mirrors = list(Mirror.objects.filter(enrolment=enrolment, present=True))
        configs = {
            m.pk: MirrorConfig.from_api(m.config)
            for m in mirrors
            if m.kind == Mirror.Kind.REPOSITORY and m.config is not None
        }
        results = {m.pk: event for m in mirrors if (event := _last_event(m.last_result))}
        snapshot = Snapshot(version, mirrors, configs, results, queued_since(mirrors))
        if kept is None or kept.version[:2] != version[:2] or kept.version[2] < version[2]:
            _snapshots[enrolment.pk] = snapshot  # (a page given an older version keeps its own)
        return snapshot


def forget() -> None:
    """Drop what this process keeps of the index (tests: a database rolled back)."""
    _snapshots.clear()


def _row(mirror: Mirror, snapshot: Snapshot, may_change: bool, now: datetime) -> Row | None:
    """A repository mirror's row from the index: its config and last result (``None`` for
    an organization mirror or its repositories)."""
    if mirror.kind != Mirror.Kind.REPOSITORY:
        return None
    config = snapshot.configs.get(mirror.pk)
    if config is None:
        return Row(mirror.namespace, mirror.name, at=mirror.config_read_at)  # not set up yet
    last = snapshot.results.get(mirror.pk)
    queued = config.sync_status is SyncStatus.SYNC_NOW
    return row_from_config(
        mirror.namespace,
        mirror.name,
        config,
        now,
        last_sync=last.when if last and last.key == "success" else None,
        queued_since=snapshot.queued.get(mirror.pk) if queued else None,
        last_event=last,
        at=mirror.status_read_at or mirror.config_read_at,
        may_change=may_change,
    )


def _moved(entry: HealthEntry, mirror: Mirror) -> bool:
    """This visit's mirror health says more than the index's config: another status, or
    other retries left (a failed try since, or a run that gave up: the start date moved)."""
    if entry.sync_status.value != mirror.sync_status:
        return True
    held = (mirror.config or {}).get("sync_retries_remaining")
    return (
        entry.retries_remaining is not None
        and held is not None
        and (entry.retries_remaining != held)
    )


def _may_set_up(person: Person, namespace: str) -> bool:
    """An empty watched namespace (no repository, no organization mirror) is one where the
    person may set up an organization mirror: an organization Quay said they administer."""
    return namespace in person.admin_of and person.may_change_org(namespace)


def _in_health(mirror: Mirror) -> bool:
    """Whether Quay's mirror health names ``mirror`` (an enabled repository mirror)."""
    return mirror.kind == Mirror.Kind.REPOSITORY and bool(mirror.is_enabled and mirror.sync_status)


def _health_entry(mirror: Mirror) -> HealthEntry:
    """What the mirror health said of ``mirror`` at the watcher's last poll."""
    return HealthEntry(
        namespace=mirror.namespace,
        repository=mirror.name,
        sync_status=read_enum(SyncStatus, mirror.sync_status, SyncStatus.NEVER_RUN),
        is_enabled=True,
        retries_remaining=mirror.retries_remaining,
        last_sync=parse_quay_datetime((mirror.last_result or {}).get("when")),
    )


def _org_row(mirror: Mirror, mirrors: list[Mirror], person: Person, now: datetime) -> OrgRow:
    config = OrgMirrorConfig.from_api(mirror.config or {})
    names = (m.name for m in mirrors if m.kind == Mirror.Kind.ORG_REPOSITORY)
    return OrgRow.of(mirror.namespace, config, now, person, names)


def _last_event(result: Mapping[str, str] | None) -> EventSummary | None:
    if not result or result.get("key") not in _RESULT_LABELS:
        return None
    key = result["key"]
    when = parse_quay_datetime(result.get("when"))
    detail = str(result.get("reason") or result.get("detail") or "")
    reason = None
    if key == "fail" and result.get("cause"):  # (an index row written before causes: none)
        reason = Reason(detail, read_enum(Cause, result.get("cause"), Cause.UNKNOWN_ERROR))
    return EventSummary(key, _RESULT_LABELS[key], detail, when, reason)


def queued_since(mirrors: Iterable[Mirror]) -> dict[int, datetime]:
    """When each queued mirror was queued (the change that made it so): a Sync now no
    worker picked up for minutes is stuck."""
    queued = [m.pk for m in mirrors if m.sync_status == "SYNC_NOW"]
    found: dict[int, datetime] = {}
    for change in Change.objects.filter(mirror_id__in=queued, new="SYNC_NOW").order_by("at"):
        found[change.mirror_id] = change.at
    return found


def note(enrolment: Enrolment, now: datetime) -> str:
    """What the page says of a namespace whose index is not current ("" when it is)."""
    seen = enrolment.last_success_at
    as_of = f"as of {clock(seen, now)}" if seen else "not read yet"
    if enrolment.state == Enrolment.State.BROKEN:
        return (
            f"Watching {enrolment.namespace} is broken: {enrolment.broken_reason} Its mirrors "
            f"below are {as_of}; an admin of {enrolment.namespace} can enrol it again."
        )
    behind = timedelta(seconds=2 * settings.WATCH_INTERVAL_SECONDS)
    if seen is None or now - seen > behind:
        why = f" ({enrolment.last_error})" if enrolment.last_error else ""
        return f"The mirrors of {enrolment.namespace} are {as_of}: the watcher is behind{why}."
    return ""
