"""The overview drawn before its details: what the first paint costs, the listing, and the
details in batches (one request for many rows), a slow or failing detail never holding the
page or the rest of its batch."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.overview import HX, first_paint, row_html, rows_of, settle

pytestmark = pytest.mark.django_db


def api_calls(emulator, before: int = 0) -> list[str]:
    return [e["path"].removeprefix("/api/v1/") for e in emulator.requests_log()[before:]]


def states_of(html: str, *names: str) -> list[str]:
    states = []
    for name in names:
        found = re.search(r'name="row" value="([^"]*)"', row_html(html, name))
        assert found, name
        states.append(unescape(found.group(1)))
    return states


def test_the_first_paint_draws_every_enabled_mirror_from_one_call_a_namespace(client_as, emulator):
    client = client_as("alice")
    before = len(emulator.requests_log())
    html = first_paint(client)
    calls = api_calls(emulator, before)
    # One health call per namespace (alice, acme, globex, initech): who alice is and that she
    # is no superuser were learned at sign-in a moment ago. No config, no log, no listing
    # before the page is drawn.
    assert calls == ["repository/mirror/health"] * 4
    rows = rows_of(html)
    assert rows["acme/etcd"] == "fail" and rows["acme/alpine"] == "active"
    assert rows["acme/nginx"] == "success" and rows["initech/loki"] == "never"
    assert "acme/golang" not in rows  # disabled: not in health; the listing brings it
    nginx = row_html(html, "acme/nginx")
    assert 'data-need="details"' in nginx and "details loading" in nginx
    assert "<form" not in nginx  # no press before the config says who may
    listing = re.search(r'<tbody id="listed" hx-get="([^"]+)" hx-trigger="load"', html)
    assert listing and listing.group(1).startswith("/overview/listing/?")


def test_a_superusers_first_paint_costs_the_global_health_alone(client_as, emulator):
    client = client_as("dave")
    before = len(emulator.requests_log())
    html = first_paint(client)
    assert api_calls(emulator, before) == ["repository/mirror/health"]  # no namespace: global
    assert rows_of(html)["globex/traefik"] == "fail"


def test_who_the_person_is_is_asked_again_once_older_than_a_minute(
    client_as, emulator, monkeypatch
):
    """The overview takes alice's namespaces from the last GET /user/ for
    OVERVIEW_PERSON_SECONDS (60); after that it asks again and keeps the answer for the next
    visits. (That she is no superuser is known from the sign-in's probe: not asked again.)"""
    from datetime import timedelta

    from django.core.cache import cache

    from dashboard.mirrors import clock

    client = client_as("alice")
    first_paint(client)
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    cache.clear()  # no answer of the read cache (5 s) either
    before = len(emulator.requests_log())
    first_paint(client)
    calls = api_calls(emulator, before)
    assert calls == ["user/"] + ["repository/mirror/health"] * 4
    cache.clear()
    before = len(emulator.requests_log())
    html = first_paint(client)
    assert api_calls(emulator, before) == ["repository/mirror/health"] * 4
    assert rows_of(html)["acme/etcd"] == "fail"


def test_a_revoked_token_is_signed_out_though_who_it_is_was_known(client_as, emulator):
    """No GET /user/ at the visit: the first call Quay answers 401 signs the person out."""
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/mirror/health": 401})
    response = client.get("/")
    emulator.configure(fail={})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_a_hanging_config_call_does_not_hold_the_page(client_as, emulator, settings):
    client = client_as("alice")
    settings.OVERVIEW_DETAILS_WAIT_SECONDS = 0.5
    emulator.configure(hang=["/api/v1/repository/acme/nginx/mirror"])
    html = first_paint(client)  # drawn: it reads no config
    assert rows_of(html)["acme/nginx"] == "success"
    states = states_of(html, "acme/nginx", "acme/redis")
    answer = client.get("/overview/details/", {"row": states}, **HX).content.decode()
    nginx = row_html(answer, "acme/nginx")  # its call is still hanging: the row says so
    assert "still waiting for Quay…" in nginx and 'data-need="details"' in nginx
    assert 'data-status="success"' in nginx  # and keeps the status it had
    redis = row_html(answer, "acme/redis")  # the rest of the batch is not held
    assert "docker.io/library/redis" in redis and 'data-need="details"' not in redis
    emulator.configure(hang=[])


def test_a_batch_of_details_is_one_request_for_many_rows(client_as, emulator):
    client = client_as("alice")
    html = first_paint(client)
    names = ["acme/nginx", "acme/redis", "acme/etcd", "globex/mysql", "initech/grafana"]
    before = len(emulator.requests_log())
    answer = client.get("/overview/details/", {"row": states_of(html, *names)}, **HX)
    text = answer.content.decode()
    assert sorted(api_calls(emulator, before)) == sorted(
        f"repository/{name}/mirror" for name in names
    )
    assert set(rows_of(text)) == set(names)
    assert text.count("<template>") == len(names)  # each row, out of band
    assert "docker.io/library/nginx" in row_html(text, "acme/nginx")
    assert 'action="/repo/acme/nginx/sync-now/"' in row_html(text, "acme/nginx")


def test_a_queued_rows_details_read_its_log_once(client_as, emulator):
    client = client_as("alice")
    html = first_paint(client)
    before = len(emulator.requests_log())
    answer = client.get("/overview/details/", {"row": states_of(html, "acme/busybox")}, **HX)
    assert sorted(api_calls(emulator, before)) == [
        "repository/acme/busybox/logs",  # when was it queued? (is it stuck?)
        "repository/acme/busybox/mirror",
    ]
    busybox = row_html(answer.content.decode(), "acme/busybox")
    assert re.search(r"queued=[1-9]", unescape(busybox))  # carried on: not read again


def test_the_listing_adds_what_health_does_not_name_for_the_listings_alone(client_as, emulator):
    client = client_as("alice")
    html = first_paint(client, "/?normal=1")
    url = unescape(re.search(r'<tbody id="listed" hx-get="([^"]+)"', html).group(1))
    before = len(emulator.requests_log())
    answer = client.get(url, **HX).content.decode()
    # The page's own answers (user, health) come from the read cache: the listings only.
    assert sorted(api_calls(emulator, before)) == ["repository"] * 4
    rows = rows_of(answer)
    assert rows["acme/golang"] == "pending" and rows["acme/node"] == "pending"
    assert rows["acme/app"] == "normal" and "acme/nginx" not in rows
    assert answer.lstrip().startswith('<tbody id="listed" data-listed>')


def test_the_listing_shows_what_health_names_but_the_person_cannot_see(client_as):
    client = client_as("bob")
    html = first_paint(client)
    assert 'data-need="details"' in row_html(html, "globex/mysql")  # not known yet
    url = unescape(re.search(r'<tbody id="listed" hx-get="([^"]+)"', html).group(1))
    answer = client.get(url, **HX).content.decode()
    mysql = row_html(answer, "globex/mysql")
    assert 'hx-swap-oob="true"' in mysql and "data-need" not in mysql  # final now
    assert "you have no rights on this repository" in mysql
    assert 'id="ro-globex"' in answer and "Read-only in <strong>globex</strong>" in answer


def test_a_search_by_source_holds_rows_until_their_details_tell(client_as):
    client = client_as("alice")
    html = first_paint(client, "/?q=coreos")
    nginx = row_html(html, "acme/nginx")  # its source is not known yet: hidden, held
    head = nginx.split(">", 1)[0]
    assert " data-held" in head and " hidden" in head and " data-uncounted" in head
    assert " data-priority" in head  # asked for at once, in view or not
    settled = settle(client, "/?q=coreos")
    assert set(rows_of(settled.html)) == {"acme/etcd"}


def test_a_status_health_cannot_tell_is_found_by_the_details(client_as):
    client = client_as("alice")
    html = first_paint(client, "/?status=stuck")
    shown = [row for row in re.findall(r"<tr id=[^>]*>", html) if " hidden" not in row]
    assert shown == []  # none is known to be stuck before its details
    assert " data-held" in row_html(html, "acme/python")
    assert "acme/debian" not in rows_of(html)  # cancelled: never stuck, not even held
    assert set(rows_of(settle(client, "/?status=stuck").html)) == {"acme/python", "globex/traefik"}


def test_details_of_a_person_who_may_not_read_configs_are_read_only_rows(client_as):
    client = client_as("carol")
    html = first_paint(client)
    answer = client.get("/overview/details/", {"row": states_of(html, "acme/nginx")}, **HX)
    text = answer.content.decode()
    nginx = row_html(text, "acme/nginx")
    assert "read-only: from Quay's mirror health" in nginx and 'name="repo"' not in nginx
    assert 'id="ro-acme"' in text and "Read-only in <strong>acme</strong>" in text


def test_a_batch_asks_for_fifty_rows_at_most(client_as, emulator):
    client = client_as("alice")
    state = states_of(first_paint(client), "acme/nginx")[0]
    others = [state.replace("acme/nginx?", f"acme/x{i}?") for i in range(60)]
    before = len(emulator.requests_log())
    client.get("/overview/details/", {"row": others}, **HX)
    assert len(api_calls(emulator, before)) == 50


def test_without_javascript_the_page_sends_the_browser_to_the_whole_page(client_as):
    client = client_as("alice")
    # Shows the sign-in's message, so it stays (presses/test_without_javascript.py).
    first_paint(client)
    html = first_paint(client, "/?ns=acme&q=ng")
    assert (
        '<noscript><meta http-equiv="refresh" content="0; url=?ns=acme&amp;q=ng&amp;details=all">'
        in html
    )
    assert (
        '<a href="?ns=acme&amp;q=ng&amp;details=all">Show every repository with its details</a>'
        in html
    )
    full = first_paint(client_as("alice"), "/?ns=acme&q=ng&details=all")
    assert '<noscript><meta http-equiv="refresh"' not in full and 'id="listed"' not in full
    assert '<input type="hidden" name="details" value="all">' in full  # the filters keep it
    assert "docker.io/library/nginx" in row_html(full, "acme/nginx")


def test_details_never_draw_an_answer_older_than_the_status_the_row_shows(client_as, emulator):
    """A refresh that saw a row's status change draws it from health; its details must not
    come from a config cached before that (it would put the old status back)."""
    from datetime import UTC, datetime, timedelta

    from dashboard.mirrors.overview.row_state import RowState

    client = client_as("alice")
    state = RowState.decode(states_of(first_paint(client), "acme/redis")[0])
    assert state is not None

    def details(at: datetime, since: datetime | None = None) -> None:
        row = state.with_poll(at=at, since=since).encode()
        client.get("/overview/details/", {"row": row}, **HX)

    drawn = datetime.now(UTC) - timedelta(seconds=1)
    before = len(emulator.requests_log())
    details(drawn)
    details(drawn)  # the answer of the first is newer than the row: used
    changed = datetime.now(UTC) + timedelta(seconds=1)
    details(changed, since=changed)  # a change a refresh saw after it: asked again
    assert api_calls(emulator, before) == ["repository/acme/redis/mirror"] * 2


def test_a_batch_asked_again_gets_what_its_slow_calls_brought_in(client_as, emulator, monkeypatch):
    """A row drawn a while ago takes an answer asked since, however long ago (older than
    the page's few seconds): a busy Quay's slow answers are not asked for again and again."""
    import time
    from datetime import UTC, datetime, timedelta

    from dashboard.mirrors.overview.row_state import RowState
    from dashboard.quay import cache as read_cache

    client = client_as("alice")
    state = RowState.decode(states_of(first_paint(client), "acme/redis")[0])
    assert state is not None
    long_ago = state.with_poll(at=datetime.now(UTC) - timedelta(seconds=40)).encode()
    before = len(emulator.requests_log())
    client.get("/overview/details/", {"row": long_ago}, **HX)
    later = time.time() + 20  # the answer came in 20 s ago: older than a page's 5 s
    monkeypatch.setattr(read_cache.time, "time", lambda: later)
    client.get("/overview/details/", {"row": long_ago}, **HX)
    assert api_calls(emulator, before) == ["repository/acme/redis/mirror"]


def test_a_row_whose_call_never_got_sent_is_asked_again_not_failed(client_as, emulator, settings):
    """The dashboard's calls to Quay were all in use (QUAY_MAX_INFLIGHT): nothing was sent,
    so the row waits for the next batch instead of saying its details failed."""
    import threading
    import time

    from dashboard.quay.client import QuayClient
    from tests.support.emulator import TOKENS

    client = client_as("alice")
    states = states_of(first_paint(client), "acme/nginx")
    settings.QUAY_MAX_INFLIGHT, settings.QUAY_TIMEOUT = 1, 0.5
    emulator.configure(hang=["/api/v1/repository/acme/redis/mirror"])
    holder = threading.Thread(
        target=lambda: _quietly(QuayClient(TOKENS["alice"], timeout=30).get_mirror, "acme", "redis")
    )
    holder.start()  # holds the one slot while its call hangs
    deadline = time.monotonic() + 10
    while emulator.control("GET", "stats")["inflight"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    answer = client.get("/overview/details/", {"row": states}, **HX).content.decode()
    nginx = row_html(answer, "acme/nginx")
    assert "still waiting for Quay…" in nginx and 'data-need="details"' in nginx
    assert "Details not shown" not in nginx
    emulator.configure(hang=[])
    holder.join(30)


def _quietly(call, *args) -> None:
    import contextlib

    from dashboard.quay.errors import QuayError

    with contextlib.suppress(QuayError):  # the hang ends as a gateway timeout
        call(*args)


def test_a_batch_of_details_says_times_in_the_persons_time_zone(client_as, emulator):
    # Each row's words are made on a worker thread: they must use the page's time zone too
    # (the status said "next run at 17:52 UTC" beside a Next sync of "18:52 CET").
    client = client_as("alice")
    client.cookies["tz"] = "Europe/Berlin"
    html = first_paint(client)
    answer = client.get("/overview/details/", {"row": states_of(html, "acme/nginx")}, **HX)
    nginx = row_html(answer.content.decode(), "acme/nginx")
    words = re.sub(r"<[^>]+>", " ", nginx)  # what the row says (attributes aside)
    assert "next run at" in words and "CET" in words and "UTC" not in words
