"""A failed discovered repository says why on its organization mirror's page, over HTTP against
the emulator: Quay's status message says only "…: See output"; the reason is in the stderr of
the repository's ``org_mirror_sync_failed`` entry in the organization's log (seeded:
orgmirror/broken, whose source never finishes the TLS handshake). The whole page takes it from
the history it reads anyway; the live part alone (a filter, a poll, a press's answer) reads
one page of the log more, only when it shows such a repository."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.pages import text_of
from tests.support.received import calls, clear_log

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
REASON = (
    "Error listing repository tags: pinging container registry quay.example.com: Get "
    '"https://quay.example.com/v2/": net/http: TLS handshake timeout'
)


def row_of(html: str, name: str) -> str:
    found = re.search(rf'<tr data-repo="{name}"[\s\S]*?</tr>', html)
    assert found is not None, name
    return unescape(text_of(found.group(0)))


def broken_failed(emulator) -> None:
    emulator.advance(120)  # the worker reaches broken, whose listing fails
    rows = emulator.api("GET", "organization/orgmirror/mirror/repositories", user="olivia")
    broken = next(r for r in rows.json()["repositories"] if r["name"] == "broken")
    assert broken["sync_status"] == "FAIL" and broken["status_message"].endswith("See output")


def test_the_page_shows_a_failed_repositorys_reason_from_the_log_at_no_extra_call(
    client_as, emulator
):
    client = client_as("olivia")
    broken_failed(emulator)
    clear_log(emulator)
    html = client.get("/org/orgmirror/mirror/").content.decode()
    broken = row_of(html, "broken")
    assert "Failed" in broken and REASON in broken
    assert "See output" not in broken
    assert "(Quay files it under “Timed out”)" in broken  # "timeout" in the text
    # What the page asked Quay: no call for the reasons (the history's two pages of the log).
    asked = sorted(c for c in calls(emulator) if c != "GET registry/capabilities")
    assert asked == [
        "GET organization/orgmirror/logs",
        "GET organization/orgmirror/logs",
        "GET organization/orgmirror/mirror",
        "GET organization/orgmirror/mirror/repositories",
        "GET organization/orgmirror/robots",
    ]
    # The history says it too, not "See output".
    history = unescape(text_of(html.split('id="history-heading"', 1)[1]))
    assert f"orgmirror/broken : sync failed: {REASON} (Quay files it under “Timed out”)" in history


def test_the_live_part_alone_reads_one_log_page_for_it(client_as, emulator):
    client = client_as("olivia")
    broken_failed(emulator)
    clear_log(emulator)
    fragment = client.get("/org/orgmirror/mirror/?status=FAIL&part=live", **HX).content.decode()
    assert "<html" not in fragment and REASON in row_of(fragment, "broken")
    assert sorted(calls(emulator)) == [
        "GET organization/orgmirror/logs",  # one page: only for the failed repository's reason
        "GET organization/orgmirror/mirror",
        "GET organization/orgmirror/mirror/repositories",
    ]


def test_the_live_part_without_a_failed_repository_reads_no_log(client_as, emulator):
    client = client_as("olivia")
    broken_failed(emulator)
    clear_log(emulator)
    client.get("/org/orgmirror/mirror/?status=SUCCESS&part=live", **HX)
    assert "GET organization/orgmirror/logs" not in calls(emulator)


def test_without_the_log_the_status_message_says_where_the_reason_is(client_as, emulator):
    client = client_as("olivia")
    broken_failed(emulator)
    emulator.configure(fail={"/api/v1/organization/orgmirror/logs": 503})
    fragment = client.get("/org/orgmirror/mirror/?status=FAIL&part=live", **HX).content.decode()
    broken = row_of(fragment, "broken")
    assert "skopeo list-tags failed (the reason is in Quay's log)" in broken
    assert "Failed to list tags for" not in broken


def test_the_repository_page_of_a_failed_repository_says_why_from_its_own_log(client_as, emulator):
    """/repo/orgmirror/broken/ reads the repository's log anyway: the organization mirror's
    entry in it has the reason; no call is added for it."""
    client = client_as("olivia")
    broken_failed(emulator)
    clear_log(emulator)
    page = unescape(text_of(client.get("/repo/orgmirror/broken/")))
    line = page.split("In the organization mirror:", 1)[1][:400]
    assert "Failed" in line and REASON in line and "See output" not in line
    assert sorted(calls(emulator)) == [  # as before it said why
        "GET organization/orgmirror/mirror/repositories",
        "GET organization/orgmirror/robots",
        "GET registry/capabilities",
        "GET repository/orgmirror/broken",
        "GET repository/orgmirror/broken/logs",  # its log: 2 pages (Quay's last page with
        "GET repository/orgmirror/broken/logs",  # entries gives a next page all the same)
        "GET repository/orgmirror/broken/mirror",
        "GET repository/orgmirror/broken/tag/",
    ]
