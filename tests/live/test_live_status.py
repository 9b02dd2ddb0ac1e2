"""The live status of a mirror's page, for both kinds: it polls while a sync is queued or running
and stops once it is over; a poll that fails keeps the last status, marked stale; a sign-in
that ran out stops it with a banner; a read-only reader's polls bring no controls. The
repository's status panel in detail: stuck syncs through the emulator, one upstream call per
poll, faults as messages."""

from __future__ import annotations

import re

import pytest

from tests.support.emulator import free_port
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
TRIGGER = 'hx-trigger="md:poll" data-poll-seconds="2"'
#: The slow refresh of a status that nothing moves soon (once a minute while visible).
SLOW = 'hx-trigger="md:poll" data-poll-seconds="60" data-poll-on-visible'


def poll_url(body: str) -> str:
    """The URL the fragment asks next (what htmx would request)."""
    found = re.search(r'hx-get="([^"]+)" hx-trigger', body)
    assert found, "the fragment does not poll"
    return found.group(1).replace("&amp;", "&")


def label(body: str) -> str:
    found = re.search(r"<span class=\"status status-\w+[^\"]*\">([^<]+)</span>", body)
    assert found
    return found.group(1)


#: The element each kind's live part is (and polls from).
LIVE = {"repository": 'id="status-body"', "organization": 'id="org-live"'}


def live_head(body: str) -> str:
    """The opening tag of the live part in an answer."""
    found = re.search(r'<div id="(?:status-body|org-live)"[^>]*>', body)
    assert found, "no live part"
    return found.group(0)


# -- both paths ----------------------------------------------------------------------------------


