"""The failures view (``/failures/``): which mirrors failed in a window, and why -- from the
fleet index only, no call to Quay per row.

Rows: every mirror of the watched namespaces the person may see the settings of (repository
mirrors, organization mirrors' repositories, and organization mirrors' discoveries) with a
failed run (``FailedRun``: one per run, not per try) whose last try falls in the window;
each with when it failed last, how many runs failed in the window, Quay's whole reason and
cause (``rules.reasons``), and whether it recovered since. Grouped by cause and source host,
each group with what to do.

What the person sees is what Quay would show them (``overview.watched.served``): failures
(read from logs Quay shows only admins) in namespaces whose settings Quay shows them; in
those where they are a member and no admin, only the mirrors failing now (what mirror health
shows members, with no reason); nothing from the index where their rights are not known.
Unwatched namespaces are named: they have no failure history. While the failures of a
namespace in the page's scope are not known (its first indexing under way; its log not shown
to the person), the page says the totals are not known, never 0.

The only calls: who the person is and, for a possible superuser, the global mirror health
(``overview.scope.scope``: none when the person was seen lately and is known to be no
superuser); and, for a member shown a namespace's status only through a token not known to
keep the membership, one short mirror health call per such namespace on the page
(:func:`_health_refused`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode, urlsplit

from django.urls import reverse

from dashboard.mirrors.overview import watched
from dashboard.mirrors.overview.scope import scope
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.timefmt import clock
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import QuayForbidden, QuayUnauthorized
from dashboard.quay.fanout import fan_out
from dashboard.quay.models import QuayUser

from .models import Enrolment, FailedRun, Mirror
from .page import may_manage

#: The windows by name: their words and span (``dates``: from and to, whole UTC days).
WINDOWS: dict[str, tuple[str, timedelta]] = {
    "24h": ("the last 24 hours", timedelta(hours=24)),
    "7d": ("the last 7 days", timedelta(days=7)),
}
DATES = "dates"
#: The longest window asked by dates (the index keeps more, a page need not show a year).
MAX_DAYS = 92
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOUND = 255
#: CSV cells a spreadsheet would read as a formula begin with one of these (OWASP).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Window:
    key: str
    start: datetime
    end: datetime
    words: str
    since: str = ""
    until: str = ""


@dataclass(frozen=True)
class Query:
    """The page's filters, read from the URL (bounded, checked; a bad value is said and
    left out)."""

    window: Window
    namespace: str = ""
    cause: str = ""
    host: str = ""
    problems: tuple[str, ...] = ()

    def params(self, **changes: str) -> str:
        values = {
            "window": self.window.key,
            "from": self.window.since,
            "to": self.window.until,
            "namespace": self.namespace,
            "cause": self.cause,
            "host": self.host,
            **changes,
        }
        if values["window"] != DATES:
            values["from"] = values["to"] = ""
        return urlencode({k: v for k, v in values.items() if v and (k, v) != ("window", "24h")})


def _day(text: str, what: str, problems: list[str]) -> date | None:
    if not text:
        return None
    if not _DAY.match(text):
        problems.append(f"“{text[:40]}” is not a date for “{what}”: write it as YYYY-MM-DD.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{text} is not a day of the calendar (“{what}”).")
        return None


def read_query(query: Mapping[str, str], now: datetime) -> Query:
    """The filters of ``query`` (GET), each bounded; a window by dates is whole UTC days."""
    get = {key: str(query.get(key, "")).strip()[:_BOUND] for key in WINDOW_KEYS}
    problems: list[str] = []
    key = get["window"] or ("dates" if get["from"] or get["to"] else "24h")
    window: Window | None = None
    if key == DATES:
        window = _dates(get["from"], get["to"], now, problems)
    elif key not in WINDOWS:
        problems.append(f"“{key[:40]}” is no window this page knows: the last 24 hours shown.")
    if window is None:
        key = key if key in WINDOWS else "24h"
        words, span = WINDOWS[key]
        window = Window(key, now - span, now, words)
    cause = get["cause"]
    if cause and cause not in reasons.GROUP_LABELS:
        problems.append(f"“{cause[:40]}” is no cause Quay names: every cause shown.")
        cause = ""
    return Query(window, get["namespace"], cause, get["host"], tuple(problems))


WINDOW_KEYS = ("window", "from", "to", "namespace", "cause", "host")


def _dates(since: str, until: str, now: datetime, problems: list[str]) -> Window | None:
    first = _day(since, "from", problems)
    last = _day(until, "to", problems)
    if problems:
        return None
    today = now.astimezone(UTC).date()
    last = last or today
    first = first or last
    if first > last:
        problems.append(f"The window begins ({first}) after it ends ({last}).")
    elif first > today:
        problems.append(f"{first} has not come yet: no failure can be known then.")
    elif (last - first).days + 1 > MAX_DAYS:
        problems.append(f"A window of at most {MAX_DAYS} days, please ({first} to {last}).")
    if problems:
        problems[-1] += " The last 24 hours shown."
        return None
    start = datetime.combine(first, time(), UTC)
    end = min(datetime.combine(last + timedelta(days=1), time(), UTC), now)
    words = f"{first}" if first == last else f"{first} to {last}"
    return Window(DATES, start, end, f"{words} (UTC)", first.isoformat(), last.isoformat())


@dataclass
class FailureRow:
    """One mirror that failed in the window."""

    namespace: str
    name: str
    kind: str
    url: str
    settings_url: str
    source: str
    host: str
    last_at: datetime
    runs: int
    tries: int
    reason: str
    cause: str
    group: str
    recovered_at: datetime | None
    cancelled_at: datetime | None
    still_failing: bool

    @property
    def label(self) -> str:
        if self.kind == Mirror.Kind.ORGANIZATION:
            return f"{self.namespace} (organization mirror)"
        return f"{self.namespace}/{self.name}"

    @property
    def what(self) -> str:
        if self.kind == Mirror.Kind.ORGANIZATION:
            return "discovery of the organization mirror"
        if self.kind == Mirror.Kind.ORG_REPOSITORY:
            return "repository of an organization mirror"
        return "repository mirror"

    @property
    def cause_label(self) -> str:
        return reasons.GROUP_LABELS.get(self.group, self.group)

    @property
    def state(self) -> str:
        if self.recovered_at is not None:
            return "recovered"
        if self.cancelled_at is not None:
            return "cancelled"
        return "still failing" if self.still_failing else "not recovered"


@dataclass
class Group:
    group: str
    host: str
    rows: list[FailureRow] = field(default_factory=list)
    #: What "Sync now" of the group presses (``mirrors:bulk``): the repository mirrors and the
    #: organization mirrors not recovered that the person may change.
    press_repos: list[str] = field(default_factory=list)
    press_orgs: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return reasons.GROUP_LABELS.get(self.group, self.group)

    @property
    def remedy(self) -> str:
        return reasons.REMEDIES.get(self.group, reasons.REMEDIES["unknown_error"])

    @property
    def since(self) -> datetime:
        return min(row.last_at for row in self.rows)

    @property
    def dom_id(self) -> str:
        return "group-" + re.sub(r"[^a-z0-9]+", "-", f"{self.group}-{self.host}".lower())


@dataclass
class Failures:
    query: Query
    rows: list[FailureRow]
    groups: list[Group]
    #: Namespaces whose failures are shown, whose status only, not shown (why), not watched.
    namespaces: list[str]
    status_only: dict[str, list[str]]
    not_shown: dict[str, str]
    unwatched: list[str]
    #: What the page says of what the index does not know (before watching, behind).
    notes: list[str]
    hosts: list[str]
    now: datetime
    #: ``GET /user/``'s answer when it was asked (the session keeps it: ``Person.known``).
    seen_user: QuayUser | None = None
    #: The watched namespaces whose alert rules the person may set (their administrators).
    alertable: list[str] = field(default_factory=list)
    #: The watched namespaces whose failures are shown: each has a trends page.
    trendable: list[str] = field(default_factory=list)
    #: The namespaces of the page's scope (all, or the one filtered) whose failures are
    #: counted, and those whose failures are not known to the person, with why (a key of
    #: :data:`UNKNOWN_WHY`): while one is not known, no total is.
    counted: list[str] = field(default_factory=list)
    unknown: dict[str, str] = field(default_factory=dict)

    @property
    def recovered(self) -> int:
        return sum(row.recovered_at is not None for row in self.rows)

    @property
    def failing(self) -> int:
        return len(self.rows) - self.recovered

    @property
    def unknown_words(self) -> str:
        """How the totals are not known: yet (first indexing), to this person, or both."""
        whys = set(self.unknown.values())
        if whys == {INDEXING}:
            return "not known yet"
        if whys <= {STATUS, RIGHTS, NO_STATUS}:
            return "not known to you"
        return "not known"

    @property
    def unknown_groups(self) -> list[tuple[list[str], str]]:
        """The namespaces not known, gathered by why: ``([namespace, …], why)``."""
        by_why: dict[str, list[str]] = {}
        for namespace, why in sorted(self.unknown.items()):
            by_why.setdefault(why, []).append(namespace)
        return [(names, UNKNOWN_WHY[why]) for why, names in by_why.items()]


#: Why a namespace's failures are not known to the person (the summary's words).
INDEXING, STATUS, RIGHTS, BEFORE = "indexing", "status", "rights", "before"
#: A status-only namespace whose status Quay does not show the token either.
NO_STATUS = "no-status"
UNKNOWN_WHY = {
    BEFORE: "the watcher knows their failures only from after this window",
    INDEXING: "the watcher's first indexing is under way",
    STATUS: (
        "Quay shows the log where failures are read from only to administrators; "
        "the mirrors failing now are under Status only"
    ),
    RIGHTS: (
        "Quay has not said whether you are an administrator there (its log is shown only to them)"
    ),
    NO_STATUS: "Quay shows the log where failures are read from only to administrators",
}


def host_of(source: str) -> str:
    """The registry host of a source: ``quay.io/coreos/etcd`` → ``quay.io``,
    ``https://harbor.example.com/platform`` → ``harbor.example.com``."""
    source = source.strip()
    if "://" in source:
        return urlsplit(source).netloc or source
    return source.split("/", 1)[0]


