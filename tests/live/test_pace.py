"""How soon a mirror's live part looks again, for both kinds (issue 20, item 1): at the page's
pace while something runs, around a run Quay's worker starts by itself (its next run time, the
retries Quay makes ~30 s after a failure), else once a minute while the tab is visible; and
what that costs Quay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dashboard.quay.dates import parse_quay_datetime
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
FAST = 'hx-trigger="md:poll" data-poll-seconds="2" data-poll-on-visible'
RETRIES = 'hx-trigger="md:poll" data-poll-seconds="10" data-poll-on-visible'  # Quay's ~30 s
SLOW = 'hx-trigger="md:poll" data-poll-seconds="60" data-poll-on-visible'


def live_head(body: str) -> str:
    found = re.search(r'<div id="(?:status-body|org-live)"[^>]*>', body)
    assert found, "no live part"
    return found.group(0)


def poll_url(body: str) -> str:
    found = re.search(r'hx-get="([^"]+)" hx-trigger', live_head(body))
    assert found, "the live part does not poll"
    return found.group(1).replace("&amp;", "&")


def seconds_to_next_poll(body: str) -> int:
    found = re.search(r'data-poll-seconds="(\d+)"', live_head(body))
    assert found, "the live part does not poll"
    return int(found.group(1))


def label(body: str) -> str:
    found = re.search(r"<span class=\"status status-\w+[^\"]*\">([^<]+)</span>", body)
    assert found
    return found.group(1)


def emulator_now(emulator):
    return parse_quay_datetime(emulator.control("POST", "clock", json={"advance": 0})["now"])


@for_each_kind(
    "mirror, first_words, running",
    repository=(repo("acme", "redis"), "next run at", ("Syncing", "Queued")),
    organization=(org("orgnew"), "first run", ("Discovering", "Queued", "Syncing")),
)
def test_a_run_quay_starts_on_schedule_while_the_page_is_open_is_noticed(
    client_as, emulator, no_read_cache, follow_emulator_clock, mirror, first_words, running
):
    """Real Quay: "Never synced · first run 17:26" stayed on screen until 17:27 with no poll
    while Quay had started at 17:26:05."""
    emulator.configure(claim_delay=2, sync_duration=30)
    follow_emulator_clock(0)
    start = emulator_now(emulator) + timedelta(seconds=20)
    mirror.change_in_quay(emulator, sync_start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    client = client_as(mirror.admin)

    body = text(client.get(mirror.url, **HX) if mirror.name == "" else client.get(mirror.url))
    assert first_words in text_of(body)
    # The next look comes when the run is due, not a minute later (nor never).
    assert 18 <= seconds_to_next_poll(body) <= 20

    follow_emulator_clock(21)  # due: Quay's worker takes it at its next pass
    body = text(client.get(poll_url(body), **HX))
    assert FAST in live_head(body)  # watched at the page's pace until it starts

    follow_emulator_clock(3)
    body = text(client.get(poll_url(body), **HX))
    assert label(body) in running
    assert FAST in live_head(body)


def test_a_failed_sync_is_watched_while_quay_retries_it_then_slows(
    client_as, emulator, no_read_cache, follow_emulator_clock
):
    """A failure keeps its start date: Quay's worker retries at its next pass (~30 s) while
    retries remain. Real Quay retried twice within 90 s."""
    emulator.configure(claim_delay=1, sync_duration=1)
    follow_emulator_clock(0)
    client = client_as("alice")
    body = text(client.get("/repo/acme/etcd/status/", **HX))
    assert label(body) == "Failed"
    assert "retrying within a minute (2 of 3 left)" in text_of(body)
    assert RETRIES in live_head(body)
    assert "Refreshes every 10 s" in text_of(body)

    seen = set()
    for _ in range(100):  # its failure is a 30 s timeout, its retry 30 s later
        follow_emulator_clock(2)
        body = text(client.get(poll_url(body), **HX))
        seen.add(re.sub(r"\s+", " ", text_of(body).split("Retries left")[1][:12]).strip())
        if "for the next run" in body:
            break
    assert any("1 of 3 left" in s for s in seen), seen  # the retry was seen
    assert "gave up on this run" in text_of(body)
    assert SLOW in live_head(body)  # nothing is due for hours: once a minute
    assert "Refreshes every minute while this tab is visible" in text_of(body)


def test_the_slow_refresh_costs_one_config_read_a_look(client_as, emulator, no_read_cache):
    client = client_as("alice")
    body = text(client.get("/repo/acme/redis/status/", **HX))
    assert SLOW in live_head(body)
    emulator.control("DELETE", "requests")
    for _ in range(3):
        body = text(client.get(poll_url(body), **HX))
        assert SLOW in live_head(body)
    calls = [(r["method"], r["path"]) for r in emulator.requests_log()]
    assert calls == [("GET", "/api/v1/repository/acme/redis/mirror")] * 3


def test_an_organization_mirrors_slow_refresh_reads_its_config_and_more_only_on_a_change(
    client_as, emulator, no_read_cache
):
    """A slow look that finds the config as it was draws nothing (the part stays): 1 call.
    One that finds a change reads the repositories too and draws the part again: 2."""
    client = client_as("olivia")
    body = text(client.get("/org/orgnew/mirror/"))
    assert SLOW in live_head(body)
    url = poll_url(body)
    assert "seen=" in url
    emulator.control("DELETE", "requests")
    for _ in range(3):
        response = client.get(url, **HX)
        assert response["HX-Reswap"] == "none"
        assert 'id="org-live"' not in text(response)
    calls = [(r["method"], r["path"]) for r in emulator.requests_log()]
    assert calls == [("GET", "/api/v1/organization/orgnew/mirror")] * 3

    org("orgnew").change_in_quay(emulator, sync_interval=7200)
    emulator.control("DELETE", "requests")
    body = text(client.get(url, **HX))
    assert "Every 2 hours" in text_of(body)
    calls = sorted(r["path"] for r in emulator.requests_log() if r["method"] == "GET")
    assert calls == [
        "/api/v1/organization/orgnew/mirror",
        "/api/v1/organization/orgnew/mirror/repositories",
    ]


def test_a_page_never_says_it_goes_on_refreshing_when_it_does_not(client_as, emulator):
    """The press's box stays while the pace changes: it says when it was pressed, and the
    live part says how it refreshes, each time it is drawn."""
    client = client_as("olivia")
    body = text(client.post("/org/orgnew/mirror/sync-now/", **HX))
    assert "goes on refreshing" not in body
    box = re.search(r'<div id="org-result" hx-swap-oob="innerHTML">(.*?)</div>', body, re.S)
    assert re.search(r"\(pressed at \d\d:\d\d:\d\d UTC\)", box.group(1))
    assert "refresh" not in box.group(1)
    assert FAST in live_head(body)
    assert '<span class="refreshing"> · refreshes every 2 s</span>' in body


def test_failed_repositories_of_an_organization_mirror_say_quay_retries_them_soon(
    client_as, emulator, no_read_cache
):
    """Real Quay retried both failed repositories twice within 90 s, while the page said it
    would retry them at the next interval."""
    emulator.advance(300)  # orgmirror's run ends with one repository failed
    body = text(client_as("olivia").get("/org/orgmirror/mirror/?poll=1", **HX))
    said = text_of(body)
    assert "Failed 1 of 5 repositories failed the last sync" in said  # skipped left out
    assert "Quay retries a failed repository at its worker's next pass, about 30 s later" in said
    assert "retries them at the next interval" not in said
    assert RETRIES in live_head(body)  # its retries are watched (every 10 s: ~30 s apart)
