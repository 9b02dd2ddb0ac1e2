"""In the browser, a repository's status panel: Sync now and the status changing live, stuck
syncs, faults, and what one watching tab costs Quay (calls, counted). Cancel and a hidden
tab, for both kinds: test_presses_and_polls.py."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.support.browser import assert_not_reloaded, mark_page
from tests.support.emulator import Emulator

STATUS = "#status-body .status-line .status"


def status_of(page: Page):
    return page.locator(STATUS)


def test_sync_now_shows_queued_syncing_synced_without_reloading(
    signed_in_page, emulator: Emulator, screenshot
):
    emulator.configure(claim_delay=1, sync_duration=2)
    page = signed_in_page("alice", "/repo/acme/redis/")
    expect(status_of(page)).to_have_text("Synced")
    screenshot(page, "repository-synced")
    mark_page(page)

    page.get_by_role("button", name="Sync now").click()
    expect(status_of(page)).to_have_text("Queued")
    expect(page.locator(".action-result")).to_contain_text("Sync requested for acme/redis")
    expect(page.get_by_role("button", name="Sync now")).to_be_enabled()
    screenshot(page, "repository-queued")
    expect(status_of(page)).to_have_text("Syncing", timeout=8_000)
    expect(page.get_by_role("button", name="Sync now")).to_be_disabled()
    expect(page.locator("#sync-now-why")).to_contain_text("Quay does not start a second one")
    screenshot(page, "repository-syncing")
    expect(status_of(page)).to_have_text("Synced", timeout=8_000)
    expect(page.locator(".last-result")).to_contain_text("5 tags: 7.0, 7.2, 7.2.4, 7.4, latest")
    # Screen readers hear the change through the stable live region.
    expect(page.locator("#status-announce")).to_contain_text("Status of acme/redis: Synced")
    # Over, the next run hours away: once a minute, and the panel says so.
    expect(page.locator('#status-body[data-poll-seconds="60"]')).to_have_count(1)
    expect(page.locator(".refreshing")).to_contain_text("every minute while this tab is visible")
    # The press's message gave way to how its run ended.
    expect(page.locator(".action-result")).to_contain_text("Your Sync now ran and succeeded at")
    assert_not_reloaded(page)
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


def test_sync_now_works_from_the_keyboard_and_keeps_the_focus(signed_in_page, emulator: Emulator):
    emulator.configure(claim_delay=30)
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.locator("#sync-now-button").focus()
    page.keyboard.press("Enter")
    expect(status_of(page)).to_have_text("Queued")
    # The body was swapped; the focus is back on the (new) Sync now button.
    expect(page.locator("#sync-now-button")).to_be_focused()


def test_a_failing_sync_shows_failed_and_its_message(
    signed_in_page, emulator: Emulator, screenshot
):
    emulator.configure(claim_delay=1, sync_duration=1)
    page = signed_in_page("alice", "/repo/acme/broken/")
    page.get_by_role("button", name="Sync now").click()
    expect(status_of(page)).to_have_text("Failed", timeout=8_000)
    expect(page.locator(".last-result")).to_contain_text(
        "invalid status code from registry 404 (Not Found)"
    )
    expect(page.locator(".status-detail")).to_contain_text("(2 of 3 left)")
    screenshot(page, "repository-failed")


def test_the_stuck_sync_shows_the_badge_and_is_unstuck_with_cancel_then_sync_now(
    signed_in_page, emulator: Emulator, screenshot
):
    emulator.configure(claim_delay=1, sync_duration=1)
    page = signed_in_page("alice", "/repo/acme/python/")
    expect(status_of(page)).to_have_text("Stuck")
    expect(page.locator(".badge-stuck")).to_have_text("Stuck")
    expect(page.locator(".status-detail")).to_contain_text("12 h lease ran out 2 h ago")
    expect(page.locator(".stuck-remedy")).to_contain_text("Cancel it, then press Sync now.")
    expect(page.get_by_role("button", name="Sync now")).to_be_disabled()
    screenshot(page, "repository-stuck")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel sync").click()
    expect(status_of(page)).to_have_text("Cancelled")
    page.get_by_role("button", name="Sync now").click()
    expect(status_of(page)).to_have_text("Queued")
    expect(status_of(page)).to_have_text("Synced", timeout=8_000)
    expect(page.locator(".badge-stuck")).to_have_count(0)
    assert emulator.mirror("acme", "python")["sync_status"] == "SUCCESS"


def test_quay_failing_during_polling_shows_a_message_and_the_page_recovers(
    signed_in_page, emulator: Emulator, screenshot
):
    page = signed_in_page("alice", "/repo/acme/alpine/")
    expect(status_of(page)).to_have_text("Syncing")
    emulator.configure(fail={"/api/v1/repository/acme/alpine/mirror": 503})
    stale = page.locator("#status-stale")
    expect(stale).to_contain_text("could not refresh, trying again by itself. Quay had an")
    expect(stale).to_contain_text("As of")
    # The last-known panel stays: its status word, elapsed time and Cancel button.
    expect(status_of(page)).to_have_text("Syncing")
    expect(page.locator("#status-body .status-detail")).to_contain_text("running for")
    expect(page.get_by_role("button", name="Cancel sync")).to_be_visible()
    screenshot(page, "repository-quay-503")
    emulator.configure(fail={})
    expect(stale).to_be_empty(timeout=6_000)  # the panel kept asking, and recovered
    expect(status_of(page)).to_have_text("Syncing")
    page.get_by_role("link", name="← Overview").click()  # the page is still usable
    expect(page).to_have_url(page.url)


def test_quay_hanging_on_sync_now_shows_a_message_and_the_page_stays_usable(
    signed_in_page, emulator: Emulator, settings, screenshot
):
    settings.QUAY_TIMEOUT = 1.0
    page = signed_in_page("alice", "/repo/acme/redis/")
    emulator.configure(hang=["/api/v1/repository/acme/redis/mirror/sync-now"])
    page.get_by_role("button", name="Sync now").click()
    # The press's share of the 1 s: three quarters of what is left when it goes out (0.8 s,
    # or a little less when the machine is slow to get there).
    expect(page.locator(".action-result")).to_contain_text(
        re.compile(r"Quay did not answer within 0\.[1-8] s; acme/redis is now synced")
    )
    expect(page.locator(".action-result")).to_contain_text("may not have been requested")
    expect(status_of(page)).to_have_text("Synced")
    screenshot(page, "repository-quay-timeout")
    emulator.configure(hang=[])
    page.get_by_role("button", name="Sync now").click()
    expect(status_of(page)).to_have_text("Queued")


def test_polling_cost_per_open_tab(signed_in_page, emulator: Emulator, status_polls):
    """Upstream calls per minute for one tab watching a running sync: one call a poll."""
    emulator.configure(claim_delay=0.5, sync_duration=600)
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.get_by_role("button", name="Sync now").click()
    expect(status_of(page)).to_have_text("Syncing", timeout=8_000)
    polls = status_polls(page)
    emulator.control("DELETE", "requests")
    seconds = 20.0
    started = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    elapsed = time.monotonic() - started
    calls = [r for r in emulator.requests_log() if r["path"].startswith("/api/v1/")]
    per_minute = len(calls) * 60 / elapsed
    kinds = sorted({f"{r['method']} {r['path']}" for r in calls})
    assert kinds == ["GET /api/v1/repository/acme/redis/mirror"]
    assert abs(len(calls) - len(polls)) <= 1  # one call per poll (one may be in flight)
    assert len(polls) >= 5 and per_minute <= 31  # every 2 s at most: 30 a minute


def test_the_live_parts_follow_the_sync_to_its_end(signed_in_page, emulator: Emulator):
    """The press message goes once the status moves on, and the settings form's "a sync is
    running" warning is lifted when the sync ends."""
    emulator.configure(claim_delay=1, sync_duration=3)
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".action-result")).to_contain_text("Sync requested for acme/redis")
    expect(status_of(page)).to_have_text("Syncing", timeout=8_000)
    expect(page.locator(".action-result")).to_have_count(0)  # "Sync requested…" is gone
    page.reload()  # the form now says a sync is running
    expect(page.locator("#sync-warning")).to_contain_text("A sync is running now")
    expect(status_of(page)).to_have_text("Synced", timeout=10_000)
    expect(page.locator("#sync-warning")).to_contain_text(
        "The sync has ended: saving no longer disturbs it."
    )