def build(client: QuayClient, person: Person, query: Mapping[str, str], now: datetime) -> Failures:
    """The page for ``person`` (raises the :class:`QuayError` of ``GET /user/``)."""
    asked = read_query(query, now)
    where = scope(client, person=person, now=now)
    served = watched.served(person, where.wanted)
    full = sorted(ns for ns, (_, shown) in served.items() if shown)
    status_ns = sorted(ns for ns, (_, shown) in served.items() if not shown)
    enrolled = {e.namespace: e for e in Enrolment.objects.filter(namespace__in=list(where.wanted))}
    not_shown: dict[str, str] = {}
    unknown: dict[str, str] = {ns: STATUS for ns in status_ns}
    unwatched: list[str] = []
    for namespace in where.wanted:
        if namespace in served:
            continue
        enrolment = enrolled.get(namespace)
        if enrolment is None:
            unwatched.append(namespace)
        elif enrolment.indexed_at is None:
            not_shown[namespace] = "its first indexing is under way"
            unknown[namespace] = INDEXING
        else:
            unknown[namespace] = RIGHTS
            not_shown[namespace] = (
                "Quay has not said whether you administer it (its failures are read from logs "
                "Quay shows only its administrators)"
            )
    problems = list(asked.problems)
    if asked.namespace and asked.namespace not in served:
        problems.append(f"{asked.namespace[:60]} is not a watched namespace you may see.")
        asked = Query(asked.window, "", asked.cause, asked.host, tuple(problems))
    chosen = [asked.namespace] if asked.namespace else full
    shown_full = [ns for ns in chosen if ns in full]
    rows = failed_rows(shown_full, asked.window, now)
    hosts = sorted({row.host for row in rows if row.host})
    rows = [
        row
        for row in rows
        if (not asked.cause or row.group == asked.cause)
        and (not asked.host or row.host == asked.host)
    ]
    on_page = [ns for ns in status_ns if not asked.namespace or ns == asked.namespace]
    refused = _health_refused(client, person, on_page)
    not_shown.update(refused)
    unknown.update(dict.fromkeys(refused, NO_STATUS))
    status_only = {ns: _failing_now(ns) for ns in on_page if ns not in refused}
    for namespace in shown_full:
        if _known_from(served[namespace][0]) >= asked.window.end:
            unknown[namespace] = BEFORE
    shown_full = [ns for ns in shown_full if ns not in unknown]
    notes = [note for ns in shown_full for note in _known(served[ns][0], asked.window, now)]
    if asked.namespace:
        unknown = {ns: why for ns, why in unknown.items() if ns == asked.namespace}
    return Failures(
        query=Query(asked.window, asked.namespace, asked.cause, asked.host, tuple(problems)),
        rows=rows,
        groups=_groups(rows, person),
        namespaces=sorted(served),
        status_only=status_only,
        not_shown=not_shown,
        unwatched=sorted(unwatched),
        notes=notes,
        hosts=hosts,
        now=now,
        seen_user=where.user,
        alertable=[ns for ns in sorted(served) if may_manage(person, ns)],
        trendable=full,
        counted=shown_full,
        unknown=unknown,
    )


