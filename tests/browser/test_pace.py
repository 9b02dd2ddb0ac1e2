"""In the browser, at desktop and phone width, for both kinds of mirror (issue 20, items 1, 2
and 10): a run Quay's worker starts on schedule shows on a page already open; a Sync now whose
run fails within seconds says so and why; an organization Cancel's answer lands even when a
poll comes while it is in flight."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, Route, expect

from dashboard.quay.dates import parse_quay_datetime
from tests.support.browser import PHONE, assert_no_sideways_scroll, assert_not_reloaded, mark_page
from tests.support.emulator import Emulator
from tests.support.kinds import Mirror, org, repo


@dataclass(frozen=True)
class Live:
    mirror: Mirror
    status: str  # the status word's element
    sync_now: str
    result: str  # the press's box
    running: str  # what the status says once the worker took it (a regular expression)


KINDS = {
    "repository": Live(
        repo("acme", "redis"),
        "#status-body .status-line .status",
        "#sync-now-button",
        "#status-result",
        "Queued|Syncing",
    ),
    "organization": Live(
        org("orgnew"),
        "#org-live .status-line .status",
        "#org-sync-now",
        "#org-result",
        "Queued|Discovering|Syncing",
    ),
}
WIDTHS = pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
EACH_KIND = pytest.mark.parametrize("kind", KINDS)


def open_page(signed_in_page, user: str, path: str, phone: bool) -> Page:
    page = signed_in_page(user, path)
    if phone:
        page.set_viewport_size(PHONE)
    return page


@WIDTHS
@EACH_KIND
def test_a_run_quay_starts_on_schedule_shows_on_a_page_already_open(
    signed_in_page, emulator: Emulator, screenshot, kind, phone
):
    """Real Quay: "Never synced · first run 17:26" stayed on screen until 17:27."""
    live = KINDS[kind]
    emulator.configure(claim_delay=1, sync_duration=20)
    now = parse_quay_datetime(emulator.control("POST", "clock", json={"advance": 0})["now"])
    start = (now + timedelta(seconds=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
    live.mirror.change_in_quay(emulator, sync_start_date=start)
    page = open_page(signed_in_page, live.mirror.admin, live.mirror.url, phone)
    expect(page.locator(live.status)).to_have_text(re.compile("Synced|Never synced"))
    mark_page(page)

    expect(page.locator(live.status)).to_have_text(re.compile(live.running), timeout=25_000)
    expect(page.locator(".status-body")).to_contain_text("every 2 s")
    assert_not_reloaded(page)
    if phone:
        assert_no_sideways_scroll(page)
    screenshot(page, f"{kind}-scheduled-run-noticed-{'phone' if phone else 'desktop'}")


FAILING = {
    "repository": ("acme/redis", "Your Sync now ran and failed at", "tls: failed to verify"),
    "organization": (
        "orgfail",
        "Your Sync now ran and its discovery failed at",
        "Project 'nosuchproject' not found on Harbor registry",
    ),
}


@WIDTHS
@EACH_KIND
def test_a_sync_now_whose_run_fails_within_seconds_says_so_and_why(
    signed_in_page, emulator: Emulator, screenshot, kind, phone
):
    """Real Quay takes a source that refuses TLS from SYNC_NOW straight to FAIL in ~2 s."""
    live = KINDS[kind]
    name, outcome, why = FAILING[kind]
    emulator.configure(claim_delay=2)
    if kind == "repository":
        emulator.control("POST", f"mirror/{name}/fail", json={"reason": "tls_error"})
        path, user = f"/repo/{name}/", "alice"
    else:
        path, user = f"/org/{name}/mirror/", "olivia"
    page = open_page(signed_in_page, user, path, phone)
    mark_page(page)
    page.locator(live.sync_now).click()
    expect(page.locator(live.result)).to_contain_text("Sync requested")

    expect(page.locator(live.result)).to_contain_text(outcome, timeout=10_000)
    expect(page.locator(live.result)).to_contain_text(why)
    expect(page.locator(live.status)).to_have_text("Failed")
    expect(page.locator(live.result)).not_to_contain_text("Sync requested")
    assert_not_reloaded(page)
    if phone:
        assert_no_sideways_scroll(page)
    screenshot(page, f"{kind}-sync-now-failed-at-once-{'phone' if phone else 'desktop'}")


@WIDTHS
def test_an_organization_cancels_answer_lands_even_with_a_poll_due_while_it_is_sent(
    signed_in_page, emulator: Emulator, status_polls, phone
):
    """1 in 4 against a real Quay: a poll swapped the live part away while Cancel was in
    flight, and the box kept "Sync requested … pressed at" beside Cancelled."""
    emulator.configure(claim_delay=60)  # queued all along: polled every 2 s
    live = KINDS["organization"]
    page = open_page(signed_in_page, "olivia", "/org/orgnew/mirror/", phone)
    page.locator(live.sync_now).click()
    expect(page.locator(live.result)).to_contain_text("Sync requested")

    def slowly(route: Route) -> None:
        time.sleep(3)  # Quay answers slowly: more than a poll's interval
        route.continue_()

    page.route(re.compile(r"/org/orgnew/mirror/cancel/$"), slowly)
    polls = status_polls(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#org-cancel").click()

    expect(page.locator(live.result)).to_contain_text("Cancel requested", timeout=10_000)
    expect(page.locator(live.result)).not_to_contain_text("Sync requested")
    expect(page.locator(live.status)).to_have_text(re.compile("Cancelling|Cancelled"))
    during = [url for url in polls]
    assert len(during) <= 1, during  # polls wait while the press is in flight


@WIDTHS
def test_an_idle_organization_mirror_page_refreshes_slowly_and_shows_a_change_made_in_quay(
    signed_in_page, emulator: Emulator, status_polls, settings, phone
):
    """Nothing runs or is due: a slow look that finds the config unchanged leaves the part as
    it is (1 call); a change made in Quay shows at the next one."""
    settings.STATUS_SLOW_POLL_SECONDS = 3
    live = KINDS["organization"]
    page = open_page(signed_in_page, "olivia", "/org/orgnew/mirror/", phone)
    expect(page.locator("#org-live")).to_have_attribute("data-poll-seconds", "3")
    expect(page.locator("#org-live .refreshing")).to_have_text(
        "· refreshes every 3 s while this tab is visible"
    )
    mark_page(page)
    polls = status_polls(page)
    page.wait_for_timeout(7_000)
    assert len(polls) >= 2, polls
    expect(page.locator(live.status)).to_have_text("Never synced")

    live.mirror.change_in_quay(emulator, sync_interval=7200)
    expect(page.locator("#org-live")).to_contain_text("Every 2 hours", timeout=8_000)
    assert_not_reloaded(page)
