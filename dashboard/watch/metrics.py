"""The fleet index as Prometheus metrics (``/metrics``): collected at scrape time from the
index alone (never a call to Quay), in a fixed number of queries however many mirrors
(the enrolments, the mirrors, the queued mirrors' Sync now, the deliveries by state).

Per mirror (at most ``METRICS_MAX_MIRRORS``, failing and stuck first; the rest are counted in
``mirror_dashboard_mirror_series_omitted``): its status as the overview says it, its newest
success, its retries left and its interval. Per namespace: the mirrors by kind and status, the
watcher's last good poll, whether watching is broken, the alert deliveries by state. The
status is the one the pages give (``rules.status.describe``, ``rules.org_status``), so the
alerting rules (docs/prometheus-rules.yml) and the overview agree.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.mirrors import clock
from dashboard.mirrors.overview.row_base import UNCONFIGURED
from dashboard.mirrors.overview.watched import queued_since
from dashboard.mirrors.rules.org_status import describe_org
from dashboard.mirrors.rules.status import RANK, describe
from dashboard.quay.models import MirrorConfig, SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig

from .models import Delivery, Enrolment, Mirror

logger = logging.getLogger(__name__)

PREFIX = "mirror_dashboard"
#: A discovered repository of an organization mirror, by Quay's status (the organization
#: mirror's page lists them so); SKIP: its filters leave it out.
ORG_REPOSITORY_STATUS = {
    "SUCCESS": "success",
    "FAIL": "fail",
    "SYNCING": "active",
    "SYNC_NOW": "active",
    "CANCEL": "cancel",
    "NEVER_RUN": "never",
    "SKIP": "skipped",
}
SKIPPED = "skipped"
#: Every value of the ``status`` label (a small, fixed set).
STATUSES = (*RANK, UNCONFIGURED, SKIPPED)
#: A label value is cut to this many characters (Quay's names are shorter).
LABEL_MAX = 255
MIRROR_LABELS = ["namespace", "name", "kind"]


def status_of(mirror: Mirror, now: datetime, queued: dict[int, datetime]) -> str:
    """The mirror's status key, as the overview draws it from the index at ``now``."""
    if mirror.kind == Mirror.Kind.ORG_REPOSITORY:
        return ORG_REPOSITORY_STATUS.get(mirror.sync_status, UNCONFIGURED)
    if not mirror.config:
        return UNCONFIGURED
    if mirror.kind == Mirror.Kind.ORGANIZATION:
        return describe_org(OrgMirrorConfig.from_api(mirror.config), now).key
    config = MirrorConfig.from_api(mirror.config)
    since = queued.get(mirror.pk) if config.sync_status is SyncStatus.SYNC_NOW else None
    return describe(config, now, queued_since=since).key


def _label(value: str) -> str:
    return value[:LABEL_MAX]


def _timestamp(when: datetime | None) -> float | None:
    return when.timestamp() if when is not None else None


class FleetCollector(Collector):
    """Collects the fleet's series at each scrape (see the module's docstring)."""

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        try:
            families = list(self._families(clock.now()))
            readable = 1.0
        except DatabaseError as error:  # the scrape still answers: it says the index is not
            logger.warning("/metrics could not read the fleet index: %s", error)
            families, readable = [], 0.0
        yield from families
        yield _gauge(
            "index_readable", "1 when the fleet index could be read for this scrape.", readable
        )
        yield _gauge(
            "index_collect_seconds",
            "Time this scrape took to read the fleet index.",
            time.perf_counter() - started,
        )

    def _families(self, now: datetime) -> Iterator[Metric]:
        enrolments = list(Enrolment.objects.all())
        mirrors = list(Mirror.objects.filter(present=True).defer("last_result", "status_message"))
        queued = queued_since(mirrors)
        statuses = [(mirror, status_of(mirror, now, queued)) for mirror in mirrors]
        yield from _per_mirror(statuses)
        yield from _counts(enrolments, statuses)
        yield from _watcher(enrolments)
        yield from _deliveries(enrolments)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


