"""The overview as CSV (``/overview.csv`` with the page's filters): one line per mirror the
overview lists under the same filters, the columns a report wants, cells safe for a
spreadsheet, at the calls the page drawn whole makes (no more)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.overview import full_page, org_rows, rows_of
from tests.support.received import calls, clear_log

pytestmark = pytest.mark.django_db

HEADER = [
    "namespace",
    "repository",
    "kind",
    "source",
    "status",
    "detail",
    "last_sync_utc",
    "reason",
    "interval",
    "interval_seconds",
    "next_sync_utc",
    "link",
]


def table(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/overview.csv{query}")
    assert response.status_code == 200, response.content.decode()[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mirrors-')
    text = response.content.decode()
    assert text.splitlines()[0].split(",") == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def repos(lines: list[dict[str, str]]) -> list[str]:
    return [f"{x['namespace']}/{x['repository']}" for x in lines if x["kind"] == "repository"]


@pytest.mark.parametrize(
    "query", ["", "?status=fail", "?ns=acme&q=docker.io", "?q=etcd", "?ns=globex&normal=1"]
)
def test_the_lines_are_the_rows_the_overview_lists_under_the_same_filter(alice, query):
    html = full_page(alice, f"/{query}")
    lines = table(alice, query)
    assert repos(lines) == list(rows_of(html))
    orgs = [x["namespace"] for x in lines if x["kind"] == "organization"]
    assert orgs == list(org_rows(html))


def test_each_line_says_source_status_schedule_and_reason_with_a_link(alice):
    lines = {f"{x['namespace']}/{x['repository']}": x for x in table(alice, "?ns=acme")}
    etcd = lines["acme/etcd"]
    assert etcd["source"] == "quay.io/coreos/etcd"
    assert etcd["status"] == "Failed"
    assert "pinging container registry" in etcd["reason"]
    assert etcd["link"] == "http://testserver/repo/acme/etcd/"
    nginx = lines["acme/nginx"]
    assert nginx["status"] == "Synced"
    assert nginx["interval_seconds"].isdigit() and nginx["interval"]
    assert nginx["next_sync_utc"].endswith("Z")
    assert lines["acme/golang"]["next_sync_utc"] == ""  # disabled: no next run
    assert lines["acme/node"]["status"] == "Not configured"  # mirror state, no config
    assert "acme/app" not in lines  # not mirrored: only with the overview's toggle
    shown = {f"{x['namespace']}/{x['repository']}": x for x in table(alice, "?ns=acme&normal=1")}
    assert shown["acme/app"]["status"] == "Not mirrored" and shown["acme/app"]["source"] == ""


def test_an_organization_mirror_is_a_line_of_its_own(olivia):
    lines = [x for x in table(olivia) if x["kind"] == "organization"]
    assert lines, "olivia administers organization mirrors"
    first = lines[0]
    assert first["repository"] == ""
    assert first["source"].startswith("http")
    assert first["link"] == f"http://testserver/org/{first['namespace']}/mirror/"


def test_a_cell_that_starts_like_a_formula_is_written_as_text():
    """A reason is Quay's words (a source registry's error text): one that begins like a
    formula is not run by the spreadsheet it is pasted into."""
    from dashboard.mirrors.overview.rows import Row
    from dashboard.mirrors.overview.table import Table, to_csv

    bad = Row("acme", "x", reason='=HYPERLINK("http://evil")')
    text = to_csv(Table(rows=[bad]), lambda path: f"https://dash{path}")
    line = next(csv.DictReader(io.StringIO(text)))
    assert line["reason"] == '\'=HYPERLINK("http://evil")'
    for start in ("+1", "-1", "@SUM(A1)"):
        assert (
            to_csv(Table(rows=[Row("acme", "x", reason=start)]), str)
            .split("\n")[1]
            .count(f"'{start}")
        )


def test_it_costs_the_calls_of_the_page_drawn_whole_and_no_more(alice, emulator):
    full_page(alice, "/?ns=acme")  # signs the person in as known
    from django.core.cache import cache

    cache.clear()
    clear_log(emulator)
    full_page(alice, "/?ns=acme")
    page_calls = sorted(calls(emulator))
    cache.clear()
    clear_log(emulator)
    table(alice, "?ns=acme")
    assert sorted(calls(emulator)) == page_calls
    assert not [c for c in page_calls if not c.startswith("GET ")]


def test_it_requires_sign_in(client, emulator):
    response = client.get("/overview.csv")
    assert response.status_code == 302


def test_quay_down_is_said_in_words_not_a_500(alice, settings):
    from tests.support.emulator import free_port

    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = alice.get("/overview.csv")
    assert response.status_code == 502
    said = response.content.decode()
    assert "Quay cannot be reached right now" in said and "No file was made" in said
