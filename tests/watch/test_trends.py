"""A watched namespace's trends (/watch/{ns}/trends/) over the emulator: successes and failures
per day equal to the runs in Quay's log -- the days before the watcher counted from Quay's own
log counts (``aggregatelogs``: one call a namespace and window, none when drawn again), the
days after from the index --, the most-failing mirrors with their time to recover, Quay
failing on its counts said truly while the index's days still show, and no number for a
person Quay shows no failure history to."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dashboard.mirrors import clock
from dashboard.quay.dates import parse_rfc2822
from dashboard.watch import trends
from dashboard.watch.models import Enrolment, SyncEnd
from dashboard.watch.poll import poll

from .conftest import calls

pytestmark = pytest.mark.django_db

DAY = re.compile(
    r'<tr data-day="([\d-]+)" data-source="(\w+)" data-successes="(\d*)" data-failures="(\d*)">'
)
MIRROR = re.compile(
    r'<tr data-mirror="([^"]+)" data-runs="(\d+)" data-state="([^"]+)">([\s\S]*?)</tr>'
)
AGGREGATE = "GET organization/acme/aggregatelogs"


def days(html: str) -> dict[str, tuple[str, int | None, int | None]]:
    """day -> (source, successes, failures) as the page's table says."""
    return {
        day: (source, int(ok) if ok else None, int(failed) if failed else None)
        for day, source, ok, failed in DAY.findall(html)
    }


def mirrors(html: str) -> dict[str, tuple[int, str, str]]:
    return {name: (int(runs), state, body) for name, runs, state, body in MIRROR.findall(html)}


def log_entries(
    emulator: Any, namespace: str = "acme", user: str = "alice"
) -> list[dict[str, Any]]:
    """Every entry of the namespace's log in Quay, as its admin reads it (all pages, a month)."""
    start = (datetime.now(UTC) - timedelta(days=31)).strftime("%m/%d/%Y")
    end = (datetime.now(UTC) + timedelta(days=3)).strftime("%m/%d/%Y")
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"starttime": start, "endtime": end}
    for _ in range(200):
        path = f"organization/{namespace}/logs"
        body = emulator.api("GET", path, user=user, params=params).json()
        found += body["logs"]
        if not body.get("next_page") or not body["logs"]:
            return found
        params["next_page"] = body["next_page"]
    raise AssertionError("the log did not end")


def expected(
    emulator: Any, *, quay: bool, namespace: str = "acme", user: str = "alice"
) -> dict[str, tuple[int, int]]:
    """Successes and failures per day from Quay's log: as Quay counts them (``quay``: every
    ``*_sync_failed`` entry) or as the watcher does (a Cancel and a pre-empted job left out, up
    to the newest entry its last poll read: Quay's worker goes on meanwhile)."""
    counted: Counter[tuple[str, bool]] = Counter()
    seen = Enrolment.objects.get(namespace=namespace).log_seen_at
    # A run that ended after the namespace's log was read, while the same poll read that
    # mirror's own log (Quay's worker goes on in real time): the watcher knows it too.
    later = {
        (end.mirror.name, end.at)
        for end in SyncEnd.objects.filter(namespace=namespace, at__gt=seen or clock.now())
    }
    for entry in log_entries(emulator, namespace, user):
        kind, meta = entry["kind"], entry.get("metadata") or {}
        when = parse_rfc2822(entry["datetime"])
        assert when is not None
        if not quay and seen is not None and when > seen and (meta.get("repo"), when) not in later:
            continue  # after the watcher's last poll
        day = when.date().isoformat()
        if kind in ("repo_mirror_sync_success", "org_mirror_sync_success"):
            counted[(day, True)] += 1
        elif kind in ("repo_mirror_sync_failed", "org_mirror_sync_failed"):
            message = str(meta.get("message") or "")
            # A Cancel, or a pre-empted job ("'…' job lost"); Quay's worker logs a run whose tag
            # copies failed with the verb "lost" too (its finally): that one is a failure.
            preempted = meta.get("verb") == "lost" and message.endswith("job lost")
            cancelled = message.startswith("Sync cancelled") or meta.get("verb") == "Cancelled"
            not_a_failure = cancelled or preempted
            if quay or not not_a_failure:
                counted[(day, False)] += 1
    every = {day for day, _ in counted}
    return {day: (counted[(day, True)], counted[(day, False)]) for day in every}