def failed_rows(namespaces: list[str], window: Window, now: datetime) -> list[FailureRow]:
    """One row per mirror with a failed run in ``window`` (one query for the runs, one for
    the organization mirrors' sources)."""
    if not namespaces:
        return []
    runs = (
        FailedRun.objects.filter(namespace__in=namespaces, at__gte=window.start, at__lt=window.end)
        .select_related("mirror")
        .order_by("at", "id")
    )
    org_sources = {
        m.namespace: m.source
        for m in Mirror.objects.filter(namespace__in=namespaces, kind=Mirror.Kind.ORGANIZATION)
    }
    by_mirror: dict[int, list[FailedRun]] = {}
    for run in runs:
        by_mirror.setdefault(run.mirror_id, []).append(run)
    rows = [_row(found, org_sources) for found in by_mirror.values()]
    return sorted(rows, key=lambda row: (-row.last_at.timestamp(), row.label))


def _row(found: list[FailedRun], org_sources: Mapping[str, str]) -> FailureRow:
    last = found[-1]
    mirror = last.mirror
    if mirror.kind == Mirror.Kind.REPOSITORY:
        source = mirror.source
        url = reverse("mirrors:repo", args=[mirror.namespace, mirror.name])
        settings_url = url + "#settings"
    else:
        source = org_sources.get(mirror.namespace, "")
        org_url = reverse("mirrors:org-mirror", args=[mirror.namespace])
        url = org_url
        if mirror.kind == Mirror.Kind.ORG_REPOSITORY:
            url = reverse("mirrors:repo", args=[mirror.namespace, mirror.name])
        settings_url = org_url + "#settings"
    recovered = last.recovered_at
    result = mirror.last_result or {}
    if recovered is None and result.get("key") == "success":  # the log's success missed
        when = parse_quay_datetime(result.get("when"))
        if when is not None and when > last.at:
            recovered = when
    return FailureRow(
        namespace=mirror.namespace,
        name=mirror.name,
        kind=mirror.kind,
        url=url,
        settings_url=settings_url,
        source=source,
        host=host_of(source) if source else "",
        last_at=last.at,
        runs=len(found),
        tries=sum(run.tries for run in found),
        reason=last.reason,
        cause=last.cause,
        group=reasons.group_of(last.cause, last.partial),
        recovered_at=recovered,
        cancelled_at=last.cancelled_at if recovered is None else None,
        still_failing=recovered is None and mirror.sync_status == "FAIL",
    )


