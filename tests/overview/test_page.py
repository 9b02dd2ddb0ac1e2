"""The overview page (``/``) against the emulator: what each seeded user sees, filters, order.

``page()`` is the page as a browser ends up showing it (first paint, listing, every row's
details: ``tests/support/overview.py``); ``full_page()`` is the page drawn whole by the
server (``details=all``, where a browser without JavaScript is sent); ``first_paint()`` is
only the first answer, drawn from mirror health."""

from __future__ import annotations

import re
import threading

import pytest

from tests.support.emulator import TOKENS
from tests.support.overview import count_of, first_paint, full_page, row_html, rows_of, settle
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db

# -- who sees what ---------------------------------------------------------------------------


def test_it_requires_sign_in(client, emulator):
    response = client.get("/?status=fail")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/%3Fstatus%3Dfail"


def test_alice_sees_the_mirrors_of_every_namespace_she_belongs_to(client_as, seen):
    rows = rows_of(seen(client_as("alice")))
    assert {"acme/nginx", "globex/mysql", "initech/grafana", "alice/tools"} <= set(rows)
    assert rows["acme/nginx"] == "success"
    assert rows["acme/etcd"] == "fail"
    assert rows["acme/python"] == "stuck"
    assert rows["acme/alpine"] == "active"
    assert rows["acme/debian"] == "cancel"
    assert rows["acme/ubuntu"] == "never"
    assert rows["acme/golang"] == "disabled"
    assert "acme/app" not in rows  # NORMAL: only with the toggle


def test_each_row_shows_source_status_in_words_schedule_enabled_and_retries(client_as, seen):
    html = seen(client_as("alice"))
    etcd = row_html(html, "acme/etcd")
    assert "quay.io/coreos/etcd" in etcd
    assert '<span class="status status-fail">Failed</span>' in etcd
    assert "2 of 3 left" in etcd
    nginx = row_html(html, "acme/nginx")
    assert '<span class="status status-success">Synced</span>' in nginx
    assert "succeeded" in nginx  # last result
    assert re.search(r'<time datetime="[^"]+Z" title="[^"]+ UTC">', nginx)  # next sync, local
    assert '<td class="hide-narrow">yes</td>' in nginx  # enabled
    golang = row_html(html, "acme/golang")
    assert '<td class="hide-narrow">no</td>' in golang
    assert 'href="/repo/acme/nginx/"' in nginx


def test_failed_and_stuck_come_first(client_as, seen):
    keys = list(rows_of(seen(client_as("alice"))).values())
    first_other = next(i for i, key in enumerate(keys) if key not in ("fail", "stuck"))
    assert set(keys[:first_other]) == {"fail", "stuck"}
    assert keys.index("stuck") > keys.index("fail")
    assert "fail" not in keys[first_other:] and "stuck" not in keys[first_other:]


def test_counts_per_status_at_the_top(client_as):
    html = full_page(client_as("alice"))
    rows = rows_of(html)
    for key in ("fail", "stuck", "active", "success", "never"):
        assert count_of(html, key) == list(rows.values()).count(key), key
    # acme/python (lease ran out) and globex/traefik (its retry never started, from the log):
    # the same two the repository pages call stuck.
    assert count_of(html, "stuck") == 2
    total = re.search(r"data-count-total[^>]*>(\d+)<", html)
    assert total and int(total.group(1)) == len(rows)


def test_the_first_paint_counts_what_mirror_health_reports(client_as):
    """Before any detail: health's statuses (stuck is for the details to find) and a note
    that they are still coming; the browser keeps the counts in step as they do (e2e)."""
    html = first_paint(client_as("alice"))
    rows = rows_of(html)
    for key in ("fail", "active", "success", "never", "cancel"):
        assert count_of(html, key) == list(rows.values()).count(key), key
    assert count_of(html, "fail") == 3  # acme/etcd, acme/postgres, globex/traefik
    assert count_of(html, "active") == 3  # acme/alpine, acme/busybox, acme/python
    assert 'id="pending-note"' in html and "stuck syncs show as they do" in html


def test_the_first_paint_does_not_claim_0_stuck_while_it_looks_for_them(client_as):
    # "0 stuck" stood above acme/python, which health shows as a healthy "Syncing" and its
    # details show stuck (its lease ran out): the number waits for the running and failed
    # rows, which are asked first.
    html = first_paint(client_as("alice"))
    assert re.search(r'data-count-for="stuck"[^>]*>\s*<span class="count">\?</span>', html)
    note = re.search(r'<li id="stuck-note"[^>]*>(.*?)</li>', html, re.S)
    assert note and "hidden" not in note.group(0).split(">")[0]
    # The 2 failed rows with retries left and the 3 running or queued ones (acme/postgres,
    # with no retry left, cannot be stuck: not waited for).
    assert "looking for stuck syncs among 5 running or failed mirrors" in text_of(note.group(1))
    checked = set(re.findall(r'data-repo="([^"]+)"[^>]*data-stuck-check', html))
    assert "acme/python" in checked and "acme/postgres" not in checked