@pytest.fixture
def watched(emulator, enrolled):
    enrolled("acme", "globex")
    poll("acme")
    poll("globex")
    return emulator


@pytest.fixture
def a_day_later(watched, monkeypatch):
    """acme watched since now, but counting only from now (as for a namespace watched before
    counting began): the seed's days are Quay's; then a day passes in Quay (its worker runs,
    fails and retries), polled as it goes, and the dashboard's clock follows."""
    started = clock.now()
    Enrolment.objects.filter(namespace="acme").update(counts_from=started)
    offset = timedelta()
    for _ in range(24):
        watched.advance(3600)
        offset += timedelta(hours=1)
        poll("acme", started + offset)
    later = started + offset
    monkeypatch.setattr(clock, "now", lambda: later)
    return later


def test_each_day_is_the_runs_quay_logged_from_both_sources(client_as, watched, a_day_later):
    today = a_day_later.astimezone(UTC).date()
    client = client_as("alice")
    watched.control("DELETE", "requests")
    html = client.get("/watch/acme/trends/").content.decode()
    # One call to Quay: its counts of the days before the watcher counted.
    assert calls(watched) == [AGGREGATE]
    shown = days(html)
    assert len(shown) == 7
    assert sorted(shown) == [(today - timedelta(days=n)).isoformat() for n in range(6, -1, -1)]
    counted_from = trends.first_counted_day(Enrolment.objects.get(namespace="acme"))
    assert counted_from is not None and counted_from <= today
    as_quay, as_watcher = expected(watched, quay=True), expected(watched, quay=False)
    for day, (source, ok, failed) in shown.items():
        if date.fromisoformat(day) >= counted_from:
            assert source == "index", day
            assert (ok, failed) == as_watcher.get(day, (0, 0)), day
        else:
            assert source == "quay", day
            assert (ok, failed) == as_quay.get(day, (0, 0)), day
    assert {source for source, _, _ in shown.values()} == {"index", "quay"}
    assert sum(ok or 0 for _, ok, _ in shown.values()) > 0  # the seed's runs are counted
    assert sum(failed or 0 for _, _, failed in shown.values()) > 0
    assert "Quay's own log counts" in html and "counted by the watcher" in html
    # None at all when drawn again: days gone by are kept.
    watched.control("DELETE", "requests")
    again = client.get("/watch/acme/trends/").content.decode()
    assert calls(watched) == []
    assert days(again) == shown


def test_each_window_costs_one_call_then_none(client_as, watched):
    client = client_as("alice")
    Enrolment.objects.filter(namespace="acme").update(counts_from=clock.now())
    watched.control("DELETE", "requests")
    week = days(client.get("/watch/acme/trends/?window=7d").content.decode())
    month_html = client.get("/watch/acme/trends/?window=30d").content.decode()
    month = days(month_html)
    # The failed runs are known from where the watcher read the log back (a week): said.
    assert "count the failed runs of acme from" in month_html
    assert (len(week), len(month)) == (7, 30)
    assert calls(watched) == [AGGREGATE, AGGREGATE]  # one a window
    asked = [r["query"] for r in watched.requests_log() if r["path"].endswith("aggregatelogs")]
    today = clock.now().astimezone(UTC).date()
    assert [(q["starttime"], q["endtime"]) for q in asked] == [
        ((today - timedelta(days=back)).strftime("%m/%d/%Y"), today.strftime("%m/%d/%Y"))
        for back in (6, 29)
    ]
    watched.control("DELETE", "requests")
    client.get("/watch/acme/trends/?window=7d")
    client.get("/watch/acme/trends/?window=30d")
    assert calls(watched) == []
    # The days the two windows share say the same.
    assert all(month[day] == numbers for day, numbers in week.items())


