"""A watched namespace's trends (``/watch/{ns}/trends/``): syncs that ended per day, the
mirrors that failed most, and how long they took to recover.

Per day (UTC days, today included), successes and failures:

* from the index (``SyncEnd``: every success and every failed try the watcher read in Quay's
  log, a person's Cancel and a pre-empted job left out) for the days it counted whole, from
  ``Enrolment.counts_from`` on (the first poll reads the log back ``WATCH_BACKFILL_DAYS``);
* from Quay's own log counts (``aggregatelogs``: ``repo_mirror_sync_success`` and
  ``org_mirror_sync_success``; ``repo_mirror_sync_failed`` and ``org_mirror_sync_failed``,
  which Quay also writes for a Cancel and a pre-empted job) for the days before: one call a
  namespace and window, with the watcher's token, kept in the cache (days gone by do not
  change), so a page drawn again costs Quay nothing. Quay down, refusing or slow: those days
  say "not known" and the page says why; the index's days are shown all the same.

The most-failing mirrors and their time to recover come from the failed runs the failures view
reads (``failures.failed_rows``; one per run, however often Quay retried it): from a run's
first failure to the mirror's next success; runs that failed one after the other before that
success are one outage.

Who sees it: whoever the failures view shows the namespace's failures to
(``visible.served``: Quay shows them its mirrors' settings); nobody else gets a number.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate

from dashboard.mirrors.overview import watched
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.timefmt import clock
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    QuayError,
    QuayForbidden,
    QuayTimeout,
    QuayUnauthorized,
    QuayUnreachable,
)

from . import failures, keys
from .models import Enrolment, FailedRun, SyncEnd
from .visible import served

#: The windows by name: their words and how many days (today and the days before it).
WINDOWS: dict[str, tuple[str, int]] = {
    "7d": ("the last 7 days", 7),
    "30d": ("the last 30 days", 30),
}
DEFAULT_WINDOW = "7d"
#: The most-failing mirrors shown.
TOP = 10
#: Quay's log kinds counted as a success and as a failure.
SUCCESS_KINDS = ("repo_mirror_sync_success", "org_mirror_sync_success")
FAILURE_KINDS = ("repo_mirror_sync_failed", "org_mirror_sync_failed")
#: How long Quay's counts are kept: days gone by do not change; today's does.
PAST_SECONDS = 6 * 3600
TODAY_SECONDS = 300
#: The longest a page waits for Quay's counts (the index's part is drawn regardless).
COUNTS_WAIT_SECONDS = 5.0

INDEX, QUAY, UNKNOWN = "index", "quay", "unknown"


@dataclass(frozen=True)
class Day:
    day: date
    successes: int | None
    failures: int | None
    #: Where its numbers come from: the index, Quay's log counts, or nowhere (not known).
    source: str

    @property
    def source_words(self) -> str:
        return {INDEX: "the watcher", QUAY: "Quay's log counts"}.get(self.source, "not known")


@dataclass
class MirrorTrend:
    """One of the mirrors that failed most in the window."""

    row: failures.FailureRow
    #: How long each outage that ended in the window took (first failure to next success).
    recoveries: list[timedelta] = field(default_factory=list)

    @property
    def median(self) -> timedelta | None:
        return median(self.recoveries) if self.recoveries else None

    @property
    def longest(self) -> timedelta | None:
        return max(self.recoveries) if self.recoveries else None


@dataclass
class Trends:
    namespace: str
    window: str
    words: str
    days: list[Day]
    #: The first day counted by the index (``None``: none of the window's).
    index_from: date | None
    #: The days asked of Quay (first, last), and why they are not known ("" when they are).
    quay_days: tuple[date, date] | None
    quay_error: str
    mirrors: list[MirrorTrend]
    failed_mirrors: int
    recoveries: list[timedelta]
    not_recovered: int
    notes: list[str]
    now: datetime

    @property
    def successes(self) -> int:
        return sum(day.successes or 0 for day in self.days)

    @property
    def failures(self) -> int:
        return sum(day.failures or 0 for day in self.days)

    @property
    def unknown_days(self) -> int:
        return sum(day.source == UNKNOWN for day in self.days)

    @property
    def median(self) -> timedelta | None:
        return median(self.recoveries) if self.recoveries else None

    @property
    def longest(self) -> timedelta | None:
        return max(self.recoveries) if self.recoveries else None

    def chart(self) -> dict[str, Any]:
        """What the chart draws (``json_script``): the table's numbers, day by day."""
        return {
            "days": [day.day.isoformat() for day in self.days],
            "successes": [day.successes for day in self.days],
            "failures": [day.failures for day in self.days],
            "sources": [day.source for day in self.days],
        }