def test_a_mirror_without_config_says_not_configured_yet(client_as, seen):
    node = row_html(seen(client_as("alice")), "acme/node")
    assert "Not configured yet" in node
    assert 'data-status="unconfigured"' in node


def test_bob_sees_acme_with_settings_and_globex_read_only_with_the_reason(client_as, seen):
    html = seen(client_as("bob"))
    rows = rows_of(html)
    assert rows["acme/nginx"] == "success" and "docker.io/library/nginx" in html
    assert "initech/grafana" not in rows
    mysql = row_html(html, "globex/mysql")
    assert "Synced" in mysql
    assert "you have no rights on this repository" in mysql
    assert 'type="checkbox"' not in mysql and "Sync now" not in mysql  # read-only: no actions
    assert "Read-only in <strong>globex</strong>" in html


def test_carol_who_is_no_admin_gets_a_read_only_view_from_mirror_health(client_as, emulator, seen):
    html = seen(client_as("carol"))
    rows = rows_of(html)
    assert rows["acme/etcd"] == "fail"
    assert rows["acme/nginx"] == "success"
    assert "Read-only in <strong>acme</strong>" in html
    assert "not an administrator" in html
    # Disabled mirrors are not in the health report: the row says what she can see (mirror
    # state, from the listing) and what not (health, settings), and why.
    golang = row_html(html, "acme/golang")
    assert "In mirror state" in golang
    assert "Not in Quay's mirror health report" in golang
    assert "Its settings are hidden from you: no admin rights on this repository" in golang
    assert "token lacks" not in golang
    assert 'name="repo"' not in html  # nothing carol could select: no box, and so no bulk bar
    assert 'id="bulk"' not in html or re.search(r'<form id="bulk"[^>]* hidden[\s>]', html)
    nginx = row_html(html, "acme/nginx")
    assert "docker.io" not in nginx and "<form" not in nginx
    # A running sync known only from health: it may be stuck, and the row says so.
    python = row_html(html, "acme/python")
    assert "Syncing" in python and "health report can&#x27;t tell whether it is stuck" in python
    # So whether it is stuck is not known: the row says so to the page's counts (below).
    assert "data-stuck-unknown" in python
    health_calls = [e for e in emulator.requests_log() if e["path"].endswith("/mirror/health")]
    assert health_calls and all(e["user"] == "carol" for e in health_calls)


def test_carols_stuck_count_is_not_known_and_says_why(client_as):
    # Her running syncs are known from mirror health alone, which cannot tell a stuck one:
    # the count said "0 stuck" above acme/python, which is stuck.
    html = full_page(client_as("carol"))
    assert re.search(r'data-count-for="stuck"[^>]*>\s*<span class="count">\?<', html)
    note = re.search(r'<li id="stuck-unknown-note"[^>]*>(.*?)</li>', html, re.S)
    assert note and " hidden" not in note.group(0).split(">")[0]
    assert "not known for 3 running or queued syncs" in text_of(note.group(1))


def test_dave_the_read_only_superuser_sees_every_namespace_with_status(client_as, seen):
    html = seen(client_as("dave"))
    rows = rows_of(html)
    assert rows["acme/etcd"] == "fail"
    assert rows["globex/traefik"] == "stuck"  # he reads configs and logs, like alice
    assert rows["initech/grafana"] == "success"
    assert "docker.io/library/nginx" in row_html(html, "acme/nginx")  # he may read configs


def test_a_token_without_repo_admin_says_so_in_the_note(client, emulator, seen):
    response = client.post("/accounts/login/", {"token": TOKENS["alice-limited"], "next": "/"})
    assert response.status_code == 302
    html = seen(client)
    assert "lacks the repo:admin scope" in html
    rows = rows_of(html)
    assert rows["alice/tools"] == "success"  # her own namespace: still the status, from health
    # Quay shows an organization's mirror health only to a token with org:admin or
    # repo:create: acme's mirrors are known from the listing, their status is not known.
    assert rows["acme/etcd"] == "restricted"
    assert "Its status is not known" in row_html(html, "acme/etcd")
    assert "mirror health of <strong>acme, globex, initech</strong> could not be read" in html
    assert "lacks both the org:admin and the repo:create scope" in html


def test_the_token_is_never_in_the_page(client_as):
    client = client_as("alice")
    settled = settle(client)
    assert TOKENS["alice"] not in settled.html and TOKENS["alice"] not in full_page(client)
    assert not any(TOKENS["alice"] in url for url in settled.requests)


# -- filters and search ----------------------------------------------------------------------


