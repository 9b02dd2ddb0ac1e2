"""One poll of one watched namespace: read what changed in Quay, keep the index, note changes.

A poll is request-free, idempotent and safe to run twice at once (it claims its namespace
first with one conditional update: a second poll meanwhile does nothing; a poll whose worker
died is taken again once its claim runs out). It never writes to Quay.

What it reads, at a cost that does not grow with the number of mirrors when nothing changes:

1. the namespace's mirror health (one call per 1,000 enabled mirrors): every enabled
   mirror's status and retries; a status that moved is a :class:`~.models.Change`, and the
   mirror's config is to be read again;
2. the namespace's newest log page (one call, more only when more has happened since the
   last poll): config changes made anywhere (Quay's own UI too), and every sync that ended,
   with Quay's whole reason for a failure;
3. the repository listing, every ``WATCH_LISTING_SECONDS`` (one call per 100 repositories):
   mirrors health does not name (disabled, not set up), and those that went away;
4. an organization's mirror, where the namespace has one (its config: one call; its
   discovered repositories when their counts moved);
5. then, within its share of ``WATCH_CALLS_PER_MINUTE``: the configs of mirrors whose status
   or config changed, of running syncs whose lease must be known (a stuck sync is one whose
   lease ran out), of mirrors never read (the first indexing, paced), and the oldest others
   (a slow sweep that keeps every config fresh).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from dashboard.mirrors import clock
from dashboard.mirrors.kinds import OrgTarget, RepoTarget
from dashboard.mirrors.operations import settle
from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.runs import SYNC_ENDED, summarize_event
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import (
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayUnauthorized,
)
from dashboard.quay.models import HealthEntry, LogEntry, MirrorConfig, Repository, read_enum
from dashboard.quay.org_models import OrgMirrorConfig, OrgMirrorRepo

from . import keys, runs
from .alerts import events
from .models import Change, Enrolment, Mirror

logger = logging.getLogger(__name__)

#: Log pages a poll reads at least when much happened (20 entries a page); it reads on, down to
#: what the last poll saw, within half of its share of the budget (:func:`log_pages`): every
#: run that ended is a failed run or a recovery, what the failures view and the alerts read.
LOG_PAGES = 3
#: Calls a poll may make at the least, however many namespaces share the budget.
FLOOR = 6


@dataclass
class Report:
    """What one poll did (``watch status`` prints the last one)."""

    namespace: str
    skipped: str = ""
    calls: int = 0
    changes: int = 0
    configs_read: int = 0
    error: str = ""
    broken: bool = False
    notes: list[str] = field(default_factory=list)


class CountingClient(QuayClient):
    """The watcher's client: counts its calls (never cached: the index is what is kept)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.calls = 0

    def request(self, method: str, path: str, **options: Any) -> Any:
        if method.upper() != "GET":  # the watcher never writes to Quay
            raise RuntimeError(f"the watcher does not {method} {path}")
        self.calls += 1
        return super().request(method, path, **options)


def lease_seconds() -> int:
    """How long a poll holds its namespace (``WATCH_LEASE_SECONDS``; by default longer than
    any poll takes: twice the interval, two minutes at least)."""
    return settings.WATCH_LEASE_SECONDS or max(120, 2 * settings.WATCH_INTERVAL_SECONDS)


def claim(namespace: str, now: datetime) -> bool:
    """Take the namespace for one poll (one conditional update): ``False`` when another poll
    holds it."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    until = now + timedelta(seconds=lease_seconds())
    return bool(Enrolment.objects.filter(free, namespace=namespace).update(claimed_until=until))


def sweep_share() -> int:
    """The configs one poll may read again for the slow sweep (``WATCH_SWEEP_CALLS_PER_MINUTE``
    shared by the namespaces): what keeps the watcher's steady cost flat however many
    mirrors there are."""
    namespaces = max(1, Enrolment.objects.count())
    per_poll = settings.WATCH_SWEEP_CALLS_PER_MINUTE * settings.WATCH_INTERVAL_SECONDS / 60
    return max(1, int(per_poll / namespaces))


def share() -> int:
    """The calls one poll may make: the watcher's budget a minute, shared by the namespaces
    over the minute's polls."""
    namespaces = max(1, Enrolment.objects.count())
    per_poll = settings.WATCH_CALLS_PER_MINUTE * settings.WATCH_INTERVAL_SECONDS / 60
    return max(FLOOR, int(per_poll / namespaces))