def _groups(rows: Iterable[FailureRow], person: Person) -> list[Group]:
    groups: dict[tuple[str, str], Group] = {}
    for row in rows:
        key = (row.group, row.host)
        group = groups.setdefault(key, Group(*key))
        group.rows.append(row)
        if row.recovered_at is not None:
            continue
        if row.kind == Mirror.Kind.REPOSITORY and person.may_change(row.namespace):
            group.press_repos.append(f"{row.namespace}/{row.name}")
        elif (
            row.kind != Mirror.Kind.REPOSITORY
            and person.may_change_org(row.namespace)
            and row.namespace not in group.press_orgs
        ):
            group.press_orgs.append(row.namespace)
    return sorted(groups.values(), key=lambda g: (-len(g.rows), g.label, g.host))


def _health_refused(client: QuayClient, person: Person, namespaces: list[str]) -> dict[str, str]:
    """The status-only namespaces whose mirror health Quay does not show this token, with why
    ("Not shown"): the mirrors failing now are named from the index only where Quay would
    name them to the person. Quay shows a member the health only through a token that keeps
    the membership (``org:admin`` or ``repo:create``): where that is not known
    (``watched.shares_health``), one short call each asks it (``detailed=false``)."""
    asked = [ns for ns in namespaces if ns not in watched.shares_health(person, namespaces)]
    why: dict[str, str] = {}
    for outcome in fan_out(lambda ns: client.get_mirror_health(ns, detailed=False), asked):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
        if isinstance(outcome.error, QuayForbidden):
            why[outcome.item] = (
                "Quay does not show this sign-in its mirrors' status either (a member's token "
                "needs org:admin or repo:create for it), so none is named here"
            )
        elif outcome.error is not None:
            why[outcome.item] = (
                "Quay could not be asked whether it shows you its mirrors' status "
                f"({outcome.error.message}), so none is named here"
            )
    return why