def test_filter_by_namespace_reads_only_that_namespace(client_as, emulator, seen):
    client = client_as("alice")
    before = len(emulator.requests_log())
    rows = rows_of(seen(client, "/?ns=globex"))
    assert set(rows) == {"globex/mysql", "globex/traefik"}
    paths = [e["path"] for e in emulator.requests_log()[before:]]
    assert not any("/acme/" in path for path in paths)


def test_filter_by_status_stuck(client_as, seen):
    assert rows_of(seen(client_as("alice"), "/?status=stuck")) == {
        "acme/python": "stuck",
        "globex/traefik": "stuck",
    }


def test_stuck_on_the_overview_is_stuck_on_the_repository_page_too(client_as, emulator):
    """A queued sync no worker picks up, and a failed one whose retry never started, are
    found from the log (read only for those rows): the overview and the panel agree."""
    client = client_as("alice")
    emulator.configure(claim_delay=100_000)
    emulator.api("POST", "repository/acme/redis/mirror/sync-now")
    before = len(emulator.requests_log())
    html = settle(client, "/?status=stuck", results=False).html  # details only: no last results
    logs = [e["path"] for e in emulator.requests_log()[before:] if e["path"].endswith("/logs")]
    assert sorted(logs) == [
        "/api/v1/repository/acme/busybox/logs",  # queued at seed
        "/api/v1/repository/acme/redis/logs",
        "/api/v1/repository/globex/traefik/logs",
    ]
    assert "globex/traefik" in rows_of(html)
    panel = client.get("/repo/globex/traefik/status/", HTTP_HX_REQUEST="true")
    assert "badge-stuck" in panel.content.decode()


def test_filter_by_status_failed_keeps_the_counts_of_the_others(client_as, seen):
    client = client_as("alice")
    assert set(rows_of(seen(client, "/?status=fail")).values()) == {"fail"}
    for html in (full_page(client, "/?status=fail"), first_paint(client, "/?status=fail")):
        assert count_of(html, "success") > 0  # the other counts stay, as links


def test_search_by_name(client_as, seen):
    assert set(rows_of(seen(client_as("alice"), "/?q=nginx"))) == {"acme/nginx"}


def test_search_by_external_reference(client_as, seen):
    assert set(rows_of(seen(client_as("alice"), "/?q=quay.io/coreos"))) == {"acme/etcd"}


def test_an_unknown_status_filter_is_ignored(client_as, seen):
    assert "acme/nginx" in rows_of(seen(client_as("alice"), "/?status=<script>"))


def test_search_text_is_escaped(client_as, seen):
    html = seen(client_as("alice"), "/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in html
    assert "No mirror matches these filters" in html


def test_toggle_shows_repositories_not_mirrored(client_as, seen):
    html = seen(client_as("alice"), "/?normal=1")
    rows = rows_of(html)
    assert rows["acme/app"] == "normal"
    assert "Not mirrored" in row_html(html, "acme/app")
    assert list(rows.values())[-1] == "normal"  # after every mirror


def test_the_filters_a_phone_folds_say_how_many_are_set(client_as):
    client = client_as("alice")
    fold = re.compile(r"<summary>Filters<span[^>]*>([^<]*)</span></summary>")
    assert fold.findall(first_paint(client, "/?q=nginx")) == [""]  # the search is not folded
    html = first_paint(client, "/?ns=acme&status=fail&q=nginx")
    assert fold.findall(html) == [" (2 active)"]
    assert fold.findall(first_paint(client, "/?ns=acme&status=fail&normal=1")) == [" (3 active)"]


def test_htmx_filter_request_gets_the_results_fragment(client_as):
    html = first_paint(client_as("alice"), "/?status=fail", HTTP_HX_REQUEST="true")
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="results"')
    assert set(rows_of(html).values()) == {"fail"}


def test_without_htmx_the_whole_page(client_as):
    html = first_paint(client_as("alice"), "/?status=fail")
    assert "<html" in html and 'name="q"' in html


# -- upstream calls --------------------------------------------------------------------------


def test_upstream_calls_run_in_parallel(client_as, emulator, monkeypatch):
    """Two config reads meet at a barrier: one after the other, the first would wait for a
    second that never comes (and the barrier breaks). No clock in the assertion."""
    from dashboard.quay.client import QuayClient

    client = client_as("alice")
    barrier = threading.Barrier(2, timeout=30)
    met: list[str] = []
    real = QuayClient.get_mirror

    def get_mirror(self, namespace, name):
        if name in ("nginx", "redis"):
            barrier.wait()  # raises BrokenBarrierError if the other read never runs alongside
            met.append(name)
        return real(self, namespace, name)

    monkeypatch.setattr(QuayClient, "get_mirror", get_mirror)
    rows = rows_of(full_page(client, "/?ns=acme"))
    assert sorted(met) == ["nginx", "redis"]
    assert rows["acme/nginx"] == "success" and rows["acme/redis"] == "success"