def poll(namespace: str, now: datetime | None = None) -> Report:
    """One poll of ``namespace`` (see the module's docstring). Never raises for Quay's
    answers: a refused token marks the enrolment broken (tried again slowly), any other
    failure is noted and the next poll tries again."""
    now = now or clock.now()
    if not claim(namespace, now):
        return Report(namespace, skipped="another poll holds it")
    enrolment = Enrolment.objects.get(namespace=namespace)
    report = Report(namespace)
    token = keys.unseal(enrolment.sealed_token)
    if token is None:
        _broken(enrolment, now, "The watcher's keys no longer open its token: enrol it again.")
        report.broken = True
        return report
    client = CountingClient(token)
    try:
        Poll(client, enrolment, now, report).run()
    except (QuayUnauthorized, QuayForbidden) as error:
        _broken(enrolment, now, f"Quay refused the watch token: {error.message}")
        report.broken, report.error = True, error.message
    except QuayError as error:
        report.error = error.message
        logger.info("Watching %s: %s", namespace, error.message)
    finally:
        report.calls = client.calls
        _release(enrolment, now, report)
    return report


def _broken(enrolment: Enrolment, now: datetime, why: str) -> None:
    """Quay refused the watch token: said on the pages, and an event for the alerts (once a
    breakage: its key is when it began)."""
    since = enrolment.broken_since or now
    Enrolment.objects.filter(pk=enrolment.pk).update(
        state=Enrolment.State.BROKEN, broken_reason=why, broken_since=since
    )
    events.broken(enrolment, since, why)


def _release(enrolment: Enrolment, now: datetime, report: Report) -> None:
    """The poll is over: the next one is due in an interval (slowly while broken)."""
    slow, usual = settings.WATCH_BROKEN_RETRY_SECONDS, settings.WATCH_INTERVAL_SECONDS
    wait = slow if report.broken else usual
    Enrolment.objects.filter(pk=enrolment.pk).update(
        claimed_until=None,
        last_poll_at=now,
        next_poll_at=now + timedelta(seconds=wait),
        last_error=report.error,
        calls=F("calls") + report.calls,
        version=F("version") + 1,  # what it wrote is read afresh (overview.watched)
    )