def test_days_the_watcher_counted_whole_cost_quay_nothing(client_as, watched):
    """Watching began with the log read back a week: every day of the week is the index's."""
    client = client_as("alice")
    watched.control("DELETE", "requests")
    html = client.get("/watch/acme/trends/").content.decode()
    assert calls(watched) == []
    assert {source for source, _, _ in days(html).values()} == {"index"}
    assert "Every day is counted by the watcher" in html


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ({"fail": {"/api/v1/organization/acme/aggregatelogs": 503}}, "with an error (503)"),
        (
            {"fail": {"/api/v1/organization/acme/aggregatelogs": 403}},
            "refused the watcher&#x27;s token",
        ),
        ({"hang": ["/api/v1/organization/acme/aggregatelogs"]}, "did not answer in time"),
    ],
)
def test_quay_failing_on_its_counts_leaves_the_watchers_days_and_says_why(
    client_as, watched, a_day_later, monkeypatch, fault, said
):
    monkeypatch.setattr(trends, "COUNTS_WAIT_SECONDS", 1.0)
    client = client_as("alice")
    watched.configure(**fault)
    response = client.get("/watch/acme/trends/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = days(html)
    today = a_day_later.astimezone(UTC).date().isoformat()
    assert shown[today][0] == "index"
    assert shown[today] == ("index", *expected(watched, quay=False).get(today, (0, 0)))
    assert {source for day, (source, _, _) in shown.items() if day != today} == {"unknown"}
    note = re.search(r"<p [^>]*data-quay-error>([\s\S]*?)</p>", html)
    assert note is not None and said in note.group(1)
    assert f"Days before {today} are not known" in note.group(1)
    assert "not known" in html
    # A failure is not kept: the next look asks again, and draws Quay's days once it answers.
    watched.configure(fail={}, hang=[])
    for _ in range(50):  # a request held by "hang" is logged once released: not counted anew
        if AGGREGATE in calls(watched):
            break
        time.sleep(0.1)
    watched.control("DELETE", "requests")
    shown = days(client.get("/watch/acme/trends/").content.decode())
    assert calls(watched) == [AGGREGATE]
    assert {source for day, (source, _, _) in shown.items() if day != today} == {"quay"}


@pytest.mark.parametrize(("user", "namespace"), [("carol", "acme"), ("bob", "globex")])
def test_a_person_quay_shows_no_failure_history_gets_no_number(client_as, watched, user, namespace):
    """carol reads acme's repositories and bob is a member of globex: no admins, so Quay shows
    them no log, and the page shows them no count (nor asks Quay one)."""
    Enrolment.objects.filter(namespace=namespace).update(counts_from=clock.now())
    client = client_as(user)
    watched.control("DELETE", "requests")
    response = client.get(f"/watch/{namespace}/trends/")
    assert response.status_code == 403
    html = response.content.decode()
    assert calls(watched) == []
    assert days(html) == {} and mirrors(html) == {}
    assert "trends-data" not in html and "<canvas" not in html
    assert "administrators only" in html


def test_an_unwatched_namespace_has_no_trends(client_as, watched):
    response = client_as("alice").get("/watch/initech/trends/")
    assert response.status_code == 404
    assert "not watched" in response.content.decode()


def test_the_most_failing_mirrors_with_their_time_to_recover(client_as, watched):
    from dashboard.mirrors.rules.timefmt import seconds_in_words
    from dashboard.watch.models import FailedRun

    html = client_as("alice").get("/watch/acme/trends/").content.decode()
    found = mirrors(html)
    assert set(found) == {"acme/debian", "acme/flaky", "acme/etcd", "acme/postgres"}
    assert next(iter(found)) == "acme/flaky"  # failed most: two runs
    runs, state, body = found["acme/flaky"]
    assert (runs, state) == (2, "recovered")
    took = sorted(
        run.recovered_at - run.started_at
        for run in FailedRun.objects.filter(namespace="acme", name="flaky")
    )
    assert len(took) == 2
    longest = seconds_in_words(int(took[-1].total_seconds()))
    assert f"longest {longest}" in body and "2 outages ended" in body
    assert 'href="/repo/acme/flaky/"' in body and "i/o timeout" in body
    assert found["acme/postgres"][:2] == (1, "still failing")
    assert "Not recovered" in found["acme/postgres"][2]
    assert "requested access to the resource is denied" in found["acme/postgres"][2]
    assert "Not recovered" in found["acme/debian"][2] and "cancelled" in found["acme/debian"][2]
    assert "4 mirrors failed · 3 not recovered" in html


def test_the_chart_gets_the_tables_numbers_as_json(client_as, watched):
    import json

    html = client_as("alice").get("/watch/acme/trends/").content.decode()
    data = json.loads(
        re.search(r'<script id="trends-data" type="application/json">(.*?)</script>', html).group(1)
    )
    shown = days(html)
    assert data["days"] == list(shown)
    assert data["successes"] == [ok for _, ok, _ in shown.values()]
    assert data["failures"] == [failed for _, _, failed in shown.values()]
    assert '<canvas id="trends-chart"' in html and 'aria-hidden="true"' in html
    assert "<script>" not in html  # no inline script: the page's CSP allows none
    assert "/static/vendor/chartjs/chart.umd.min.js" in html


def test_the_failures_view_and_the_watching_page_link_to_the_trends(client_as, watched):
    client = client_as("alice")
    assert 'href="/watch/acme/trends/"' in client.get("/failures/").content.decode()
    assert 'href="/watch/acme/trends/"' in client.get("/watch/").content.decode()
    assert 'href="/watch/acme/trends/"' in client.get("/watch/acme/alerts/").content.decode()


@pytest.mark.parametrize(
    ("first", "last", "asked"),
    [
        (date(2026, 11, 8), date(2026, 12, 7), date(2026, 11, 8)),  # 30 days, November's 30
        (date(2026, 10, 9), date(2026, 11, 7), date(2026, 10, 9)),  # October has 31
        (date(2026, 2, 6), date(2026, 3, 7), date(2026, 2, 8)),  # February has 28: 2 days off
    ],
)
def test_quay_is_asked_no_more_days_than_the_first_days_month_has(first, last, asked):
    """Quay files a count under its day of the month in the first day's month: a longer span
    would put two days under one (or fail with a 500 on the 29th to 31st)."""
    assert trends.askable(first, last) == (asked, last)


@pytest.mark.parametrize("namespace", ["orgfail", "orgmirror"])
def test_an_organization_mirrors_days_count_its_discoveries_and_repositories(
    client_as, emulator, enrolled, namespace
):
    """An organization mirror's discovery and each of its repositories' syncs are counted as
    Quay logs them (``org_mirror_sync_*``), the same page for both kinds of mirror."""
    enrolled(namespace)
    for step in range(2):  # the first poll reads the organization mirror
        poll(namespace, clock.now() + timedelta(seconds=61 * step))
    html = client_as("olivia").get(f"/watch/{namespace}/trends/").content.decode()
    shown = days(html)
    as_watcher = expected(emulator, quay=False, namespace=namespace, user="olivia")
    assert {source for source, _, _ in shown.values()} == {"index"}
    assert {day: (ok, failed) for day, (_, ok, failed) in shown.items()} == {
        day: as_watcher.get(day, (0, 0)) for day in shown
    }
    assert sum(ok + failed for _, ok, failed in shown.values()) > 0


def test_syncs_that_ended_before_any_window_are_forgotten(watched):
    from dashboard.watch.models import Mirror, SyncEnd

    mirror = Mirror.objects.get(namespace="acme", name="nginx", kind=Mirror.Kind.REPOSITORY)
    now = clock.now()
    old = SyncEnd.objects.create(
        mirror=mirror, namespace="acme", at=now - timedelta(days=33), ok=True
    )
    kept = SyncEnd.objects.create(
        mirror=mirror, namespace="acme", at=now - timedelta(days=31), ok=True
    )
    poll("acme", now + timedelta(seconds=61))
    assert not SyncEnd.objects.filter(pk=old.pk).exists()
    assert SyncEnd.objects.filter(pk=kept.pk).exists()


def test_pages_asking_at_once_share_one_call(watched):
    """Two pages wanting Quay's counts at the same moment: one call, the other waits for it."""
    from concurrent.futures import ThreadPoolExecutor

    enrolment = Enrolment.objects.get(namespace="acme")
    today = clock.now().astimezone(UTC).date()
    first = today - timedelta(days=6)
    watched.configure(latency_ms=300)
    watched.control("DELETE", "requests")
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda _: trends.quay_counts(enrolment, first, today, today), range(2))
        )
    assert calls(watched) == [AGGREGATE]
    assert answers[0] == answers[1] and answers[0][1] == ""
    assert sum(ok for ok, _ in answers[0][0].values()) > 0


def test_quay_failing_before_the_watcher_counted_a_whole_day_says_no_day_is_known(
    client_as, watched
):
    Enrolment.objects.filter(namespace="acme").update(counts_from=clock.now())
    client = client_as("alice")
    watched.configure(fail={"/api/v1/organization/acme/aggregatelogs": 502})
    html = client.get("/watch/acme/trends/").content.decode()
    assert {source for source, _, _ in days(html).values()} == {"unknown"}
    note = re.search(r"<p [^>]*data-quay-error>([\s\S]*?)</p>", html)
    assert note is not None
    assert "No day of this window is known" in note.group(1) and "(502)" in note.group(1)
    assert "Days before" not in note.group(1)
    assert "7 of them not known" in html
