"""In the browser: signing in through Quay's OAuth pages, the main pages as a person sees them
(each one screenshotted into test-results/screenshots/), and the pages without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import Emulator


def test_sign_in_through_quays_oauth_pages(page: Page, dashboard: str, screenshot):
    page.goto(f"{dashboard}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot(page, "01-sign-in")
    page.get_by_role("button", name="Sign in with Quay").click()

    # Quay's own sign-in form (the emulator's), then its consent page.
    expect(page.locator("#username")).to_be_visible()
    screenshot(page, "02-quay-sign-in")
    page.locator("#username").fill("alice")
    page.locator("#password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Authorize Application")).to_be_visible()
    screenshot(page, "03-quay-consent")
    page.get_by_role("button", name="Authorize Application").click()

    # Back on the dashboard, signed in as alice (the state travelled in the callback path).
    expect(page).to_have_url(f"{dashboard}/")
    expect(page.locator("#messages")).to_contain_text("Signed in to Quay as alice")
    expect(page.locator(".who")).to_have_text("alice")


def test_the_overview_lists_the_seeded_mirrors_with_their_statuses(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    for repo, words in [
        ("acme/python", "Stuck"),
        ("acme/etcd", "Failed"),
        ("acme/debian", "Cancelled"),
        ("acme/redis", "Synced"),
        ("acme/ubuntu", "Never synced"),
    ]:
        row = page.locator("tr", has=page.get_by_role("link", name=repo, exact=True))
        expect(row.first).to_contain_text(words)
    screenshot(page, "04-overview")


def test_the_repository_page_and_its_live_panel(signed_in_page, screenshot):
    page = signed_in_page("alice", "/repo/acme/alpine/")
    panel = page.locator(".status-panel")
    expect(panel.get_by_role("heading", name="Status")).to_be_visible()
    expect(panel.locator("#status-announce")).to_have_attribute("aria-live", "polite")
    expect(panel.locator("#status-body")).to_have_attribute("hx-trigger", "md:poll")
    expect(panel.locator("#status-body")).to_have_attribute("data-poll-seconds", "2")
    screenshot(page, "05-repository-syncing")
    page.goto(page.url.replace("/repo/acme/alpine/", "/repo/acme/python/"))
    expect(page.locator(".badge-stuck")).to_be_visible()
    screenshot(page, "06-repository-stuck")


def test_the_audit_trail_after_a_sync_now(signed_in_page, emulator: Emulator, screenshot):
    page = signed_in_page("bob", "/repo/acme/redis/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".action-result")).to_contain_text("Sync requested")
    page.goto(page.url.split("/repo/")[0] + "/audit/")
    expect(page.locator("main")).to_contain_text("acme/redis")
    screenshot(page, "07-audit")


def test_the_audit_trail_fits_a_phone(signed_in_page, screenshot):
    """Every outcome's words wrap on a phone, the longest one included."""
    from dashboard.mirrors.models import AuditEntry

    AuditEntry.objects.create(
        username="alice",
        namespace="acme",
        repository="nginx",
        action="sync_now",
        outcome=AuditEntry.Outcome.UNKNOWN,
    )
    page = signed_in_page("alice", "/audit/")
    page.set_viewport_size(PHONE)
    expect(page.locator(".audit-outcome")).to_have_text(
        "outcome unknown: Quay did not answer in time"
    )
    assert_no_sideways_scroll(page)
    screenshot(page, "audit-phone")


def test_without_javascript_cancel_asks_on_a_page_and_then_cancels(
    browser: Browser, dashboard: str, emulator: Emulator, screenshot
):
    from tests.support.emulator import TOKENS

    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{dashboard}/accounts/login/?next=/repo/acme/alpine/")
        page.get_by_label("Access token").fill(TOKENS["alice"])
        page.get_by_role("button", name="Sign in with token").click()
        expect(page.locator(".status-line .status")).to_have_text("Syncing")
        # Nothing refreshes without JavaScript: the page does not say it does.
        expect(page.locator(".refreshing")).to_be_hidden()
        page.get_by_role("button", name="Cancel sync").click()

        expect(page.get_by_role("heading", name="Cancel the sync of acme/alpine?")).to_be_visible()
        expect(page.locator("main")).to_contain_text(
            "scheduled syncs stay paused until someone presses Sync now"
        )
        screenshot(page, "08-cancel-confirmation-no-js")
        assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"
        page.get_by_role("button", name="Cancel the sync").click()

        expect(page).to_have_url(f"{dashboard}/repo/acme/alpine/")
        expect(page.locator("#messages")).to_contain_text("Sync of acme/alpine cancelled")
        expect(page.locator(".status-line .status")).to_have_text("Cancelled")
        assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"

        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#messages")).to_contain_text("Sync requested for acme/alpine")
        expect(page.locator(".status-line .status")).to_have_text("Queued")
        screenshot(page, "09-repository-no-js")
    finally:
        context.close()


