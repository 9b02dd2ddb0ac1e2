"""Overview rows: the row endpoint (one row again), per-row Sync now / Cancel, bulk actions,
and the last results read in batches. The tab's one refresh: test_refresh.py."""

from __future__ import annotations

import re

import pytest

from tests.support.overview import page, row_html, rows_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def _watched(html: str) -> bool:
    """The row is one the tab's refresh asks about (it polls no URL of its own)."""
    head = html.split(">", 1)[0]
    assert "hx-trigger" not in head
    return " data-watch" in head


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


def test_a_row_that_cannot_be_read_says_why(client_as, emulator):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/alpine/mirror": 502})
    html = client.get("/repo/acme/alpine/row/", **HX).content.decode()
    assert "Quay failed (HTTP 502)" in html


def test_the_row_endpoint_reads_afresh(client_as, emulator):
    """What "Try again" on a row answers: never an answer from the read cache."""
    client = client_as("alice")
    client.get("/repo/acme/nginx/row/", **HX)
    client.get("/repo/acme/nginx/row/", **HX)
    reads = [c for c in emulator.requests_log() if c["path"].endswith("/acme/nginx/mirror")]
    assert len(reads) == 2


# -- per-row actions -------------------------------------------------------------------------


def test_rows_offer_cancel_only_for_queued_or_running_and_sync_now_unless_running(client_as):
    html = page(client_as("alice"))
    alpine = row_html(html, "acme/alpine")  # SYNCING
    assert 'action="/repo/acme/alpine/cancel/"' in alpine
    assert "disabled" in alpine and "already syncing" in alpine
    busybox = row_html(html, "acme/busybox")  # SYNC_NOW
    assert 'action="/repo/acme/busybox/cancel/"' in busybox
    assert 'action="/repo/acme/busybox/sync-now/"' in busybox
    nginx = row_html(html, "acme/nginx")
    assert "/cancel/" not in nginx and 'action="/repo/acme/nginx/sync-now/"' in nginx


def test_cancel_asks_for_confirmation_saying_what_it_does(client_as):
    alpine = row_html(page(client_as("alice")), "acme/alpine")
    for attribute in ("hx-confirm", "data-confirm"):
        found = re.search(rf'{attribute}="([^"]+)"', alpine)
        assert found, attribute
        assert "stops after the current tag" in found.group(1)
        assert "paused until someone presses Sync now" in found.group(1)


# -- bulk ------------------------------------------------------------------------------------


# -- last result, read from the log once the row is in view ----------------------------------


def test_finished_rows_get_their_last_result_in_batches_and_running_ones_do_not(client_as):
    html = page(client_as("alice"))
    nginx = row_html(html, "acme/nginx")
    assert "succeeded" in nginx and re.search(r'<time datetime="[^"]+Z"', nginx)
    assert "data-need" not in nginx.split(">", 1)[0]  # filled: nothing more to ask
    alpine = row_html(html, "acme/alpine")  # running: the refresh costs no log of its own
    assert 'data-need="results"' not in alpine and 'hx-preserve="true"' in alpine
    assert "last-result/" not in html  # no per-row URL any more


def test_the_last_results_of_a_batch_cost_one_log_read_each_in_one_request(client_as, emulator):
    client = client_as("alice")
    before = len(emulator.requests_log())
    response = client.get("/overview/results/", {"repo": ["acme/nginx", "acme/postgres"]}, **HX)
    html = response.content.decode()
    assert html.count('class="hide-narrow last-result"') == 2 and "<html" not in html
    # (and the failed postgres's reason for a phone, in its status cell)
    assert html.count('hx-swap-oob="true"') == 3 and 'id="reason-row-acme_2fpostgres"' in html
    nginx = html.split('id="last-row-acme_2fnginx"', 1)[1].split("</td>", 1)[0]
    assert "succeeded" in nginx and re.search(r'<time datetime="[^"]+Z"', nginx)
    assert sorted(e["path"] for e in emulator.requests_log()[before:]) == [
        "/api/v1/repository/acme/nginx/logs",
        "/api/v1/repository/acme/postgres/logs",
    ]


def test_the_last_result_of_a_failed_sync_says_why(client_as):
    response = client_as("alice").get("/overview/results/", {"repo": "acme/postgres"}, **HX)
    assert "failed" in response.content.decode() and "denied" in response.content.decode()


def test_the_last_result_cell_survives_quay_failing(client_as, emulator):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/logs": 503})
    response = client.get("/overview/results/", {"repo": "acme/nginx"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quay had an internal problem" in html and "data-done" in html  # said, not hovered


def test_fragment_urls_opened_without_htmx_go_to_a_page(client_as):
    client = client_as("alice")
    response = client.get("/repo/acme/nginx/row/")
    assert response.status_code == 302 and response["Location"] == "/repo/acme/nginx/"
    for url in ("/overview/listing/", "/overview/details/", "/overview/results/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/", url
    assert client.post("/overview/refresh/")["Location"] == "/"


def test_a_due_retry_shows_within_a_minute_as_next_sync_not_a_past_time(client_as):
    etcd = row_html(page(client_as("alice")), "acme/etcd")
    assert "retrying within a minute (2 of 3 left)" in etcd
    assert '<td class="hide-narrow">within a minute</td>' in etcd
    assert '<td class="hide-narrow">2 of 3 left</td>' in etcd


def test_a_read_only_row_shows_the_retries_health_reports(client_as):
    traefik = row_html(page(client_as("bob")), "globex/traefik")
    assert '<td class="hide-narrow">1 of 3 left</td>' in traefik
    assert "1 of 3 retries left" in traefik
    assert "3 of 3" not in traefik