def _per_mirror(statuses: list[tuple[Mirror, str]]) -> Iterator[Metric]:
    """Each mirror's series, for at most ``METRICS_MAX_MIRRORS`` of them: those that need
    someone first (failing, stuck), then by namespace and name."""
    rank = {status: index for index, status in enumerate(STATUSES)}
    ordered = sorted(statuses, key=lambda pair: (rank[pair[1]], pair[0].namespace, pair[0].name))
    limit = max(0, settings.METRICS_MAX_MIRRORS)
    shown, omitted = ordered[:limit], len(ordered) - min(limit, len(ordered))
    status = GaugeMetricFamily(
        f"{PREFIX}_mirror_status",
        "1 for each watched mirror, its status as the overview says it in the status label "
        "(fail, stuck, active, cancel, never, success, disabled, unconfigured, skipped).",
        labels=[*MIRROR_LABELS, "status"],
    )
    success = GaugeMetricFamily(
        f"{PREFIX}_mirror_last_success_timestamp_seconds",
        "When the mirror last synced successfully (Quay's log time), where the watcher knows it.",
        labels=MIRROR_LABELS,
    )
    retries = GaugeMetricFamily(
        f"{PREFIX}_mirror_retries_remaining",
        "Tries Quay has left for the mirror's run (0: none until the next Sync now).",
        labels=MIRROR_LABELS,
    )
    interval = GaugeMetricFamily(
        f"{PREFIX}_mirror_sync_interval_seconds",
        "The mirror's sync interval (repository and organization mirrors).",
        labels=MIRROR_LABELS,
    )
    for mirror, key in shown:
        labels = [_label(mirror.namespace), _label(mirror.name), mirror.kind]
        status.add_metric([*labels, key], 1)
        if (when := _timestamp(mirror.last_success_at)) is not None:
            success.add_metric(labels, when)
        if mirror.retries_remaining is not None and mirror.kind == Mirror.Kind.REPOSITORY:
            retries.add_metric(labels, mirror.retries_remaining)
        every = (mirror.config or {}).get("sync_interval")
        if isinstance(every, int) and mirror.kind != Mirror.Kind.ORG_REPOSITORY:
            interval.add_metric(labels, every)
    yield from (status, success, retries, interval)
    yield _gauge(
        "mirror_series_omitted",
        "Watched mirrors left out of the per-mirror series (past METRICS_MAX_MIRRORS).",
        omitted,
    )
    yield _gauge("mirror_series_limit", "METRICS_MAX_MIRRORS.", limit)


def _counts(
    enrolments: Iterable[Enrolment], statuses: list[tuple[Mirror, str]]
) -> Iterator[Metric]:
    counted = Counter((m.namespace, m.kind, key) for m, key in statuses)
    family = GaugeMetricFamily(
        f"{PREFIX}_mirrors",
        "Watched mirrors by namespace, kind and status (every mirror, whatever the limit).",
        labels=["namespace", "kind", "status"],
    )
    for enrolment in enrolments:  # every status of every kind: a count that drops to 0 says so
        for kind in Mirror.Kind.values:
            for key in STATUSES:
                family.add_metric(
                    [_label(enrolment.namespace), kind, key],
                    counted[(enrolment.namespace, kind, key)],
                )
    yield family


def _watcher(enrolments: Iterable[Enrolment]) -> Iterator[Metric]:
    polled = GaugeMetricFamily(
        f"{PREFIX}_watch_last_success_timestamp_seconds",
        "When the watcher last read the namespace's mirror health (the index is as of then).",
        labels=["namespace"],
    )
    broken = GaugeMetricFamily(
        f"{PREFIX}_watch_broken",
        "1 while watching the namespace is broken (Quay refused the watch token).",
        labels=["namespace"],
    )
    for enrolment in enrolments:
        namespace = _label(enrolment.namespace)
        if (when := _timestamp(enrolment.last_success_at)) is not None:
            polled.add_metric([namespace], when)
        broken.add_metric([namespace], float(enrolment.state == Enrolment.State.BROKEN))
    yield from (polled, broken)
    yield _gauge(
        "watch_interval_seconds",
        "WATCH_INTERVAL_SECONDS: how often each namespace is polled.",
        settings.WATCH_INTERVAL_SECONDS,
    )


def _deliveries(enrolments: Iterable[Enrolment]) -> Iterator[Metric]:
    """Alert deliveries by namespace and state (one grouped query); ``retrying``: waiting
    after a failed try (its channel fails now)."""
    rows = (
        Delivery.objects.values("rule__enrolment__namespace", "state")
        .annotate(count=Count("id"), retrying=Count("id", filter=Q(tries__gt=0)))
        .order_by()
    )
    family = GaugeMetricFamily(
        f"{PREFIX}_alert_deliveries",
        "Alert deliveries by namespace and state (pending, sent, failed: given up).",
        labels=["namespace", "state"],
    )
    retrying = GaugeMetricFamily(
        f"{PREFIX}_alert_deliveries_retrying",
        "Alert deliveries waiting for another try after a failed one (the channel fails now).",
        labels=["namespace"],
    )
    found: Counter[tuple[str, str]] = Counter()
    again: Counter[str] = Counter()
    namespaces = {_label(enrolment.namespace) for enrolment in enrolments}
    for row in rows:
        namespace = _label(row["rule__enrolment__namespace"])
        namespaces.add(namespace)
        found[(namespace, row["state"])] += row["count"]
        if row["state"] == Delivery.State.PENDING:
            again[namespace] += row["retrying"]
    for namespace in sorted(namespaces):
        for state in Delivery.State.values:
            family.add_metric([namespace, state], found[(namespace, state)])
        retrying.add_metric([namespace], again[namespace])
    yield from (family, retrying)
