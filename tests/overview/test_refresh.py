"""The overview tab's one refresh (POST /overview/refresh/): every active row in one request,
one mirror-health call per namespace, backing off while nothing changes, stopping when
nothing is active, and keeping every row as it was when it cannot refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.mirrors.overview.row_state import RowState
from tests.support.overview import (
    calls_since,
    first_paint,
    interval_of,
    refresh,
    refresh_element,
    row_html,
    rows_of,
    settle,
    watched_states,
)
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db

# alice's tests here let every read reach Quay (no_read_cache): they change Quay between two
# refreshes that, in a test, follow each other within the read cache's seconds.

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def test_one_refresh_for_the_tab_whatever_the_number_of_active_rows(alice, no_read_cache):
    html = first_paint(alice)
    assert html.count("data-poll-seconds=") == 1  # the refresh; no row polls a URL of its own
    element = refresh_element(html)
    assert 'hx-post="/overview/refresh/"' in element and interval_of(element) == 5
    assert "data-poll-on-visible" in element  # and at once when the tab is shown again
    assert {RowState.decode(s).full_name for s in watched_states(html)} == {
        "acme/alpine",
        "acme/busybox",
        "acme/python",  # from health: whether it is stuck is for its details to tell
    }


def test_a_refresh_costs_one_health_call_per_namespace_with_active_rows(
    alice, no_read_cache, emulator
):
    states = watched_states(settle(alice).html)  # acme/alpine, acme/busybox (acme/python: stuck)
    assert len(states) == 2
    before = len(emulator.requests_log())
    answer = refresh(alice, states)
    assert calls_since(emulator, before) == ["repository/mirror/health"]
    assert "<tr" not in answer  # nothing changed: no row is drawn again
    assert interval_of(refresh_element(answer)) == 10  # and the next waits longer


def test_a_stuck_sync_is_not_watched(alice, no_read_cache):
    python = row_html(settle(alice).html, "acme/python")
    assert 'data-status="stuck"' in python and " data-watch" not in python.split(">", 1)[0]


def test_refreshes_back_off_up_to_the_longest_interval_and_reset_on_a_change(
    alice, no_read_cache, emulator
):
    emulator.configure(sync_duration=600)  # busybox's sync, once claimed, runs a while
    states = watched_states(settle(alice).html)
    intervals = []
    interval = 5
    for _ in range(4):
        interval = interval_of(refresh_element(refresh(alice, states, interval)))
        intervals.append(interval)
    assert intervals == [10, 20, 30, 30]
    emulator.advance(70)  # acme/alpine's sync has ended; busybox's is claimed, still running
    answer = refresh(alice, states, 30)
    assert rows_of(answer) == {"acme/alpine": "success", "acme/busybox": "active"}
    assert interval_of(refresh_element(answer)) == 5  # something changed: soon again


def test_a_row_whose_status_changed_is_drawn_from_health_and_its_details_follow(
    alice, no_read_cache, emulator
):
    states = [s for s in watched_states(settle(alice).html) if s.startswith("acme/alpine")]
    emulator.advance(120)  # the sync is over
    before = len(emulator.requests_log())
    answer = refresh(alice, states)
    assert calls_since(emulator, before) == ["repository/mirror/health"]  # no config read
    alpine = row_html(answer, "acme/alpine")
    assert 'hx-swap-oob="true"' in alpine and 'data-need="details"' in alpine
    assert rows_of(answer)["acme/alpine"] in ("success", "fail")


def test_refreshing_stops_once_nothing_is_active(alice, no_read_cache, emulator):
    states = watched_states(settle(alice).html)
    emulator.advance(600)  # every sync is over
    answer = refresh(alice, states)
    element = refresh_element(answer)
    assert "hx-post" not in element and "hx-trigger" not in element
    assert set(rows_of(answer)) == {"acme/alpine", "acme/busybox"}
    # It says so, and since when: an idle page never learns that Quay went down, or that a
    # scheduled sync started (it said nothing, and looked as current as a refreshing one).
    words = text_of(element)
    assert "statuses as of" in words and "none is syncing, so they are not refreshed" in words


def test_an_idle_overview_says_it_does_not_refresh_and_a_busy_one_does_not(alice):
    idle = refresh_element(first_paint(alice, "/?ns=alice"))
    assert "hx-post" not in idle and "none is syncing" in text_of(idle)
    busy = refresh_element(first_paint(alice, "/?ns=acme"))
    assert "hx-post" in busy and "none is syncing" not in text_of(busy)


def test_a_failed_refresh_keeps_every_row_and_says_as_of_when(alice, no_read_cache, emulator):
    states = watched_states(settle(alice).html)
    as_of = int(datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC).timestamp())
    emulator.configure(fail={"/api/v1/repository/mirror/health": 502})
    answer = refresh(alice, states, 20, as_of)
    assert "<tr" not in answer  # every row stays as it was
    element = refresh_element(answer)
    assert 'class="refresh-status stale"' in element
    assert "As of 08:00:05 UTC" in element and "trying again by itself" in element
    assert "could not refresh the status of acme" in element and "HTTP 502" in element
    assert interval_of(element) == 5  # tries again, soon
    assert f'"as_of": {as_of}' in element  # and still says since when, if it fails again


def test_a_running_sync_is_checked_for_a_dead_worker_only_once_its_lease_can_have_run_out(
    alice, no_read_cache, emulator
):
    state = next(s for s in watched_states(settle(alice).html) if s.startswith("acme/alpine"))
    decoded = RowState.decode(state)
    assert decoded.poll.lease is not None  # from its config: claimed 30 s ago, for 12 h
    before = len(emulator.requests_log())
    refresh(alice, [state])
    assert calls_since(emulator, before) == ["repository/mirror/health"]
    past = decoded.with_poll(lease=datetime.now(UTC) - timedelta(seconds=1)).encode()
    before = len(emulator.requests_log())
    answer = refresh(alice, [past])
    assert calls_since(emulator, before) == [
        "repository/mirror/health",
        "repository/acme/alpine/mirror",  # is it stuck? its config tells: not (a new lease)
    ]
    assert rows_of(answer) == {"acme/alpine": "active"}


def test_a_queued_sync_waiting_too_long_is_found_stuck(alice, no_read_cache, emulator):
    emulator.configure(claim_delay=100_000)  # no worker picks it up
    state = next(s for s in watched_states(settle(alice).html) if s.startswith("acme/busybox"))
    decoded = RowState.decode(state)
    assert decoded.poll.queued is not None  # from the log, when its details were read
    long_ago = decoded.with_poll(queued=datetime.now(UTC) - timedelta(minutes=6)).encode()
    answer = refresh(alice, [long_ago])
    assert rows_of(answer) == {"acme/busybox": "stuck"}


def test_a_read_only_row_is_refreshed_from_health_alone(client_as, emulator, no_read_cache):
    carol = client_as("carol")
    states = watched_states(settle(carol).html)
    assert states and all("via=health" in s for s in states)
    emulator.advance(120)
    before = len(emulator.requests_log())
    answer = refresh(carol, states)
    assert calls_since(emulator, before) == ["repository/mirror/health"]
    alpine = row_html(answer, "acme/alpine")
    assert "read-only: from Quay's mirror health" in alpine and "data-need" not in alpine


def test_tabs_of_one_person_share_a_refresh_answer_younger_than_the_interval(client_as, emulator):
    client = client_as("alice")
    states = watched_states(settle(client).html)
    before = len(emulator.requests_log())
    for _ in range(3):  # three tabs refreshing within the same few seconds
        refresh(client, states, interval=30)
    health = [c for c in calls_since(emulator, before) if c == "repository/mirror/health"]
    assert len(health) <= 1  # the first may still find the page's own answer


def test_the_refresh_ignores_states_that_are_not_states(alice, no_read_cache, emulator):
    answer = refresh(alice, ["", "not a state", "acme/../x?s=BOGUS", "a" * 2000])
    assert "<tr" not in answer and "hx-post" not in refresh_element(answer)


def test_a_tabs_refreshes_keep_within_their_calls_a_minute(
    alice, no_read_cache, emulator, settings
):
    # One namespace with active rows (acme) at 6 calls a minute: no refresh sooner than 10 s,
    # not the first, not the one after a change.
    settings.OVERVIEW_REFRESH_CALLS_PER_MINUTE = 6
    emulator.configure(sync_duration=600)
    html = settle(alice).html
    assert interval_of(refresh_element(html)) == 10
    states = watched_states(html)
    assert interval_of(refresh_element(refresh(alice, states, 10))) == 20  # nothing changed
    emulator.advance(70)  # acme/alpine's sync has ended
    answer = refresh(alice, states, 20)
    assert "acme/alpine" in rows_of(answer)
    assert interval_of(refresh_element(answer)) == 10  # soon again, but within the pace