@for_each_kind(
    "mirror, live_url, shown",
    repository=(repo("acme", "redis"), "/repo/acme/redis/status/", ">Synced<"),
    organization=(org("orgmirror"), "/org/orgmirror/mirror/?poll=1", "Syncing"),
)
def test_htmx_gets_the_fragment_and_a_browser_gets_a_page(
    client_as, emulator, mirror, live_url, shown
):
    client = client_as(mirror.admin)
    fragment = client.get(live_url, **HX)
    assert fragment.status_code == 200
    assert "<html" not in text(fragment)
    assert LIVE[mirror.kind] in text(fragment)
    assert "Vary" in fragment and "HX-Request" in fragment["Vary"]
    page = client.get(live_url)
    assert "<html" in text(page)
    assert 'aria-live="polite"' in text(page)
    assert shown in text(page)


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgmirror"))
def test_it_requires_sign_in(client, emulator, mirror):
    response = client.get(mirror.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    polled = client.get(mirror.poll_url, **HX)  # a poll: a banner, polling stops
    assert polled.status_code == 286 and polled["HX-Retarget"] == "#messages"


@for_each_kind(
    "mirror, polls, ended, after",
    repository=(
        repo("acme", "alpine"),  # its sync ends a minute after the seed
        "/repo/acme/alpine/status/?poll=1&was=Syncing",
        "Synced",
        SLOW,  # the next run is hours away
    ),
    organization=(
        org("orgmirror"),
        "/org/orgmirror/mirror/?poll=1",
        "Failed 1 of 5 repositories failed the last sync",  # the skipped one left out
        TRIGGER.replace('"2"', '"10"'),  # Quay retries at its worker's next pass: watched
    ),
)
def test_a_poll_after_the_sync_ended_goes_on_at_the_pace_of_what_comes_next(
    client_as, emulator, no_read_cache, mirror, polls, ended, after
):
    client = client_as(mirror.admin)
    assert TRIGGER in live_head(text(client.get(polls, **HX)))
    emulator.advance(300)
    body = text(client.get(polls, **HX))
    assert after in live_head(body)
    assert ended in text_of(body)


@pytest.mark.parametrize("status", [500, 503])
@for_each_kind(
    "mirror, first_view, stale, fresh",
    repository=(
        repo("acme", "alpine"),
        "/repo/acme/alpine/status/",
        r"As of \d\d:\d\d:\d\d UTC</strong> — could not refresh, trying",
        '<p id="status-stale" class="stale-note" role="status"></p>',
    ),
    organization=(
        org("orgmirror"),
        "/org/orgmirror/mirror/",
        r"As of the last refresh — could not refresh",
        '<p id="status-stale" class="stale-note" role="status"></p>',
    ),
)
def test_a_poll_that_fails_keeps_the_last_status_marked_stale(
    client_as, emulator, no_read_cache, mirror, first_view, stale, fresh, status
):
    client = client_as(mirror.admin)
    url = poll_url(text(client.get(first_view, **HX)))
    emulator.configure(fail={f"/api/v1/{mirror.api.removesuffix('/mirror')}": status})
    response = client.get(url, **HX)
    assert response.status_code == 200
    body = text(response)
    # The last-known status stays on the page (status, elapsed time, buttons): nothing is
    # swapped but the stale note, which says since when it is not up to date.
    assert response["HX-Reswap"] == "none"
    assert 'id="status-stale"' in body and "hx-swap-oob=" in body
    assert re.search(stale, body)
    assert "Quay had an internal problem" in body
    assert LIVE[mirror.kind] not in body  # the live part is not replaced
    emulator.configure(fail={})
    again = text(client.get(url, **HX))  # the same element polls the same URL again
    assert LIVE[mirror.kind] in again and "Syncing" in text_of(again)  # as Quay has it now
    assert fresh in again  # the note cleared


@for_each_kind("mirror", repository=repo("acme", "alpine"), organization=org("orgmirror"))
def test_a_revoked_sign_in_during_a_poll_stops_it_with_a_sign_in_banner(
    client_as, emulator, no_read_cache, mirror
):
    client = client_as(mirror.admin)
    url = poll_url(text(client.get(mirror.url)))
    emulator.configure(fail={f"/api/v1/{mirror.api}": 401})
    response = client.get(url, **HX)
    assert response.status_code == 286  # the page (and any unsaved edits) stays
    assert response["HX-Retarget"] == "#messages"
    assert "/accounts/login/?next=" in text(response)


@for_each_kind(
    "mirror, admin_only, words, read_only_polls",
    repository=(
        repo("acme", "alpine"),
        ['id="sync-now-button"', 'id="sync-cancel-button"'],
        "You can read but not change this mirror",
        "ro=1",  # its polls carry that the reader may not change it
    ),
    organization=(
        org("orgmirror"),
        [
            f"/org/orgmirror/mirror/{control}"
            for control in ("sync-now/", "cancel/", "verify/", "delete/", "settings/")
        ],
        "You can read but not change this organization mirror",
        "",  # its polls are read as the person who asks
    ),
)
def test_a_read_only_reader_gets_no_controls_and_the_polls_keep_it_so(
    client_as, emulator, mirror, admin_only, words, read_only_polls
):
    html = text(client_as("dave").get(mirror.url))  # global read-only superuser
    assert words in text_of(html)
    for control in admin_only:
        assert control not in html, control
    url = poll_url(html)
    assert read_only_polls in url
    polled = text(client_as("dave").get(url, **HX))
    assert words in text_of(polled)
    for control in admin_only:
        assert control not in polled, control
    # An admin keeps them.
    admin = text(client_as(mirror.admin).get(mirror.url))
    for control in admin_only:
        assert control in admin, control
    if read_only_polls:
        assert read_only_polls not in poll_url(admin)


def test_a_read_only_reader_reads_what_quay_lets_him_read(dave, emulator):
    words = text_of(dave.get("/org/orgmirror/mirror/"))
    assert "Discovered repositories" in words  # what he may read, he reads


# -- polling starts and stops --------------------------------------------------------------------


def test_the_panel_polls_while_queued_and_syncing_and_stops_once_synced(client_as, emulator):
    emulator.configure(claim_delay=1, sync_duration=2)
    client = client_as("alice")
    body = text(client.post("/repo/acme/redis/sync-now/", **HX))
    assert label(body) == "Queued" and TRIGGER in body

    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Queued" and TRIGGER in body

    emulator.advance(1.5)
    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Syncing" and TRIGGER in body
    assert "Running since" in body and "Lease expires" in body
    # The status change is announced to screen readers.
    assert 'id="status-announce" hx-swap-oob="innerHTML">Status of acme/redis: Syncing' in body

    emulator.advance(2.5)
    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Synced"
    assert SLOW in body  # the next run is hours away
    assert "Status of acme/redis: Synced" in body
    # The press's message gives way to how its run ended.
    assert re.search(
        r'<div id="status-result" hx-swap-oob="innerHTML"><p class="message message-success '
        r'action-result press-outcome">Your Sync now ran and succeeded at \d\d:\d\d:\d\d UTC: '
        r"5 tags: 7.0, 7.2, 7.2.4, 7.4, latest.</p>",
        body,
    )
    assert "Last result" in body and "5 tags: 7.0, 7.2, 7.2.4, 7.4, latest" in body


def test_a_status_nothing_moves_soon_refreshes_slowly(client_as, emulator):
    client = client_as("alice")
    for full_name in ("acme/redis", "acme/debian", "acme/golang", "acme/ubuntu"):
        body = text(client.get(f"/repo/{full_name}/status/", **HX))
        assert SLOW in body, full_name
    for full_name in ("acme/alpine", "acme/busybox"):
        assert TRIGGER in text(client.get(f"/repo/{full_name}/status/", **HX)), full_name


def test_a_failing_sync_shows_failed_and_skopeos_message(client_as, emulator):
    emulator.configure(claim_delay=1, sync_duration=1)
    client = client_as("alice")
    body = text(client.post("/repo/acme/broken/sync-now/", **HX))
    emulator.advance(2.5)
    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Failed"
    # acme/broken's start date is tomorrow: a FAIL keeps it, so the retry waits for it.
    assert re.search(r"retrying at .* \(in (23 h 59 min|1 d)\) \(2 of 3 left\)", body)
    assert "invalid status code from registry 404 (Not Found)" in body
    assert SLOW in body


def test_a_cancelled_sync_stops_polling_and_says_scheduled_syncs_are_paused(client_as, emulator):
    client = client_as("alice")
    body = text(client.get("/repo/acme/alpine/status/", **HX))
    assert TRIGGER in body
    body = text(client.post("/repo/acme/alpine/cancel/", {"confirm": "yes"}, **HX))
    assert label(body) == "Cancelled"
    assert "scheduled syncs are paused until Sync now" in body
    assert SLOW in body
    assert "Cancel sync" not in body  # nothing left to cancel


def test_buttons_follow_the_status(client_as, emulator):
    client = client_as("alice")
    syncing = text(client.get("/repo/acme/alpine/status/", **HX))
    assert re.search(r'class="sync-now" disabled aria-describedby="sync-now-why"', syncing)
    assert "Sync now is off while a sync is running" in syncing
    assert "Cancel sync" in syncing
    queued = text(client.get("/repo/acme/busybox/status/", **HX))
    assert 'class="sync-now">' in queued and "Cancel sync" in queued
    synced = text(client.get("/repo/acme/redis/status/", **HX))
    assert 'class="sync-now">' in synced and "Cancel sync" not in synced


# -- one upstream call per poll ------------------------------------------------------------------


def test_each_poll_costs_one_upstream_call(client_as, emulator):
    client = client_as("alice")
    body = text(client.get("/repo/acme/busybox/status/", **HX))  # first view: config + log
    url = poll_url(body)
    assert "queued=" in url  # the panel carries what it learnt from the log
    emulator.control("DELETE", "requests")
    for _ in range(5):
        body = text(client.get(url, **HX))
        url = poll_url(body)
    calls = [(r["method"], r["path"]) for r in emulator.requests_log()]
    assert calls == [("GET", "/api/v1/repository/acme/busybox/mirror")] * 5


# -- stuck, through the emulator's seed ----------------------------------------------------------


def test_the_seeded_stuck_sync_shows_the_badge_and_is_unstuck_with_cancel_then_sync_now(
    client_as, emulator
):
    emulator.configure(claim_delay=1, sync_duration=1)
    client = client_as("alice")
    body = text(client.get("/repo/acme/python/status/", **HX))
    assert label(body) == "Stuck"
    assert 'class="status status-stuck badge badge-stuck">Stuck<' in body
    assert "the worker claimed this sync 14 h ago and its 12 h lease ran out 2 h ago" in body
    assert "Cancel it, then press Sync now." in body
    assert SLOW in body  # a dead worker's sync does not move by itself

    body = text(client.post("/repo/acme/python/cancel/", {"confirm": "yes"}, **HX))
    assert label(body) == "Cancelled"
    body = text(client.post("/repo/acme/python/sync-now/", **HX))
    assert label(body) == "Queued"
    emulator.advance(2.5)
    assert label(text(client.get(poll_url(body), **HX))) == "Synced"
    assert emulator.mirror("acme", "python")["sync_status"] == "SUCCESS"


def test_a_sync_now_that_no_worker_picks_up_becomes_stuck(
    client_as, emulator, follow_emulator_clock
):
    emulator.configure(claim_delay=3600)  # the workers are down
    client = client_as("alice")
    body = text(client.get("/repo/acme/busybox/status/", **HX))
    assert label(body) == "Queued"
    follow_emulator_clock(6 * 60)
    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Stuck"
    assert "queued 6 min ago and no worker has picked it up" in body
    assert TRIGGER in body  # a worker may still come back
    assert "Cancel sync" in body


def test_a_scheduled_run_that_never_starts_is_stuck(client_as, emulator, follow_emulator_clock):
    emulator.configure(claim_delay=3600)
    follow_emulator_clock(2 * 86400 + 30 * 60)  # acme/ubuntu's first run was due 30 min ago
    body = text(client_as("alice").get("/repo/acme/ubuntu/status/", **HX))
    assert label(body) == "Stuck"
    assert "the scheduled run was due 30 min ago and has not started" in body


def test_a_failed_mirror_retrying_says_so_and_one_that_gave_up_says_when_next(client_as, emulator):
    client = client_as("alice")
    body = text(client.get("/repo/acme/etcd/status/", **HX))
    assert "retrying within a minute (2 of 3 left)" in body
    body = text(client.get("/repo/acme/postgres/status/", **HX))
    assert "gave up; no retry until Sync now" in body


def test_a_failed_mirror_that_used_its_retries_says_when_it_tries_next(client_as, emulator):
    emulator.configure(claim_delay=1, sync_duration=1)
    emulator.advance(120)  # acme/etcd fails its two remaining retries
    body = text(client_as("alice").get("/repo/acme/etcd/status/", **HX))
    assert label(body) == "Failed"
    assert re.search(
        r"gave up on this run \(no retries left\); 3 tries again at .* \(in \d+ h", body
    )
    # "at 23:39 UTC" today, "at Nov 28 00:01 UTC" when the next run is on another day
    assert re.search(
        r"<dt>Retries left</dt><dd>3, for the next run at (\w{3} \d+ )?\d\d:\d\d UTC</dd>", body
    )
    assert "3 of 3" not in body


# -- faults: a message, never a 500 --------------------------------------------------------------


def test_quay_down_on_first_view_is_a_message_with_a_way_to_retry(client_as, emulator, settings):
    client = client_as("alice")
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    for extra in (HX, {}):
        response = client.get("/repo/acme/redis/status/", **extra)
        assert response.status_code == 200
        assert "Could not read the status from Quay: Quay cannot be reached right now" in text(
            response
        )
        assert "Try again" in text(response)


def test_quay_hanging_is_a_message_in_time(client_as, emulator, settings):
    settings.QUAY_TIMEOUT = 0.5
    client = client_as("alice")
    emulator.configure(hang=["/api/v1/repository/acme/redis"])
    try:
        body = text(client.get("/repo/acme/redis/status/?poll=1&was=Syncing", **HX))
    finally:
        emulator.configure(hang=[])
    assert "Quay took too long to answer" in body


def test_no_rights_and_missing_config_are_said_in_the_panel(client_as, emulator):
    body = text(client_as("carol").get("/repo/acme/redis/status/", **HX))
    assert "you need admin rights here" in body
    assert "hx-trigger" not in body
    client = client_as("alice")
    body = text(client.get("/repo/acme/node/status/", **HX))
    assert "acme/node is set to mirror but has no mirror config yet" in body
    body = text(client.get("/repo/acme/nosuch/status/", **HX))
    assert "Quay has no repository acme/nosuch that you can see" in body


def test_poll_parameters_are_checked(client_as, emulator):
    client = client_as("alice")
    body = text(client.get("/repo/acme/redis/status/?poll=1&was=<script>&queued=abc", **HX))
    assert "<script>" not in body
    assert label(body) == "Synced"


def test_each_poll_of_a_running_sync_costs_one_upstream_call(client_as, emulator):
    """Fifty polls, fifty calls (what a poll takes in time is bench/status_poll.py's). The
    mirror is acme/python, whose sync's worker died: it stays as it is however slow the
    machine (acme/alpine's sync would end within a minute)."""
    client = client_as("alice")
    url = "/repo/acme/python/status/?poll=1&was=Syncing"
    emulator.control("DELETE", "requests")
    for _ in range(50):
        assert label(text(client.get(url, **HX))) == "Stuck"
    calls = [r for r in emulator.requests_log() if r["user"] == "alice"]
    assert [c["path"] for c in calls] == ["/api/v1/repository/acme/python/mirror"] * 50


def test_a_queued_sync_whose_log_cannot_be_read_still_costs_one_call_per_poll(client_as, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/busybox/logs": 503})
    client = client_as("alice")
    body = text(client.get("/repo/acme/busybox/status/", **HX))
    assert label(body) == "Queued"
    url = poll_url(body)
    assert "queued=0" in url  # looked, found nothing: do not look again
    emulator.control("DELETE", "requests")
    for _ in range(3):
        url = poll_url(text(client.get(url, **HX)))
    calls = [(r["method"], r["path"]) for r in emulator.requests_log()]
    assert calls == [("GET", "/api/v1/repository/acme/busybox/mirror")] * 3


def test_the_press_message_goes_when_the_status_moves_on(client_as, emulator):
    client = client_as("alice")
    body = text(client.get("/repo/acme/alpine/status/?poll=1&was=Queued", **HX))
    assert label(body) == "Syncing"
    assert '<div id="status-result" hx-swap-oob="innerHTML"></div>' in body
    same = text(client.get("/repo/acme/alpine/status/?poll=1&was=Syncing", **HX))
    assert 'id="status-result"' not in same  # unchanged: a press's message stays


def test_a_panel_without_config_does_not_say_no_repository_when_quay_failed_to_answer(
    client_as, emulator
):
    """404 for the config, then 500 for the repository: only "no config" is known."""
    emulator.configure(
        fail={"/api/v1/repository/acme/node": 500, "/api/v1/repository/acme/node/mirror": 404}
    )
    body = text(client_as("alice").get("/repo/acme/node/status/?poll=1", **HX))
    assert "acme/node has no mirror config" in body
    assert "the repository could not be checked" in body
    assert "no repository" not in body


ANNOUNCE = re.compile(r'<span id="status-announce" hx-swap-oob="innerHTML">([^<]*)</span>')


@for_each_kind(
    "mirror, announced, box",
    repository=(
        repo("acme", "alpine"),
        "Status of acme/alpine: Cancelled, ",
        "The sync has ended: saving no longer disturbs it.",  # over: the box is lifted
    ),
    organization=(
        org("orgmirror"),
        "Status of orgmirror: Cancelling, ",
        '<input type="hidden" name="box" value="1">',  # still under way: the box stays
    ),
)
def test_the_screen_reader_line_says_the_status_a_cancel_leaves(
    client_as, emulator, mirror, announced, box
):
    """The answer to Cancel shows the status the Cancel left: the screen-reader line
    (``#status-announce``, out of band) says it at once, not the "Syncing" it said before;
    the press carries whether the page shows the settings form's box about the sync."""
    client = client_as(mirror.admin)
    answer = text(client.post(mirror.path("cancel"), {"confirm": "yes", "box": "1"}, **HX))
    said = ANNOUNCE.findall(answer)
    assert len(said) == 1 and said[0].startswith(announced)
    assert box in answer


@for_each_kind(
    "mirror, polls, announced",
    repository=(
        repo("acme", "alpine"),  # its sync ends a minute after the seed
        "/repo/acme/alpine/status/?poll=1&was=Syncing",
        "Status of acme/alpine: Synced, ",
    ),
    organization=(
        org("orgmirror"),
        "/org/orgmirror/mirror/?poll=1&was=Syncing",
        "Status of orgmirror: Failed, ",  # broken's tags cannot be listed
    ),
)
def test_the_screen_reader_line_says_a_status_seen_change_and_only_then(
    client_as, emulator, no_read_cache, mirror, polls, announced
):
    client = client_as(mirror.admin)
    assert ANNOUNCE.findall(text(client.get(polls, **HX))) == []  # still syncing: nothing
    emulator.advance(300)
    said = ANNOUNCE.findall(text(client.get(polls, **HX)))
    assert len(said) == 1 and said[0].startswith(announced)