@dataclass(frozen=True)
class Page:
    """The page: the trends, or why there are none for this person (and the HTTP status)."""

    namespace: str
    trends: Trends | None = None
    why: str = ""
    status: int = 200
    windows: tuple[tuple[str, str], ...] = tuple((k, w) for k, (w, _) in WINDOWS.items())


def build(person: Person, namespace: str, query: Mapping[str, str], now: datetime) -> Page:
    """The trends page of ``namespace`` for ``person``: no call to Quay but, for the days
    before the index counted, one for Quay's log counts (none when they are in the cache)."""
    enrolment = Enrolment.objects.filter(namespace=namespace).first()
    if enrolment is None:
        return Page(namespace, why=f"{namespace} is not watched: it has no trends.", status=404)
    found = served(person, [namespace]).get(namespace)
    if found is None or not found[1]:
        return Page(namespace, why=_not_shown(person, enrolment), status=403)
    key = str(query.get("window", "")) or DEFAULT_WINDOW
    if key not in WINDOWS:
        key = DEFAULT_WINDOW
    return Page(namespace, trends=trends(enrolment, key, now))


def _not_shown(person: Person, enrolment: Enrolment) -> str:
    namespace = enrolment.namespace
    if enrolment.indexed_at is None:
        return f"The trends of {namespace} are not shown yet: its first indexing is under way."
    if person.reads_configs(namespace) is None:
        return (
            f"The trends of {namespace} are not shown: Quay has not said whether you administer "
            "it (they are read from logs Quay shows only its administrators)."
        )
    return (
        f"The trends of {namespace} are shown to its administrators only: Quay shows you its "
        "mirrors' status, not their logs."
    )


def trends(enrolment: Enrolment, key: str, now: datetime) -> Trends:
    words, span = WINDOWS[key]
    today = now.astimezone(UTC).date()
    window = [today - timedelta(days=back) for back in range(span - 1, -1, -1)]
    index_from = first_counted_day(enrolment)
    counted = _index_counts(enrolment.namespace, window, index_from)
    before = [day for day in window if index_from is None or day < index_from]
    quay: dict[date, tuple[int, int]] = {}
    asked: tuple[date, date] | None = None
    error = ""
    if before:
        asked = askable(before[0], before[-1])
        quay, error = quay_counts(enrolment, *asked, today)
    days = []
    for day in window:
        if index_from is not None and day >= index_from:
            successes, failed = counted.get(day, (0, 0))
            days.append(Day(day, successes, failed, INDEX))
        elif day in quay:
            days.append(Day(day, *quay[day], QUAY))
        elif not error and asked and asked[0] <= day:
            days.append(Day(day, 0, 0, QUAY))  # asked, and Quay counted nothing
        else:
            days.append(Day(day, None, None, UNKNOWN))
    start = datetime.combine(window[0], datetime.min.time(), UTC)
    mirrors, recoveries, not_recovered, failed_mirrors = _mirrors(enrolment, start, now)
    notes = _known(enrolment, start, now)
    if asked and asked[0] > window[0] and not error:
        notes.append(
            f"{window[0]} to {asked[0] - timedelta(days=1)} are not known: Quay counts at most "
            f"as many days at once as the month they begin in has."
        )
    return Trends(
        namespace=enrolment.namespace,
        window=key,
        words=words,
        days=days,
        index_from=index_from if index_from is not None and index_from <= today else None,
        quay_days=asked,
        quay_error=error,
        mirrors=mirrors,
        failed_mirrors=failed_mirrors,
        recoveries=recoveries,
        not_recovered=not_recovered,
        notes=notes,
        now=now,
    )


