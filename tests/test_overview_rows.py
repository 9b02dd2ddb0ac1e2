"""Overview rows that refresh themselves, per-row Sync now / Cancel, and bulk actions."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.test_overview import row_html, rows_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def _polls(html: str) -> bool:
    return "hx-trigger=" in html.split(">", 1)[0] and "every 2s" in html.split(">", 1)[0]


def test_an_active_row_polls_its_own_url_and_a_final_one_does_not(client_as):
    html = client_as("alice").get("/").content.decode()
    alpine = row_html(html, "acme/alpine")  # SYNCING
    assert _polls(alpine)
    assert 'hx-get="/repo/acme/alpine/row/?poll=1&amp;was=Syncing' in alpine
    assert not _polls(row_html(html, "acme/nginx"))  # SUCCESS: final


def test_the_row_endpoint_answers_one_row_in_one_upstream_call(client_as, emulator):
    client = client_as("alice")
    before = len(emulator.requests_log())
    response = client.get("/repo/acme/alpine/row/", **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "<html" not in html
    assert rows_of(html) == {"acme/alpine": "active"}
    calls = emulator.requests_log()[before:]
    assert [c["path"] for c in calls] == ["/api/v1/repository/acme/alpine/mirror"]


def _last_result_cell(html: str) -> str:
    return html.split('class="hide-narrow last-result"', 1)[1].split(">", 1)[0]


def test_a_polling_row_keeps_the_last_result_already_on_the_page(client_as, emulator):
    # A poll reads only the config, so it cannot say how the last sync ended: the cell the
    # page already shows (loaded from the log) is kept across swaps (bulk results included).
    client = client_as("alice")
    polling = _last_result_cell(client.get("/repo/acme/alpine/row/", **HX).content.decode())
    assert 'id="last-row-acme_2falpine"' in polling and 'hx-preserve="true"' in polling
    final = _last_result_cell(client.get("/repo/acme/nginx/row/", **HX).content.decode())
    assert 'id="last-row-acme_2fnginx"' in final and "hx-preserve" not in final
    assert 'hx-get="/repo/acme/nginx/last-result/"' in final  # a final row loads it afresh


def test_polling_stops_once_the_sync_is_over(client_as, emulator):
    client = client_as("alice")
    assert _polls(client.get("/repo/acme/alpine/row/", **HX).content.decode())
    emulator.advance(120)
    html = client.get("/repo/acme/alpine/row/", **HX).content.decode()
    assert rows_of(html)["acme/alpine"] in ("success", "fail")
    assert not _polls(html)


def test_a_read_only_row_polls_mirror_health(client_as, emulator):
    client = client_as("carol")
    alpine = row_html(client.get("/").content.decode(), "acme/alpine")
    assert re.search(r'hx-get="/repo/acme/alpine/row/\?[^"]*via=health', alpine)
    before = len(emulator.requests_log())
    html = client.get("/repo/acme/alpine/row/?via=health", **HX).content.decode()
    assert rows_of(html) == {"acme/alpine": "active"}
    assert [c["path"] for c in emulator.requests_log()[before:]] == [
        "/api/v1/repository/mirror/health"
    ]


def test_a_row_that_cannot_be_read_says_why(client_as, emulator):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/alpine/mirror": 502})
    html = client.get("/repo/acme/alpine/row/", **HX).content.decode()
    assert "Quay failed (HTTP 502)" in html


# -- per-row actions -------------------------------------------------------------------------


def test_rows_offer_cancel_only_for_queued_or_running_and_sync_now_unless_running(client_as):
    html = client_as("alice").get("/").content.decode()
    alpine = row_html(html, "acme/alpine")  # SYNCING
    assert 'action="/repo/acme/alpine/cancel/"' in alpine
    assert "disabled" in alpine and "already syncing" in alpine
    busybox = row_html(html, "acme/busybox")  # SYNC_NOW
    assert 'action="/repo/acme/busybox/cancel/"' in busybox
    assert 'action="/repo/acme/busybox/sync-now/"' in busybox
    nginx = row_html(html, "acme/nginx")
    assert "/cancel/" not in nginx and 'action="/repo/acme/nginx/sync-now/"' in nginx


def test_cancel_asks_for_confirmation_saying_what_it_does(client_as):
    alpine = row_html(client_as("alice").get("/").content.decode(), "acme/alpine")
    for attribute in ("hx-confirm", "data-confirm"):
        found = re.search(rf'{attribute}="([^"]+)"', alpine)
        assert found, attribute
        assert "stops after the current tag" in found.group(1)
        assert "paused until someone presses Sync now" in found.group(1)


def test_sync_now_from_a_row_answers_the_row_with_the_outcome(client_as, emulator):
    client = client_as("alice")
    response = client.post("/repo/acme/redis/sync-now/", {"view": "row"}, **HX)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr")
    assert rows_of(html) == {"acme/redis": "active"}  # queued
    assert _polls(html)
    assert "Sync requested" in html
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"


def test_sync_now_on_a_syncing_row_says_already_syncing_in_the_row(client_as):
    client = client_as("alice")
    html = client.post("/repo/acme/alpine/sync-now/", {"view": "row"}, **HX).content.decode()
    assert "Already syncing" in html and rows_of(html) == {"acme/alpine": "active"}


# -- bulk ------------------------------------------------------------------------------------


def test_bulk_sync_now_gives_a_result_per_row(client_as, emulator):
    client = client_as("alice")
    response = client.post(
        "/bulk/",
        {"action": "sync_now", "repo": ["acme/redis", "acme/alpine", "acme/node"]},
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    found = re.findall(r'<li class="outcome outcome-([a-z_]+)"><a href="/repo/([^"]+)/"', html)
    assert {repo: outcome for outcome, repo in found} == {
        "acme/redis": "done",
        "acme/alpine": "already_syncing",
        "acme/node": "no_config",
    }
    assert "1 of 3 done" in html
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"
    # the affected rows come back out-of-band, with their new status
    oob = r'<template>\s*<tr id="row-acme_2fredis" data-status="active"[^>]*hx-swap-oob="true"'
    assert re.search(oob, html)
    assert AuditEntry.objects.filter(action="sync_now").count() == 3


def test_bulk_cancel_never_all_or_nothing(client_as, emulator):
    client = client_as("alice")
    html = client.post(
        "/bulk/", {"action": "cancel", "repo": ["acme/alpine", "acme/redis"]}, **HX
    ).content.decode()
    assert "outcome-done" in html and "outcome-nothing_to_cancel" in html
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"


def test_bulk_without_rights_says_no_rights_per_row(client_as, emulator):
    client = client_as("carol")
    html = client.post("/bulk/", {"action": "sync_now", "repo": ["acme/redis"]}, **HX)
    assert "outcome-no_rights" in html.content.decode()
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


def test_bulk_runs_the_actions_in_parallel(client_as, emulator, monkeypatch):
    """Two presses meet at a barrier: one after the other, the first would wait in vain."""
    import threading

    from dashboard.quay.client import QuayClient

    client = client_as("alice")
    barrier = threading.Barrier(2, timeout=30)
    real = QuayClient.sync_now

    def sync_now(self, namespace, name):
        barrier.wait()  # raises BrokenBarrierError unless the other press runs alongside
        return real(self, namespace, name)

    monkeypatch.setattr(QuayClient, "sync_now", sync_now)
    html = client.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis", "acme/nginx"]}, **HX
    ).content.decode()
    assert "2 of 2 done" in html
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SYNC_NOW"


def test_bulk_without_htmx_is_a_page_of_results(client_as):
    response = client_as("alice").post("/bulk/", {"action": "sync_now", "repo": ["acme/redis"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "outcome-done" in html and "Back to the overview" in html


def test_bulk_with_nothing_selected_says_so(client_as):
    response = client_as("alice").post("/bulk/", {"action": "sync_now"})
    assert response.status_code == 400
    assert "Select at least one repository" in response.content.decode()


def test_bulk_needs_csrf(client_as, emulator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client_as("alice").cookies
    response = strict.post("/bulk/", {"action": "sync_now", "repo": ["acme/redis"]})
    assert response.status_code == 403
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


# -- last result, read from the log once the row is in view ----------------------------------


def test_a_stuck_sync_does_not_poll(client_as):
    python = row_html(client_as("alice").get("/").content.decode(), "acme/python")
    assert 'data-status="stuck"' in python and not _polls(python)


def test_finished_rows_load_their_last_result_when_seen_and_polling_rows_do_not(client_as):
    html = client_as("alice").get("/").content.decode()
    nginx = row_html(html, "acme/nginx")
    assert 'hx-get="/repo/acme/nginx/last-result/" hx-trigger="intersect once"' in nginx
    assert "/last-result/" not in row_html(html, "acme/alpine")  # polls: one call per poll
    assert "/last-result/" not in row_html(html, "acme/ubuntu")  # never ran


def test_the_last_result_cell_says_what_and_when_in_one_call(client_as, emulator):
    client = client_as("alice")
    before = len(emulator.requests_log())
    html = client.get("/repo/acme/nginx/last-result/", **HX).content.decode()
    assert "succeeded" in html and re.search(r'<time datetime="[^"]+Z"', html)
    assert [e["path"] for e in emulator.requests_log()[before:]] == [
        "/api/v1/repository/acme/nginx/logs"
    ]


def test_the_last_result_of_a_failed_sync_says_why(client_as):
    html = client_as("alice").get("/repo/acme/postgres/last-result/", **HX).content.decode()
    assert "failed" in html and "denied" in html


def test_the_last_result_cell_survives_quay_failing(client_as, emulator):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/logs": 503})
    response = client.get("/repo/acme/nginx/last-result/", **HX)
    assert response.status_code == 200
    assert "Quay had an internal problem" in response.content.decode()  # on hover


def test_row_urls_opened_without_htmx_go_to_the_repository_page(client_as):
    client = client_as("alice")
    for url in ("/repo/acme/nginx/row/", "/repo/acme/nginx/last-result/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/repo/acme/nginx/"


def test_a_due_retry_shows_within_a_minute_as_next_sync_not_a_past_time(client_as):
    from tests.test_overview import page, row_html

    etcd = row_html(page(client_as("alice")), "acme/etcd")
    assert "retrying within a minute (2 of 3 left)" in etcd
    assert '<td class="hide-narrow">within a minute</td>' in etcd
    assert "<time" not in etcd.split("within a minute</td>")[0].split("last-result")[-1]
    assert '<td class="hide-narrow">2 of 3 left</td>' in etcd


def test_a_read_only_row_shows_the_retries_health_reports(client_as):
    from tests.test_overview import page, row_html

    traefik = row_html(page(client_as("bob")), "globex/traefik")
    assert '<td class="hide-narrow">1 of 3 left</td>' in traefik
    assert "1 of 3 retries left" in traefik
    assert "3 of 3" not in traefik


def test_a_queued_row_carries_when_it_was_queued_so_each_poll_costs_one_call(client_as, emulator):
    from tests.test_overview import page, row_html

    client = client_as("alice")
    busybox = row_html(page(client), "acme/busybox")  # SYNC_NOW at seed
    found = re.search(r'hx-get="(/repo/acme/busybox/row/\?[^"]*queued=(\d+)[^"]*)"', busybox)
    assert found and int(found.group(2)) > 0
    before = len(emulator.requests_log())
    html = client.get(unescape(found.group(1)), **HX).content.decode()
    assert rows_of(html) == {"acme/busybox": "active"}
    assert [e["path"] for e in emulator.requests_log()[before:]] == [
        "/api/v1/repository/acme/busybox/mirror"
    ]
    assert found.group(1) in html  # the next poll asks the same way


def test_bulk_cancel_without_javascript_asks_on_a_page_first(client_as, emulator):
    client = client_as("alice")
    selected = {"action": "cancel", "repo": ["acme/alpine", "acme/redis"], "next": "/?ns=acme"}
    response = client.post("/bulk/", selected)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cancel the syncs of 2 repositories?" in html
    assert "<code>acme/alpine</code>" in html and "<code>acme/redis</code>" in html
    assert "scheduled syncs stay paused until someone presses Sync now" in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert '<a href="/?ns=acme" role="button"' in html  # keep them running: back
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"  # nothing yet
    assert not [e for e in emulator.requests_log() if e["path"].endswith("/sync-cancel")]
    done = client.post("/bulk/", {**selected, "confirm": "yes"}).content.decode()
    assert "outcome-done" in done
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"


def test_a_401_mid_bulk_keeps_the_audit_of_the_presses_that_reached_quay(client_as, emulator):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror/sync-now": 401})
    response = client.post("/bulk/", {"action": "sync_now", "repo": ["acme/redis", "acme/nginx"]})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")  # signed in again
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SYNC_NOW"
    entries = AuditEntry.objects.filter(action="sync_now")
    assert [(e.namespace, e.repository, e.ok) for e in entries] == [("acme", "nginx", True)]
