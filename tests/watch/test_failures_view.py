"""The failures view (/failures/) over the emulator: the team lead's question answered for the
seed (which mirrors failed in the last day, and why), one row a mirror with its failed runs
counted once each, grouped by cause and source host with what to do, filters in the URL, the
same rows as CSV, bad input said, each person shown what Quay would show them -- at no call
to Quay per row."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs

import pytest

from dashboard.mirrors import clock
from dashboard.watch.models import Enrolment, FailedRun
from dashboard.watch.poll import poll

from .conftest import calls

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'<tr data-mirror="([^"]+)" data-state="([^"]+)" data-runs="(\d+)">([\s\S]*?)</tr>'
)
GROUP = re.compile(
    r'<section class="failure-group"[^>]*data-cause="([^"]*)" data-host="([^"]*)">'
    r"([\s\S]*?)</section>"
)


def rows(html: str) -> dict[str, tuple[str, int, str]]:
    """mirror -> (state, failed runs, the row's HTML)."""
    return {name: (state, int(runs), body) for name, state, runs, body in ROW.findall(html)}


def summary(html: str) -> str:
    """The summary line above the groups, its words only."""
    found = re.search(r'<p class="failure-summary" id="failure-summary">([\s\S]*?)</p>', html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def groups(html: str) -> dict[tuple[str, str], str]:
    return {(cause, host): body for cause, host, body in GROUP.findall(html)}


@pytest.fixture
def watched(emulator, enrolled):
    enrolled("acme", "globex")
    poll("acme")
    poll("globex")
    return emulator


def test_the_team_leads_question_is_answered_for_the_seed_at_no_call(client_as, watched):
    client = client_as("alice")
    watched.control("DELETE", "requests")
    response = client.get("/failures/")
    assert response.status_code == 200
    html = response.content.decode()
    assert calls(watched) == []  # from the index: who alice is was read at sign-in
    found = rows(html)
    assert set(found) == {
        "acme/debian",
        "acme/flaky",
        "acme/etcd",
        "acme/postgres",
        "globex/traefik",
    }
    # Full reasons, not cut, not in a tooltip.
    assert "certificate signed by unknown authority" in found["acme/etcd"][2]
    assert "requested access to the resource is denied" in found["acme/postgres"][2]
    assert "requested access to the resource is denied" in found["globex/traefik"][2]
    assert "connect: connection refused" in found["acme/debian"][2]
    assert "i/o timeout" in found["acme/flaky"][2]
    assert "title=" not in found["acme/etcd"][2].split('class="reason"')[1]
    # One failure per run: postgres failed on each of its 3 tries, once; flaky twice.
    assert found["acme/postgres"][:2] == ("still failing", 1)
    assert "(3 tries)" in found["acme/postgres"][2]
    assert found["acme/flaky"][:2] == ("recovered", 2)
    assert "Recovered" in found["acme/flaky"][2]
    # debian failed, then its retry was cancelled: the Cancel is said, not counted.
    assert found["acme/debian"][:2] == ("cancelled", 1)
    assert "5 mirrors failed" in html
    # Each row links to its mirror's page.
    assert 'href="/repo/acme/etcd/"' in found["acme/etcd"][2]


def test_the_failures_are_grouped_by_cause_and_source_host_with_what_to_do(client_as, watched):
    html = client_as("alice").get("/failures/").content.decode()
    found = groups(html)
    assert set(found) == {
        ("unknown_error", "docker.io"),
        ("auth_failed", "quay.io"),
        ("connection_error", "docker.io"),
        ("network_timeout", "ghcr.io"),
    }
    denied = found[("unknown_error", "docker.io")]
    assert set(rows(denied)) == {"acme/postgres", "globex/traefik"}
    assert "Other error · docker.io · 2 mirrors" in denied
    assert "What to do:" in denied
    assert 'href="/repo/acme/postgres/#settings"' in denied  # each mirror's settings
    assert "credentials" in found[("auth_failed", "quay.io")]
    assert "proxy" in found[("connection_error", "docker.io")]


def test_the_overview_links_to_the_failures_view(client_as, watched):
    html = client_as("alice").get("/").content.decode()
    assert 'href="/failures/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("namespace=globex", {"globex/traefik"}),
        ("cause=connection_error", {"acme/debian"}),
        ("host=ghcr.io", {"acme/flaky"}),
        ("cause=unknown_error&host=docker.io&namespace=acme", {"acme/postgres"}),
        (
            "window=7d",
            {"acme/debian", "acme/flaky", "acme/etcd", "acme/postgres", "globex/traefik"},
        ),
    ],
)
def test_the_filters_are_in_the_url(client_as, watched, query, expected):
    html = client_as("alice").get(f"/failures/?{query}").content.decode()
    assert set(rows(html)) == expected
    csv_link = re.search(r'href="/failures/export\.csv\?([^"]*)"', html).group(1)
    assert parse_qs(csv_link.replace("&amp;", "&")) == parse_qs(query)  # the same filters