def _known(enrolment: Enrolment, start: datetime, now: datetime) -> list[str]:
    """What the page says of what the index does not know: failed runs before the watcher's
    log reached, an index broken or behind."""
    said = []
    known = enrolment.failures_from or enrolment.enrolled_at
    if known > start:
        said.append(
            f"The mirrors that failed most and their time to recover count the failed runs of "
            f"{enrolment.namespace} from {clock(known, now)} on: the watcher read Quay's log "
            "back to then."
        )
    note = watched.note(enrolment, now)  # broken, or behind its interval
    if note:
        said.append(note)
    return said


def first_counted_day(enrolment: Enrolment) -> date | None:
    """The first UTC day the index counted whole (``None``: it has not begun counting)."""
    since = enrolment.counts_from
    if since is None:
        return None
    since = since.astimezone(UTC)
    day = since.date()
    return day if since == datetime.combine(day, datetime.min.time(), UTC) else day + timedelta(1)


def _index_counts(
    namespace: str, window: list[date], index_from: date | None
) -> dict[date, tuple[int, int]]:
    """Successes and failed tries per day from the index (one query)."""
    if index_from is None or index_from > window[-1]:
        return {}
    start = datetime.combine(max(index_from, window[0]), datetime.min.time(), UTC)
    rows = (
        SyncEnd.objects.filter(namespace=namespace, at__gte=start)
        .annotate(day=TruncDate("at", tzinfo=UTC))
        .values("day", "ok")
        .annotate(n=Count("id"))
    )
    counted: dict[date, list[int]] = {}
    for row in rows:
        pair = counted.setdefault(row["day"], [0, 0])
        pair[0 if row["ok"] else 1] += row["n"]
    return {day: (pair[0], pair[1]) for day, pair in counted.items()}


def askable(first: date, last: date) -> tuple[date, date]:
    """The days to ask Quay for: ``first`` to ``last``, but no more days than ``first``'s month
    has (Quay files a count under its day of the month in the first day's month: a longer span
    would put two days under one, or fail). The earliest days are left out if need be."""
    while (last - first).days + 1 > calendar.monthrange(first.year, first.month)[1]:
        first += timedelta(days=1)
    return first, last


def quay_counts(
    enrolment: Enrolment, first: date, last: date, today: date
) -> tuple[dict[date, tuple[int, int]], str]:
    """Quay's successes and failures per day from ``first`` to ``last`` (its log counts, with
    the watcher's token; from the cache when asked lately), or why they are not known. Pages
    wanting them at the same moment wait for the one call on its way (a failure is not kept:
    the next look asks again)."""
    key = f"trends:quay-counts:{enrolment.namespace}:{first}:{last}"
    kept = cache.get(key)
    if not isinstance(kept, dict) and not cache.add(f"{key}:asking", 1, COUNTS_WAIT_SECONDS + 1):
        kept = _wait_for(key)
    if isinstance(kept, dict):
        return {date.fromisoformat(day): (s, f) for day, (s, f) in kept.items()}, ""
    try:
        counts, error = _ask(enrolment, first, last)
        if not error:
            kept = {day.isoformat(): pair for day, pair in counts.items()}
            cache.set(key, kept, TODAY_SECONDS if last >= today else PAST_SECONDS)
        return counts, error
    finally:
        cache.delete(f"{key}:asking")