class Poll:
    """One poll's work on one namespace (the enrolment is claimed)."""

    def __init__(
        self, client: CountingClient, enrolment: Enrolment, now: datetime, report: Report
    ) -> None:
        self.client = client
        self.enrolment = enrolment
        self.namespace = enrolment.namespace
        self.now = now
        self.report = report
        self.budget = share()
        self._back_to = now
        #: This poll reads the log back (history: its failures are no news), and the first
        #: indexing is under way (what it finds stuck or idle is no transition).
        self.history = enrolment.failures_from is None
        self.indexing = enrolment.indexed_at is None
        self.mirrors: dict[tuple[str, str], Mirror] = {
            (m.kind, m.name): m for m in Mirror.objects.filter(enrolment=enrolment)
        }

    # -- the steps ------------------------------------------------------------------------

    def run(self) -> None:
        health = self.client.get_mirror_health(self.namespace)
        with transaction.atomic():
            self._seen_health(health.details)
        listed: list[Repository] | None = None
        if self._listing_due():
            listed = self.client.list_repositories(self.namespace)
            with transaction.atomic():
                self._seen_listing(listed)
        self._organization_mirror(listed)
        if self.enrolment.failures_from is None:
            entries = self._read_back()
        else:
            entries, _whole = self.client.list_namespace_log(
                self.namespace, since=self.enrolment.log_seen_at, max_pages=self.log_pages()
            )
        with transaction.atomic():
            self._seen_log(entries)
            if self.enrolment.failures_from is None:
                self._known_from()
        runs.forget_old_ends(self.namespace, self.now)
        self._read_configs()
        self._read_results()
        self._settle_audit()
        self._settled()
        events.after_poll(self.enrolment, self.now, history=self.indexing)

    def log_pages(self) -> int:
        """The most log pages this poll reads down to the last poll's newest entry: a burst (an
        upstream down, a hundred mirrors failing in a minute) is read whole, within half the
        poll's share of the budget (only what happened costs: a quiet poll reads one page)."""
        return max(LOG_PAGES, self.budget // 2)

    def _read_back(self) -> list[LogEntry]:
        """The first poll reads the namespace's log back ``WATCH_BACKFILL_DAYS`` (at most
        ``WATCH_BACKFILL_LOG_PAGES`` pages): the failed runs before watching began, for the
        failures view (read the same way as every later poll's newest page)."""
        start = self.now - timedelta(days=settings.WATCH_BACKFILL_DAYS)
        entries, whole = self.client.list_namespace_log(
            self.namespace, starttime=start, max_pages=settings.WATCH_BACKFILL_LOG_PAGES
        )
        self._back_to = (
            start.replace(hour=0, minute=0, second=0, microsecond=0)  # Quay's starttime: a day
            if whole
            else min((e.datetime for e in entries if e.datetime), default=self.now)
        )
        return entries

    def _known_from(self) -> None:
        """Failed runs, and every sync that ended, are known from where the first poll's log
        reached."""
        self.enrolment.failures_from = self.enrolment.counts_from = self._back_to
        Enrolment.objects.filter(pk=self.enrolment.pk).update(
            failures_from=self._back_to, counts_from=self._back_to
        )

    def _listing_due(self) -> bool:
        seen = self.enrolment.listing_at
        return seen is None or (self.now - seen).total_seconds() >= settings.WATCH_LISTING_SECONDS

    # -- what each read says --------------------------------------------------------------

    def _mirror(self, kind: str, name: str) -> Mirror:
        """The index's row of a mirror, made when first seen."""
        found = self.mirrors.get((kind, name))
        if found is None:
            found = Mirror.objects.create(
                enrolment=self.enrolment, namespace=self.namespace, name=name, kind=kind
            )
            self.mirrors[(kind, name)] = found
        return found

    def _status(
        self, mirror: Mirror, status: str, reason: str = "", at: datetime | None = None
    ) -> None:
        """The mirror's status is ``status`` now: a change of it is a row (old, new, when,
        why), and its config is to be read again (what it does now, its lease)."""
        old = mirror.sync_status
        if old == status:
            return
        mirror.sync_status = status
        mirror.stale = True
        if old:  # a first sighting is no change (the first indexing notes none)
            Change.objects.create(
                mirror=mirror,
                namespace=mirror.namespace,
                name=mirror.name,
                kind=mirror.kind,
                old=old,
                new=status,
                at=at or self.now,
                seen_at=self.now,
                reason=reason,
            )
            self.report.changes += 1

    def _seen_health(self, details: Iterable[HealthEntry]) -> None:
        for entry in details:
            if entry.namespace not in ("", self.namespace) or entry.unreadable:
                continue  # another's, or one Quay's answer spoiled: the index keeps its own
            mirror = self._mirror(Mirror.Kind.REPOSITORY, entry.repository)
            self._status(mirror, entry.sync_status.value)
            mirror.is_enabled = entry.is_enabled
            if entry.retries_remaining is not None:
                mirror.retries_remaining = entry.retries_remaining
            mirror.status_read_at = self.now
            mirror.present = True
            mirror.save()

    def _seen_listing(self, repositories: Iterable[Repository]) -> None:
        listed: set[str] = set()
        for repo in repositories:
            if repo.state not in ("MIRROR",):
                continue
            listed.add(repo.name)
            mirror = self._mirror(Mirror.Kind.REPOSITORY, repo.name)
            mirror.repo_state, mirror.present = repo.state, True
            mirror.save()
        for (kind, name), mirror in self.mirrors.items():
            if kind == Mirror.Kind.REPOSITORY and name not in listed and mirror.present:
                mirror.present = False  # no longer a mirror (deleted, or back to normal)
                mirror.save()
        self.enrolment.listing_at = self.now
        Enrolment.objects.filter(pk=self.enrolment.pk).update(listing_at=self.now)

    def _organization_mirror(self, listed: list[Repository] | None) -> None:
        """The namespace's organization mirror: read each poll where it has one; looked for
        when the listing is read and says it may (Quay sets one up only in an empty
        organization, whose repositories are then all ORG_MIRROR)."""
        known = self.mirrors.get((Mirror.Kind.ORGANIZATION, ""))
        may_have = listed is not None and all(repo.is_org_mirror for repo in listed)
        if known is None and not may_have:
            return
        try:
            config = self.client.get_org_mirror(self.namespace)
        except QuayNotFound:
            if known is not None and known.present:
                known.present = False
                known.save()
            return
        mirror = self._mirror(Mirror.Kind.ORGANIZATION, "")
        counts_before = (mirror.config or {}).get("repo_sync_status_counts")
        self._keep_config(mirror, config)
        if counts_before != mirror.config.get("repo_sync_status_counts") or counts_before is None:
            self._discovered(self.client.all_org_mirror_repositories(self.namespace))

    def _discovered(self, repositories: Iterable[OrgMirrorRepo]) -> None:
        with transaction.atomic():
            for repo in repositories:
                if repo.unreadable:  # Quay's entry says nothing sure: the index keeps its own
                    continue
                mirror = self._mirror(Mirror.Kind.ORG_REPOSITORY, repo.name)
                why = repo.status_message or ""
                if why and repo.sync_status.value == "FAIL":  # its log entry may say more
                    why = reasons.of_status_message(why).text
                self._status(mirror, repo.sync_status.value, why)
                mirror.status_message = repo.status_message or ""
                mirror.source = repo.name
                mirror.status_read_at = self.now
                mirror.present = True
                mirror.stale = False
                mirror.save()

    def _seen_log(self, entries: list[LogEntry]) -> None:
        """Config changes made anywhere mark the mirror to be read again; every sync that
        ended is its last result (a failure with Quay's whole reason), and its config is read
        again (the retries and the start date a run moves)."""
        newest = self.enrolment.log_seen_at
        for entry in reversed(entries):  # oldest first: the last result is the newest
            when = entry.datetime
            if when is not None and (newest is None or when > newest):
                newest = when
            name = str(entry.metadata.get("repo") or "")
            if entry.kind == "repo_mirror_config_changed" and name:
                mirror = self.mirrors.get((Mirror.Kind.REPOSITORY, name))
                if mirror is not None:
                    mirror.stale = True
                    mirror.save(update_fields=["stale"])
                    self._pressed(mirror, entry)
            elif entry.kind in SYNC_ENDED and name:
                mirror = self._mirror(Mirror.Kind.REPOSITORY, name)
                self._result(mirror, entry, entries)
                mirror.result_read_at = self.now
                # A run that ended moved its retries and perhaps its start date (a failure
                # that used the last retry, a success): its config is read again.
                mirror.stale = True
                mirror.save(update_fields=["last_result", "result_read_at", "stale"])
                self._run_ended(mirror, entry, history=self.history)
                if mirror.last_result["key"] == "fail":
                    Change.objects.filter(mirror=mirror, new="FAIL", reason="").update(
                        reason=mirror.last_result["reason"]
                    )
            elif entry.kind == "org_mirror_sync_failed" and name:
                self._org_repo_failed(name, entry)
            elif entry.kind == "org_mirror_sync_success" and name:
                found = self.mirrors.get((Mirror.Kind.ORG_REPOSITORY, name))
                if found is not None:
                    runs.succeeded(found, entry.datetime, history=self.history)
            elif entry.kind.startswith("org_mirror_") and not entry.metadata.get("repo"):
                known = self.mirrors.get((Mirror.Kind.ORGANIZATION, ""))
                if known is not None:
                    known.stale = True
                    known.save(update_fields=["stale"])
                    self._discovery_ended(known, entry)
        if newest != self.enrolment.log_seen_at:
            self.enrolment.log_seen_at = newest
            Enrolment.objects.filter(pk=self.enrolment.pk).update(log_seen_at=newest)

    # -- the configs -------------------------------------------------------------------------

    def _plan(self) -> list[Mirror]:
        """The configs to read this poll, most wanted first, as many as the poll's share of
        the budget has left: those whose status or config changed, a running sync whose
        lease seems to have run out (stuck, or ended meanwhile?), those never read (the first
        indexing), then those read longest ago, once a sweep's time has passed since (the
        sweep has a smaller share of its own: its cost must not grow with each poll)."""
        left = self.budget - self.client.calls
        if left <= 0:
            return []
        sweep_left = sweep_share()
        wanted: list[tuple[tuple[int, float], Mirror]] = []
        for (kind, _), mirror in self.mirrors.items():
            if kind != Mirror.Kind.REPOSITORY or not mirror.present:
                continue
            read = mirror.config_read_at
            age = (self.now - read).total_seconds() if read else float("inf")
            if read is None:
                wanted.append(((2, 0.0), mirror))
            elif mirror.stale:
                wanted.append(((0, -age), mirror))
            elif self._lease_passed(mirror):
                wanted.append(((1, -age), mirror))
            elif age >= settings.WATCH_SWEEP_SECONDS:
                wanted.append(((3, -age), mirror))
        wanted.sort(key=lambda pair: pair[0])
        chosen = []
        for (rank, _), mirror in wanted:
            if len(chosen) >= left:
                break
            if rank == 3:
                if sweep_left <= 0:
                    break
                sweep_left -= 1
            chosen.append(mirror)
        return chosen

    def _lease_passed(self, mirror: Mirror) -> bool:
        """A running sync whose lease, as last read, has run out since it was read: stuck
        (Quay's worker never claims it again), or ended just before: worth one read to tell."""
        config = mirror.config or {}
        if config.get("sync_status") != "SYNCING" or not config.get("sync_expiration_date"):
            return False
        expires = parse_quay_datetime(config["sync_expiration_date"])
        read = mirror.config_read_at
        return bool(expires and read and read < expires <= self.now)

    def _read_configs(self) -> None:
        for mirror in self._plan():
            try:
                config = self.client.get_mirror(self.namespace, mirror.name)
            except QuayNotFound:
                mirror.config, mirror.stale = None, False  # MIRROR state, no config yet
                mirror.config_read_at = self.now
                mirror.save()
                continue
            self._keep_config(mirror, config)
            self.report.configs_read += 1

    def _read_results(self) -> None:
        """The last result of mirrors that have run but whose result the namespace's log has
        not shown since they were first indexed (one call each, within the poll's share):
        then the index is whole from the first indexing on; later results come from the
        namespace's log. Failures first: their reason is what a person looks for."""
        first = {"FAIL": 0, "CANCEL": 1, "SUCCESS": 2}
        wanted = [
            (first[mirror.sync_status], name, mirror)
            for (kind, name), mirror in self.mirrors.items()
            if kind == Mirror.Kind.REPOSITORY
            and mirror.sync_status in first
            and mirror.result_read_at is None
        ]
        for _, name, mirror in sorted(wanted, key=lambda item: item[:2]):
            if self.client.calls >= self.budget:
                return
            logs = self.client.list_logs(self.namespace, name)
            ended = [entry for entry in logs if entry.kind in SYNC_ENDED]
            if ended:
                self._result(mirror, ended[0], logs)
            mirror.result_read_at = self.now
            mirror.save(update_fields=["last_result", "result_read_at"])
            if ended:  # a failure the namespace's log did not reach is a failed run too
                self._run_ended(mirror, ended[0], history=True)  # from before watching

    def _result(self, mirror: Mirror, entry: LogEntry, logs: Iterable[LogEntry] = ()) -> None:
        """``entry`` (a sync that ended) is the mirror's last result: for a failure, its
        reason as the pages say it and Quay's cause (``reasons``)."""
        summary = summarize_event(entry, logs)
        when = entry.datetime
        reason = summary.reason
        mirror.last_result = {
            "key": summary.key,
            "detail": summary.detail,
            "reason": reason.text if reason else "",
            "cause": reason.cause.value if reason else "",
            "when": when.isoformat() if when else None,
        }

    # -- failed runs (``runs``: one row per run, for the failures view) -------------------

    def _run_ended(self, mirror: Mirror, entry: LogEntry, *, history: bool) -> None:
        """A repository mirror's try ended (its last result is set from ``entry``)."""
        result = mirror.last_result or {}
        if result.get("key") == "success":
            runs.succeeded(mirror, entry.datetime, history=history)
        elif result.get("key") == "cancel":
            runs.cancelled(mirror, entry.datetime)
        elif result.get("key") == "fail":
            cause = read_enum(reasons.Cause, result.get("cause"), reasons.Cause.UNKNOWN_ERROR)
            reason = reasons.Reason(str(result.get("reason") or ""), cause)
            partial = reasons.is_partial(entry.metadata)
            runs.failed_try(mirror, entry.datetime, reason, partial, history=history)

    def _pressed(self, mirror: Mirror, entry: LogEntry) -> None:
        """Sync now or Cancel, pressed anywhere (``changed: sync_status``): the next failure
        is a new run; a Cancel is said on the failed run before it."""
        if entry.metadata.get("changed") != "sync_status":
            return
        to = str(entry.metadata.get("to") or "")
        if to == "SYNC_NOW":
            runs.restarted(mirror, entry.datetime)
        elif to in ("SYNC_CANCEL", "CANCEL"):
            runs.cancelled(mirror, entry.datetime)

    def _discovery_ended(self, mirror: Mirror, entry: LogEntry) -> None:
        """An organization mirror's discovery ended (or was cancelled): its failed runs."""
        message = str(entry.metadata.get("message") or "")
        if entry.kind == "org_mirror_sync_success":
            runs.succeeded(mirror, entry.datetime, history=self.history)
        elif entry.kind == "org_mirror_sync_cancelled" or (
            entry.kind == "org_mirror_sync_failed" and message.startswith("Sync cancelled")
        ):
            runs.cancelled(mirror, entry.datetime)
        elif entry.kind == "org_mirror_sync_failed":
            reason = reasons.of_entry(entry.metadata)
            runs.failed_try(mirror, entry.datetime, reason, False, history=self.history)

    def _org_repo_failed(self, name: str, entry: LogEntry) -> None:
        """A discovered repository's failed sync: its reason is in the entry (Quay's status
        message says only "See output"), for its last result and its change to FAIL."""
        mirror = self.mirrors.get((Mirror.Kind.ORG_REPOSITORY, name))
        if mirror is None:
            return
        reason = reasons.of_entry(entry.metadata)
        when = entry.datetime
        mirror.last_result = {
            "key": "fail",
            "detail": reason.text,
            "reason": reason.text,
            "cause": reason.cause.value,
            "when": when.isoformat() if when else None,
        }
        mirror.result_read_at = self.now
        mirror.save(update_fields=["last_result", "result_read_at"])
        partial = reasons.is_partial(entry.metadata)
        runs.failed_try(mirror, when, reason, partial, history=self.history)
        said = reasons.of_status_message(mirror.status_message).text
        Change.objects.filter(mirror=mirror, new="FAIL", reason__in=["", said]).update(
            reason=reason.text
        )

    def _settle_audit(self) -> None:
        """Audit entries left pending here (an instance went away while Quay acted) are
        settled from the index once it holds a config read after Quay was done with the call;
        an older one is read again at the next poll (one call a mirror, once)."""
        done_after = timedelta(seconds=2 * settings.QUAY_TIMEOUT)
        for entry in settle.stale_in(self.namespace, self.now):
            org = not entry.repository
            kind = Mirror.Kind.ORGANIZATION if org else Mirror.Kind.REPOSITORY
            mirror = self.mirrors.get((kind, entry.repository))
            if mirror is None:
                continue  # not in the index (yet): its page settles it when next opened
            target = OrgTarget(self.namespace) if org else RepoTarget(self.namespace, mirror.name)
            read = mirror.config_read_at
            late = read is None or read < entry.created + done_after
            if entry.action in settle.READ_FROM_CONFIG and late:
                if not mirror.stale:
                    Mirror.objects.filter(pk=mirror.pk).update(stale=True)
                continue
            document = mirror.config if mirror.present else None
            parse = OrgMirrorConfig.from_api if org else MirrorConfig.from_api
            settle.settle_entry(target, entry, parse(document) if document else None)

    def _keep_config(self, mirror: Mirror, config: MirrorConfig | OrgMirrorConfig) -> None:
        document = config.to_document()
        self._status(mirror, config.sync_status.value)
        mirror.config = document
        if isinstance(config, OrgMirrorConfig):
            mirror.source = config.source
        else:
            mirror.source = config.external_reference
        mirror.is_enabled = config.is_enabled
        mirror.retries_remaining = config.sync_retries_remaining
        mirror.config_read_at = mirror.status_read_at = self.now
        mirror.stale = False
        mirror.present = True
        mirror.save()

    def _settled(self) -> None:
        """The index is as of now; the first indexing is done once every config was read."""
        unread = Mirror.objects.filter(
            enrolment=self.enrolment,
            kind=Mirror.Kind.REPOSITORY,
            present=True,
            config_read_at__isnull=True,
        ).exists()
        changes: dict[str, Any] = {"last_success_at": self.now}
        if self.enrolment.state == Enrolment.State.BROKEN:
            changes.update(state=Enrolment.State.OK, broken_reason="", broken_since=None)
        if not unread and self.enrolment.indexed_at is None:
            changes["indexed_at"] = self.now
        Enrolment.objects.filter(pk=self.enrolment.pk).update(**changes)