def test_a_window_of_days_before_the_failures_shows_none(client_as, watched):
    html = (
        client_as("alice")
        .get("/failures/?window=dates&from=2026-01-01&to=2026-01-31")
        .content.decode()
    )
    assert rows(html) == {}
    # Watching began long after: the page says the index does not know that time, not 0.
    assert summary(html).startswith("Mirrors failed in 2026-01-01 to 2026-01-31 (UTC): not known")
    assert "acme, globex: the watcher knows their failures only from after this window" in (
        summary(html)
    )
    assert "0 mirrors failed" not in html and "No mirror of" not in html


def test_failures_before_what_the_index_knows_are_said_not_known(client_as, watched):
    Enrolment.objects.filter(namespace="acme").update(
        failures_from=clock.now() - timedelta(hours=3)
    )
    html = client_as("alice").get("/failures/?window=7d").content.decode()
    assert "Failures of acme before" in html and "are not known" in html
    assert "Failures of globex before" not in html


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("window=dates&from=2026-13-45", "is not a day of the calendar"),
        ("window=dates&from=yesterday", "write it as YYYY-MM-DD"),
        ("window=dates&from=2026-12-05&to=2026-12-01", "begins (2026-12-05) after it ends"),
        ("window=dates&from=2025-01-01&to=2026-12-01", "at most 92 days"),
        ("window=dates&from=2099-01-01&to=2099-01-02", "has not come yet"),
        ("window=fortnight", "no window this page knows"),
        ("cause=" + "x" * 5000, "is no cause Quay names"),
        ("namespace=initech", "not a watched namespace you may see"),
    ],
)
def test_bad_input_is_said_and_the_page_still_answers(client_as, watched, query, said):
    response = client_as("alice").get(f"/failures/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert said in html.replace("&quot;", '"')
    assert "x" * 300 not in html  # bounded


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_the_same_rows_with_the_same_filters(client_as, watched):
    client = client_as("alice")
    exported = read_csv(client.get("/failures/export.csv?namespace=acme"))
    assert {r["mirror"] for r in exported} == {"debian", "flaky", "etcd", "postgres"}
    by_name = {r["mirror"]: r for r in exported}
    assert by_name["postgres"]["failed_runs"] == "1" and by_name["postgres"]["failed_tries"] == "3"
    assert by_name["flaky"]["state"] == "recovered" and by_name["flaky"]["recovered_utc"]
    assert by_name["debian"]["state"] == "cancelled"
    assert by_name["etcd"]["cause"] == "auth_failed" and by_name["etcd"]["source_host"] == "quay.io"
    assert "certificate signed by unknown authority" in by_name["etcd"]["reason"]
    same = read_csv(client.get("/failures/?namespace=acme&format=csv"))
    assert same == exported


def test_csv_cells_that_look_like_formulas_are_escaped(client_as, watched):
    FailedRun.objects.filter(name="etcd").update(reason='=HYPERLINK("http://evil","x")')
    FailedRun.objects.filter(name="postgres").update(reason="@SUM(1+1)")
    FailedRun.objects.filter(name="debian").update(reason="-2+3")
    FailedRun.objects.filter(name="flaky").update(reason="+cmd")
    exported = {
        r["mirror"]: r["reason"] for r in read_csv(client_as("alice").get("/failures/export.csv"))
    }
    assert exported["etcd"] == '\'=HYPERLINK("http://evil","x")'
    assert exported["postgres"] == "'@SUM(1+1)"
    assert exported["debian"] == "'-2+3"
    assert exported["flaky"] == "'+cmd"


def test_a_member_who_is_no_admin_sees_the_failing_mirrors_status_only(client_as, watched):
    """bob administers acme and is a member of globex without rights: Quay shows him globex's
    mirror health (status), not its logs: no failure history, no reason there."""
    html = client_as("bob").get("/failures/").content.decode()
    found = rows(html)
    assert {name for name in found if name.startswith("acme/")} == {
        "acme/debian",
        "acme/flaky",
        "acme/etcd",
        "acme/postgres",
    }
    assert "globex/traefik" not in found
    status_only = re.search(r'<p data-status-only="globex">([\s\S]*?)</p>', html).group(1)
    assert "globex/traefik" in status_only and "status only" in status_only
    assert "requested access to the resource is denied" not in status_only
    assert html.count("requested access to the resource is denied") == 1  # acme/postgres's


def test_a_member_of_acme_without_admin_rights_sees_its_status_only(client_as, watched):
    """carol is a member of acme whom Quay says is no admin of it: its mirror health, no logs."""
    html = client_as("carol").get("/failures/").content.decode()
    assert rows(html) == {}
    status_only = re.search(r'<p data-status-only="acme">([\s\S]*?)</p>', html).group(1)
    assert "acme/etcd" in status_only and "acme/postgres" in status_only
    assert "certificate signed" not in html and "requested access" not in html
    # Not "0 mirrors failed" nor "No mirror of acme failed" above "Failing now: acme/etcd,
    # acme/postgres": Quay shows her no log of acme, its failures are not known to her.
    assert "0 mirrors failed" not in html and "No mirror of acme failed" not in html
    assert summary(html) == (
        "Mirrors failed in the last 24 hours: not known to you — acme: Quay shows the log "
        "where failures are read from only to administrators; the mirrors failing now are "
        "under Status only."
    )


def test_where_rights_are_not_known_nothing_is_shown_from_the_index(client_as, watched):
    """alice's token without repo:admin (a pasted token whose rights Quay does not tell)."""
    html = client_as("alice-limited").get("/failures/").content.decode()
    assert rows(html) == {}
    assert "certificate signed" not in html and "requested access" not in html
    assert "0 mirrors failed" not in html and "No mirror of" not in html
    assert summary(html).startswith("Mirrors failed in the last 24 hours: not known to you")
    assert "acme, globex: Quay shows the log where failures are read from only to" in summary(html)


def test_while_the_first_indexing_runs_the_totals_are_not_known_yet(client_as, emulator, enrolled):
    """acme is indexed, globex is enrolled and its first indexing is under way: its failures
    are not known yet, so neither are the totals (not "0 mirrors failed")."""
    enrolled("acme", "globex")
    poll("acme")
    html = client_as("alice").get("/failures/?window=7d").content.decode()
    said = summary(html)
    assert said.startswith("Mirrors failed in the last 7 days: not known yet — globex: the ")
    assert "globex: the watcher's first indexing is under way." in said
    assert said.endswith("Of acme: 4 mirrors failed · 3 not recovered · 1 recovered")
    assert {name.split("/")[0] for name in rows(html)} == {"acme"}
    # Only globex indexing: nothing counted, nothing said to be 0.
    Enrolment.objects.filter(namespace="acme").update(indexed_at=None)
    html = client_as("alice").get("/failures/?window=7d").content.decode()
    assert summary(html) == (
        "Mirrors failed in the last 7 days: not known yet — acme, globex: the watcher's "
        "first indexing is under way."
    )
    assert "0 mirrors failed" not in html and "No mirror of" not in html


def test_a_read_only_superuser_sees_every_watched_namespace_at_no_call_per_row(client_as, watched):
    client = client_as("dave")
    watched.control("DELETE", "requests")
    html = client.get("/failures/").content.decode()
    assert set(rows(html)) == {
        "acme/debian",
        "acme/flaky",
        "acme/etcd",
        "acme/postgres",
        "globex/traefik",
    }
    made = calls(watched)
    assert len(made) <= 2  # who he is, and the global health (a superuser)
    assert not [c for c in made if c.startswith(("GET repository/acme", "GET repository/globex"))]


def test_unwatched_namespaces_are_named_with_a_link_to_watch_them(client_as, watched):
    html = client_as("alice").get("/failures/").content.decode()
    line = re.search(r'<li data-unwatched="initech">([\s\S]*?)</li>', html).group(1)
    assert "not watched: no failure history" in line and 'href="/watch/"' in line


@pytest.fixture
def orgs_watched(emulator, enrolled):
    enrolled("orgfail", "orgmirror")
    for _ in range(2):  # the first poll reads the organization mirrors
        poll("orgfail", clock.now() + timedelta(seconds=61 * _))
        poll("orgmirror", clock.now() + timedelta(seconds=61 * _))
    return emulator


def test_an_organization_mirrors_failures_for_its_admin(client_as, orgs_watched):
    """olivia administers the organization-mirror organizations: orgfail's discovery fails."""
    html = client_as("olivia").get("/failures/?window=7d").content.decode()
    found = rows(html)
    assert "orgfail (organization mirror)" in found, html[-3000:]
    assert "nosuchproject" in found["orgfail (organization mirror)"][2]
    assert 'href="/org/orgfail/mirror/"' in found["orgfail (organization mirror)"][2]
    assert "acme/etcd" not in found
    # Its group's advice fits an organization mirror too (it said "check … its tag rules").
    assert "an organization mirror&#x27;s registry and namespace" in html or (
        "an organization mirror's registry and namespace" in html
    )


def test_an_organization_member_sees_no_organization_mirror_failures(client_as, orgs_watched):
    """oscar is a plain member of orgmirror: Quay refuses him every organization-mirror call."""
    html = client_as("oscar").get("/failures/?window=7d").content.decode()
    assert rows(html) == {}
    assert "nosuchproject" not in html and "TLS handshake" not in html
    assert summary(html).startswith("Mirrors failed in the last 7 days: not known to you")
    assert "0 mirrors failed" not in html
    # orgmirror/broken fails: health names no organization mirror's repository, so "None
    # failing now" was not known.
    assert "None failing now" not in html
    assert "(your own namespace: you may)" in html  # not "an administrator of oscar may"
    assert "does not name an organization mirror's repositories" in html


def test_the_page_costs_no_more_than_the_overviews_first_paint(client_as, watched, settings):
    """Someone not seen in the last minute: who they are (as the overview asks), no more."""
    settings.OVERVIEW_PERSON_SECONDS = 0
    client = client_as("alice")
    watched.control("DELETE", "requests")
    client.get("/failures/")
    failures = calls(watched)
    watched.control("DELETE", "requests")
    client.get("/")
    overview = calls(watched)
    assert failures == ["GET user/"]
    assert len(failures) <= len(overview)


def test_a_partial_sync_and_a_source_not_allowed_are_groups_of_their_own(
    client_as, watched, monkeypatch
):
    """etcd's next try copies some tags and fails others; traefik's source is refused by
    Quay's SSRF rules at its next try."""
    watched.control("POST", "mirror/acme/etcd/fail", json={"reason": "partial_sync", "runs": 0})
    watched.control(
        "POST", "mirror/globex/traefik/fail", json={"reason": "invalid_source_registry"}
    )
    for minute in (1, 2):
        watched.advance(60)
        later = clock.now() + timedelta(seconds=61 * minute)
        poll("acme", later)
        poll("globex", later)
    client = client_as("alice")
    monkeypatch.setattr(clock, "now", lambda: later)  # the emulator's clock ran ahead
    html = client.get("/failures/").content.decode()
    found = groups(html)
    partial = next(body for (cause, _), body in found.items() if cause == "partial_sync")
    assert "Partial sync" in partial and set(rows(partial)) == {"acme/etcd"}
    assert "some tags were copied and others failed" in partial
    refused = next(body for (cause, _), body in found.items() if cause == "invalid_source_registry")
    assert "Source not allowed" in refused and set(rows(refused)) == {"globex/traefik"}
    assert "SSRF_ALLOWED_HOSTS" in refused  # what to do
    # Still one run each: the retries of the runs under way.
    assert rows(html)["acme/etcd"][1] == 1 and rows(html)["globex/traefik"][1] == 1


def test_an_organization_mirrors_repository_that_fails_is_listed_with_its_reason(
    client_as, orgs_watched, monkeypatch
):
    """orgmirror's repository broken fails its tag listing (TLS handshake timeout): its
    reason is only in its log entry's stderr, which the watcher reads."""
    later = clock.now()
    for minute in (1, 2, 3):
        orgs_watched.advance(60)
        later = clock.now() + timedelta(seconds=61 * (minute + 2))
        poll("orgmirror", later)
    client = client_as("olivia")
    monkeypatch.setattr(clock, "now", lambda: later)  # the emulator's clock ran ahead
    found = rows(client.get("/failures/").content.decode())
    _state, runs, body = found["orgmirror/broken"]
    assert "TLS handshake timeout" in body and runs == 1
    assert "repository of an organization mirror" in body
    exported = read_csv(client.get("/failures/export.csv?namespace=orgmirror"))
    assert {r["mirror"]: r["source_host"] for r in exported}["broken"] == "quay.example.com"


def test_sync_now_for_a_group_goes_through_the_bulk_press(client_as, watched):
    """The group's Sync now is the overview's bulk press: Quay receives one sync-now per
    mirror not recovered, and the browser comes back to the same failures page."""
    client = client_as("alice")
    html = client.get("/failures/?window=7d").content.decode()
    denied = groups(html)[("unknown_error", "docker.io")]
    form = re.search(r'<form method="post" action="/bulk/"[\s\S]*?</form>', denied).group(0)
    fields = re.findall(r'name="(repo|org|action|next)" value="([^"]*)"', form)
    assert ("action", "sync_now") in fields
    assert {v for k, v in fields if k == "repo"} == {"acme/postgres", "globex/traefik"}
    watched.control("DELETE", "requests")
    data: dict[str, list[str]] = {}
    for key, value in fields:
        data.setdefault(key, []).append(value.replace("&amp;", "&"))
    response = client.post("/bulk/", data)
    assert response.status_code == 302 and response["Location"] == "/failures/?window=7d"
    pressed = [c for c in calls(watched) if c.startswith("POST")]
    assert sorted(pressed) == [
        "POST repository/acme/postgres/mirror/sync-now",
        "POST repository/globex/traefik/mirror/sync-now",
    ]
    # Recovered mirrors are left alone; a read-only superuser is offered no press.
    flaky = groups(html)[("network_timeout", "ghcr.io")]
    assert 'action="/bulk/"' not in flaky
    assert 'action="/bulk/"' not in client_as("dave").get("/failures/").content.decode()


def test_change_settings_of_a_group_starts_a_bulk_change_of_its_mirrors(client_as, watched):
    """A group's "Change settings of these…" opens a bulk settings change of its mirrors (the
    credentials of a source that refuses them, e.g.)."""
    client = client_as("alice")
    html = client.get("/failures/?window=7d").content.decode()
    denied = groups(html)[("unknown_error", "docker.io")]
    form = re.search(r'<form method="post" action="/bulk/"[\s\S]*?</form>', denied).group(0)
    assert 'formaction="/bulk/settings/"' in form
    fields = re.findall(r'name="(repo|org|next)" value="([^"]*)"', form)
    data: dict[str, list[str]] = {}
    for key, value in fields:
        data.setdefault(key, []).append(value.replace("&amp;", "&"))
    response = client.post("/bulk/settings/", data)
    assert response.status_code == 302 and response["Location"].startswith("/bulk/runs/")
    page = client.get(response["Location"]).content.decode()
    assert "Change 2 mirrors" in page
    assert "acme/postgres" in page and "globex/traefik" in page


def test_filtered_to_a_status_only_namespace_its_failures_are_not_known(client_as, watched):
    html = client_as("carol").get("/failures/?namespace=acme").content.decode()
    assert summary(html).startswith("Mirrors failed in the last 24 hours: not known to you — acme")
    assert "0 mirrors failed" not in html and "No mirror of" not in html


def test_with_no_namespace_watched_no_total_is_said(client_as, emulator):
    html = client_as("alice").get("/failures/").content.decode()
    assert summary(html) == (
        "Mirrors failed: not known — none of your namespaces is watched, so there is no "
        "failure history (see below)."
    )
    assert 'data-unwatched="acme"' in html


def test_a_token_quay_refuses_the_health_is_not_told_which_mirrors_fail(client_as, watched):
    """alice's token without repo:admin (nor org:admin or repo:create): Quay refuses her the
    mirror health of acme, so the page does not name acme's failing mirrors from the index
    (it did: "Failing now: acme/etcd, acme/postgres"); it says why, at one short call each."""
    client = client_as("alice-limited")
    watched.control("DELETE", "requests")
    html = client.get("/failures/").content.decode()
    assert "acme/etcd" not in html and "acme/postgres" not in html
    assert 'data-status-only="acme"' not in html
    line = re.search(r'<li data-not-shown="acme">([\s\S]*?)</li>', html).group(1)
    assert "Quay does not show this sign-in its mirrors' status either" in unescape(line)
    assert "under Status only" not in summary(html)
    asked = [
        r["query"]
        for r in watched.requests_log()
        if r["path"] == "/api/v1/repository/mirror/health"
    ]
    # One short call for each namespace she is a member of and sees the status of only.
    assert sorted(q.get("namespace") for q in asked) == ["acme", "globex"], asked
    assert all(q.get("detailed") == "false" for q in asked), asked


def test_a_member_whose_token_quay_shows_the_health_still_sees_it(client_as, watched):
    """carol, a member of acme whose token keeps the membership: Quay shows her the health,
    so acme's failing mirrors are named, as before."""
    html = client_as("carol").get("/failures/").content.decode()
    status_only = re.search(r'<p data-status-only="acme">([\s\S]*?)</p>', html).group(1)
    assert "acme/etcd" in status_only


def test_no_csv_is_made_where_no_failure_is_known(client_as, watched):
    """carol sees acme's status only: its failures are not known to her. An empty file would
    read as "no mirror failed": none is made, and the page offers none."""
    client = client_as("carol")
    html = client.get("/failures/").content.decode()
    assert "data-csv" not in html and "No CSV: no failure here is known" in html
    response = client.get("/failures/export.csv")
    assert response.status_code == 409
    said = response.content.decode()
    assert said.startswith("Mirrors failed in the last 24 hours: not known to you (acme: ")
    assert said.endswith("No file was made: an empty one would read as no mirror failed.")


def test_a_csv_of_some_namespaces_says_which_in_its_name(client_as, emulator, enrolled):
    """globex's first indexing is under way: the file holds acme's failures only, and its
    name and link say so (it does not pass for the whole)."""
    enrolled("acme", "globex")
    poll("acme")
    Enrolment.objects.filter(namespace="globex").update(indexed_at=None)
    client = client_as("alice")
    assert (
        "Download CSV</a> (these rows: of acme only)" in client.get("/failures/").content.decode()
    )
    response = client.get("/failures/export.csv")
    assert 'filename="mirror-failures-of-acme-' in response["Content-Disposition"]
    assert {line["namespace"] for line in read_csv(response)} == {"acme"}