def _failing_now(namespace: str) -> list[str]:
    """What mirror health shows a member: the enabled repository mirrors failing now."""
    return list(
        Mirror.objects.filter(
            namespace=namespace,
            kind=Mirror.Kind.REPOSITORY,
            present=True,
            is_enabled=True,
            sync_status="FAIL",
        ).values_list("name", flat=True)
    )


def _known_from(enrolment: Enrolment) -> datetime:
    """Since when the index knows the namespace's failures."""
    return enrolment.failures_from or enrolment.enrolled_at


def _known(enrolment: Enrolment, window: Window, now: datetime) -> list[str]:
    """What the index does not know of ``window`` for this namespace."""
    said = []
    known = _known_from(enrolment)
    if enrolment.failures_from is None:
        why = "watching began then"
    else:
        why = "watching began later, and Quay's log was read back to then"
    if known > window.start:
        said.append(
            f"Failures of {enrolment.namespace} before {clock(known, now)} are not known: {why}."
        )
    note = watched.note(enrolment, now)  # broken, or behind its interval
    if note:
        said.append(note)
    return said


# -- CSV ----------------------------------------------------------------------------------

CSV_HEADER = (
    "namespace",
    "mirror",
    "kind",
    "cause",
    "cause_label",
    "source_host",
    "source",
    "last_failed_utc",
    "failed_runs",
    "failed_tries",
    "state",
    "recovered_utc",
    "cancelled_utc",
    "reason",
)


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one beginning like a formula gets a ``'``."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def to_csv(failures: Failures) -> str:
    """The page's rows (same filters) as CSV, every cell safe for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in failures.rows:
        cells = (
            row.namespace,
            row.name,
            row.what,
            row.group,
            row.cause_label,
            row.host,
            row.source,
            _utc(row.last_at),
            row.runs,
            row.tries,
            row.state,
            _utc(row.recovered_at),
            _utc(row.cancelled_at),
            row.reason,
        )
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def causes() -> list[tuple[str, str]]:
    """The causes a person may filter by: Quay's, and partial sync."""
    return sorted(reasons.GROUP_LABELS.items(), key=lambda item: item[1])


def csv_name(failures: Failures, now: datetime) -> str:
    """The file's name; where some namespaces' failures are not known, it names those it
    holds (``mirror-failures-of-acme-…``), so that it does not pass for the whole."""
    of = f"of-{'-'.join(failures.counted)[:80]}-" if failures.unknown else ""
    return f"mirror-failures-{of}{now.astimezone(UTC):%Y%m%d-%H%M}.csv"


def no_file(failures: Failures) -> str:
    """Why no CSV is made ("": one is): nothing on the page is known, and an empty file
    would read as "no mirror failed"."""
    if not failures.unknown or failures.counted:
        return ""
    whys = "; ".join(f"{', '.join(names)}: {why}" for names, why in failures.unknown_groups)
    return (
        f"Mirrors failed in {failures.query.window.words}: {failures.unknown_words} ({whys}). "
        "No file was made: an empty one would read as no mirror failed."
    )