def _wait_for(key: str) -> dict[str, Any] | None:
    """The answer another page is asking Quay for, once it is kept (``None``: it failed, or
    did not come in time)."""
    deadline = time.monotonic() + COUNTS_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        kept = cache.get(key)
        if isinstance(kept, dict):
            return kept
        if cache.get(f"{key}:asking") is None:
            return None
    return None


def _ask(enrolment: Enrolment, first: date, last: date) -> tuple[dict[date, tuple[int, int]], str]:
    """One call: Quay's log counts of ``first`` to ``last``, by day (read by its day of the
    month: ``askable``), or why not."""
    token = keys.unseal(enrolment.sealed_token)
    if token is None:
        return {}, "the watcher's keys no longer open its token (enrol the namespace again)"
    client = QuayClient(token, timeout=min(settings.QUAY_TIMEOUT, COUNTS_WAIT_SECONDS))
    client = client.until(time.monotonic() + COUNTS_WAIT_SECONDS)
    try:
        rows = client.namespace_log_counts(enrolment.namespace, first, last)
    except QuayError as error:
        return {}, _why(error, enrolment.namespace)
    by_day_of_month = {}
    day = first
    while day <= last:
        by_day_of_month[day.day] = day
        day += timedelta(days=1)
    counts: dict[date, tuple[int, int]] = {}
    for row in rows:
        found = by_day_of_month.get(row.day.day)
        if found is None:
            continue
        ok, failed = counts.get(found, (0, 0))
        if row.kind in SUCCESS_KINDS:
            ok += row.count
        elif row.kind in FAILURE_KINDS:
            failed += row.count
        counts[found] = (ok, failed)
    return counts, ""


def _why(error: QuayError, namespace: str) -> str:
    """Why Quay's counts are not known, in words true for the watcher's token."""
    if isinstance(error, QuayUnauthorized | QuayForbidden):
        return (
            f"Quay refused the watcher's token its log counts (it needs an administrator of "
            f"{namespace} and the org:admin scope)"
        )
    if isinstance(error, QuayTimeout):
        return "Quay did not answer in time when asked for its log counts"
    if isinstance(error, QuayUnreachable):
        return "Quay could not be reached to ask for its log counts"
    status = f" ({error.status})" if error.status else ""
    return f"Quay answered the request for its log counts with an error{status}: {error.message}"


def _mirrors(
    enrolment: Enrolment, start: datetime, now: datetime
) -> tuple[list[MirrorTrend], list[timedelta], int, int]:
    """The most-failing mirrors (failed runs in the window, most first), each with its time to
    recover; every outage's time to recover; how many failed mirrors have not recovered; how
    many mirrors failed."""
    window = failures.Window("trends", start, now, "")
    rows = failures.failed_rows([enrolment.namespace], window, now)
    runs = FailedRun.objects.filter(namespace=enrolment.namespace, at__gte=start, at__lt=now)
    outages: dict[tuple[int, datetime], datetime] = {}  # (mirror, recovered at) -> began
    for run in runs.only("mirror_id", "started_at", "recovered_at"):
        if run.recovered_at is None:
            continue
        began = outages.get((run.mirror_id, run.recovered_at))
        if began is None or run.started_at < began:
            outages[(run.mirror_id, run.recovered_at)] = run.started_at
    by_mirror: dict[tuple[str, str], list[timedelta]] = {}
    names = {
        mirror_id: (name, kind)
        for mirror_id, name, kind in runs.values_list("mirror_id", "mirror__name", "mirror__kind")
    }
    for (mirror_id, recovered), began in outages.items():
        by_mirror.setdefault(names[mirror_id], []).append(recovered - began)
    every = [took for took_all in by_mirror.values() for took in took_all]
    rows.sort(key=lambda row: (-row.runs, -row.last_at.timestamp(), row.label))
    top = [MirrorTrend(row, sorted(by_mirror.get((row.name, row.kind), []))) for row in rows[:TOP]]
    not_recovered = sum(row.recovered_at is None for row in rows)
    return top, sorted(every), not_recovered, len(rows)