def test_without_javascript_a_press_on_the_whole_overview_comes_back_to_it_with_its_answer(
    browser: Browser, dashboard: str, emulator: Emulator, screenshot
):
    """``/`` sends a browser without JavaScript on to ``?details=all``; a row's Sync now, a
    row's Cancel (after its page) and a bulk press come back there, their answer on top."""
    from tests.support.emulator import TOKENS

    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{dashboard}/accounts/login/?next=/")
        page.get_by_label("Access token").fill(TOKENS["alice"])
        page.get_by_role("button", name="Sign in with token").click()
        # The page drawn from health stays while it has a message to show, with the link on.
        expect(page.locator("#messages")).to_contain_text("Signed in to Quay as alice")
        page.get_by_role("link", name="Show every repository with its details").click()
        whole = f"{dashboard}/?details=all"
        expect(page).to_have_url(whole)

        page.get_by_role("button", name="Sync now acme/redis").click()
        expect(page).to_have_url(whole)
        expect(page.locator("#messages")).to_contain_text("Sync requested for acme/redis")
        redis = page.locator("tr[data-repo='acme/redis']")
        expect(redis.locator(".status")).to_have_text("Queued")
        page.reload()  # the way into /?details=all again: the message was shown once
        expect(page.locator("#messages")).not_to_contain_text("Sync requested")

        page.get_by_role("button", name="Cancel the sync of acme/alpine").click()
        expect(page.get_by_role("heading", name="Cancel the sync of acme/alpine?")).to_be_visible()
        page.get_by_role("button", name="Cancel the sync").click()
        expect(page).to_have_url(whole)
        expect(page.locator("#messages")).to_contain_text("Sync of acme/alpine cancelled")

        page.get_by_label("Select acme/nginx").check()
        page.get_by_label("Select globex/mysql").check()
        page.locator("#bulk").get_by_role("button", name="Sync now").click()
        expect(page).to_have_url(whole)
        expect(page.locator("#messages .bulk-results")).to_contain_text("Sync now: 2 of 2 done.")
        screenshot(page, "overview-press-no-js")
        assert emulator.mirror("globex", "mysql")["sync_status"] == "SYNC_NOW"
    finally:
        context.close()


def test_the_mirror_pages_link_into_quay_on_a_phone_too(page: Page, signed_in_page, screenshot):
    """The repository, its mirroring settings and its robot (an organization mirror's: the
    organization, its mirroring settings, its robot), in Quay's own UI, in sight at the top."""
    for user, path, kind, first, robot in (
        ("alice", "/repo/acme/nginx/", "repository", "acme/nginx", "robot acme+mirror"),
        ("olivia", "/org/orgmirror/mirror/", "organization", "orgmirror", "robot orgmirror+mirror"),
    ):
        page.context.clear_cookies()
        page.set_viewport_size(PHONE)
        signed_in_page(user, path)
        links = page.locator("p.quay-links")
        expect(links.get_by_role("link", name=first, exact=True)).to_be_in_viewport()
        expect(links.get_by_role("link", name="its mirroring settings")).to_be_in_viewport()
        expect(links.get_by_role("link", name=robot)).to_be_in_viewport()
        href = links.get_by_role("link", name="its mirroring settings").get_attribute("href")
        assert href and href.endswith("?tab=mirroring" if "repo" in path else "?tab=Mirroring")
        assert_no_sideways_scroll(page)
        screenshot(page, f"quay-links-phone-{first.replace('/', '-')}")
        page.set_viewport_size({"width": 1366, "height": 768})
        screenshot(page, f"quay-links-desktop-{first.replace('/', '-')}")
        links.get_by_role("link", name="its mirroring settings").click()  # the emulated Quay's
        expect(page.locator("main")).to_contain_text(f"shows the {kind} {first} here")
        expect(page.locator("main")).to_contain_text("at its Mirroring tab")
