"""In the browser: an organization mirror set up, watched live (its counts and repositories
refresh while active and stop when done), Verify, editing and deleting it, and the overview
with organization mirrors (Cancel, Sync now and a hidden tab, for both kinds:
test_presses_and_polls.py)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.support.browser import PHONE, assert_no_sideways_scroll, assert_not_reloaded, mark_page
from tests.support.emulator import Emulator

STATUS = "#org-live .status-line .status"


def test_set_up_watch_live_and_the_sync_ends(
    signed_in_page, emulator: Emulator, screenshot, status_polls
):
    emulator.configure(claim_delay=0.5, org_tag_seconds=1)
    page = signed_in_page("olivia", "/org/orgempty/mirror/")
    expect(page.get_by_role("heading", name="Set up an organization mirror")).to_be_visible()
    page.get_by_label("Source type").select_option("quay")
    page.get_by_label("Source registry").fill("https://quay.example.com")
    page.get_by_label("Source namespace").fill("upstreamorg")
    page.get_by_label("Repository filter 1", exact=True).fill("alpha")
    page.keyboard.press("Enter")  # a new row (the editor), not the form's submit
    expect(page.locator("#rule-1")).to_be_focused()
    page.keyboard.type("beta")
    page.keyboard.press("Enter")
    expect(page.locator("#rule-2")).to_be_focused()
    page.keyboard.type("gamma")
    expect(page.locator("#glob-preview")).to_contain_text("the filters are checked")
    page.get_by_label("First / next sync").fill("2020-01-01T00:00:00")
    page.get_by_role("button", name="Set up the organization mirror").click()
    expect(page.locator("#messages")).to_contain_text("Organization mirror of orgempty set up.")
    polls = status_polls(page)
    mark_page(page)
    # The start date is past: the worker discovers at once, then syncs one repository at a time.
    expect(page.locator(STATUS)).to_have_text("Syncing", timeout=8_000)
    expect(page.locator("#org-live tbody tr")).to_have_count(3, timeout=8_000)
    screenshot(page, "org-mirror-syncing")
    expect(page.locator(STATUS)).to_have_text("Synced", timeout=20_000)
    expect(page.locator("#org-live")).to_contain_text("3 synced")
    assert_not_reloaded(page)
    assert polls, "the live part refreshed itself"
    count = len(polls)
    time.sleep(3)
    assert len(polls) == count, "polling stopped once nothing changes by itself"
    # Each created repository links to its page (its name; and "In Quay" on a wide screen).
    expect(page.locator('#org-live a[href="/repo/orgempty/alpha/"]')).to_have_count(2)
    expect(page.get_by_role("link", name="orgempty/alpha")).to_be_visible()


def test_verify_filter_search_and_edit(signed_in_page, emulator: Emulator):
    page = signed_in_page("olivia", "/org/orgfail/mirror/")
    page.get_by_role("button", name="Verify connection").click()
    expect(page.locator("#verify-result")).to_contain_text("Project 'nosuchproject' not found")
    page.locator("#edit-heading").click()  # the settings form opens
    page.get_by_label("Source namespace").fill("platform")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text(
        "Saved: source namespace: nosuchproject → platform."
    )
    page.get_by_role("button", name="Verify connection").click()
    expect(page.locator("#verify-result")).to_contain_text("Connection successful")

    page.goto(page.url.split("/org/")[0] + "/org/orgmirror/mirror/")
    page.get_by_label("Search").fill("gam")
    expect(page.locator("#org-live tbody tr")).to_have_count(1)
    expect(page.locator("#org-live tbody")).to_contain_text("gamma")
    page.get_by_label("Search").fill("")
    page.locator("#repo-status").select_option("SKIP")
    expect(page.locator("#org-live tbody tr")).to_have_count(1)
    expect(page.locator("#org-live tbody")).to_contain_text("Repository excluded by filters")
    # The filter preview, as typed (the editor itself: test_filter_editor.py).
    page.locator("#edit-heading").click()
    page.get_by_label("Repository filter 1", exact=True).fill("a*")
    expect(page.locator("#rule-msg-0")).to_contain_text("matches alpha")


def test_delete_says_what_stays(signed_in_page, emulator: Emulator):
    page = signed_in_page("olivia", "/org/orgnew/mirror/")
    page.locator("#delete-link").click()
    expect(page.locator("article.confirm")).to_contain_text("The repositories it created stay")
    page.get_by_role("button", name="Delete the organization mirror").click()
    expect(page.locator("#messages")).to_contain_text("Deleted the organization mirror of orgnew")


def test_the_overview_with_organization_mirrors(signed_in_page, emulator: Emulator, screenshot):
    emulator.configure(claim_delay=0.5)
    page = signed_in_page("olivia", "/")
    section = page.locator("#org-mirrors")
    expect(section.locator("tbody tr")).to_have_count(4, timeout=8_000)
    expect(section.locator("tbody tr").first).to_have_attribute("data-org", "orgfail")
    expect(section.locator('tr[data-org="orgmirror"]')).to_contain_text("2 synced")
    # Counted in the top line, under the repository mirrors' counts.
    expect(page.locator("nav.counts #org-counts")).to_contain_text("4 organization mirrors")
    screenshot(page, "overview-org-mirrors")
    # A row's Sync now, then the section refreshes itself while it is active.
    section.locator("#org-sync-orgnew").click()
    expect(section.locator('tr[data-org="orgnew"]')).to_contain_text("Sync requested")
    expect(section.locator('tr[data-org="orgnew"] .status')).to_have_text(
        re.compile("Queued|Syncing|Synced"), timeout=8_000
    )
    # "all stuck" picks the stuck organization mirror too.
    page.get_by_role("button", name="all stuck").click()
    expect(section.locator("#pick-org-orgstuck")).to_be_checked()
    expect(section.locator("#pick-org-orgmirror")).not_to_be_checked()
    # Bulk: select two organization mirrors and press Cancel.
    page.on("dialog", lambda dialog: dialog.accept())
    section.locator("#pick-org-orgmirror").check()
    page.locator("#bulk").get_by_role("button", name="Cancel").click()
    expect(page.locator("#messages")).to_contain_text("Cancel: 2 of 2 done.")
    expect(section.locator('tr[data-org="orgmirror"] .status')).to_have_text(
        re.compile("Cancelling|Cancelled"), timeout=8_000
    )
    # Search reaches their repositories.
    page.get_by_label("Search").fill("gamma")
    expect(section.locator("tbody tr")).to_have_count(1, timeout=8_000)
    expect(section).to_contain_text("matches: orgmirror/gamma")


def test_the_organization_mirror_page_on_a_phone(signed_in_page):
    page = signed_in_page("olivia", "/org/orgmirror/mirror/")
    page.set_viewport_size(PHONE)
    expect(page.locator("table.org-repos")).to_be_visible()
    # Nothing sticks out of the screen: the source wraps, the settings' values wrap, and the
    # discovered repositories keep the name (a link to it) and the status with Quay's message.
    assert_no_sideways_scroll(page)
    wrap = "document.querySelector('table.org-repos').parentElement"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")
    expect(page.locator("table.org-repos").get_by_role("link", name="alpha")).to_be_visible()
    page.locator("summary", has_text="Edit settings").click()  # the form, its glob editor
    expect(page.locator(".glob-editor").first).to_be_visible()
    assert_no_sideways_scroll(page)
    # The repository form's glob editor: a filter as long as Quay allows, with no break in it,
    # and what its row and the preview say about it, stay within the screen too.
    page.locator("#rule-0").fill("a" * 255)
    expect(page.locator("#rule-msg-0")).to_contain_text("matches no repository")
    expect(page.locator("#glob-preview")).to_contain_text("skipped")
    assert_no_sideways_scroll(page)


def test_on_a_wide_screen_the_settings_short_fields_stand_side_by_side(signed_in_page):
    # As the repository form's: not every field the whole width of a 1366 px screen.
    page = signed_in_page("olivia", "/org/orgnew/mirror/")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("summary", has_text="Edit settings").click()
    robot = page.get_by_label("Robot account").bounding_box()
    visibility = page.get_by_label("New repositories are").bounding_box()
    assert robot and visibility
    assert abs(robot["y"] - visibility["y"]) < 2 and visibility["x"] > robot["x"] + robot["width"]
    interval = page.get_by_label("Sync every").bounding_box()
    timeout = page.get_by_label("Timeout per copy").bounding_box()
    assert interval and timeout and abs(interval["y"] - timeout["y"]) < 2
    assert interval["width"] < 300


def test_the_overview_with_organization_mirrors_fits_a_phone(signed_in_page):
    # Their table was 634 px wide at 390: the repositories' counts go under the status there.
    page = signed_in_page("olivia", "/")
    page.set_viewport_size({"width": 390, "height": 844})
    section = page.locator("#org-mirrors")
    expect(section.locator("tbody tr")).to_have_count(4, timeout=8_000)
    expect(section.locator('tr[data-org="orgmirror"] .status-cell')).to_contain_text("2 synced")
    assert_no_sideways_scroll(page)
    # Nor does the table scroll inside its frame: the buttons are on the screen.
    wrap = "document.querySelector('table.org-mirrors-table').parentElement"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")
    box = section.locator("#org-sync-orgnew").bounding_box()
    assert box and box["x"] + box["width"] <= 390


def test_the_overview_leads_an_admin_to_set_up_an_organization_mirror(signed_in_page, screenshot):
    page = signed_in_page("olivia", "/?ns=orgempty")
    page.set_viewport_size(PHONE)
    link = page.get_by_role("link", name="Set up an organization mirror in orgempty")
    expect(link).to_be_visible(timeout=8_000)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#empty")).to_be_hidden()  # not "No mirror matches these filters"
    # The top line counts olivia's organization mirrors too (no repository mirror of hers).
    expect(page.locator("#org-counts")).to_be_hidden()  # none in orgempty
    assert_no_sideways_scroll(page)
    screenshot(page, "overview-org-set-up-phone")
    link.click()
    expect(page.get_by_role("heading", name="Set up an organization mirror")).to_be_visible()
    page.goto(page.url.split("/org/")[0] + "/")
    expect(page.locator("#org-counts")).to_contain_text("4 organization mirrors", timeout=8_000)
    expect(page.locator("#org-counts")).to_contain_text("1 failed")


def test_the_organization_history_pages_back_on_a_phone(signed_in_page, emulator: Emulator):
    for _ in range(25):  # 50 entries in the organization's log: more than a page shows
        emulator.api("POST", "organization/orgnew/mirror/sync-now", user="olivia")
        emulator.api("POST", "organization/orgnew/mirror/sync-cancel", user="olivia")
    page = signed_in_page("olivia", "/org/orgnew/mirror/")
    page.set_viewport_size(PHONE)
    history = page.locator("section.history").first
    expect(history).to_contain_text("The newest entries of Quay's log.")
    history.get_by_role("link", name="Older entries").click()
    expect(page.locator("section.history").first).to_contain_text("Older entries of Quay's log.")
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Back to the newest entries").click()
    expect(page.locator("section.history").first).to_contain_text("The newest entries")


def test_a_stuck_organization_mirror_fits_a_phone(signed_in_page):
    # Its status names Quay's ORG_MIRROR_MAX_DISCOVERY_DURATION: one long word that pushed
    # the page to 399 px at 390, cutting the end of the sentence off.
    page = signed_in_page("olivia", "/org/orgstuck/mirror/")
    page.set_viewport_size(PHONE)
    expect(page.locator("#org-live")).to_contain_text("ORG_MIRROR_MAX_DISCOVERY_DURATION")
    assert_no_sideways_scroll(page)


def test_bulk_cancel_of_organization_mirrors_only_asks_of_them_only(
    signed_in_page, emulator: Emulator
):
    page = signed_in_page("olivia", "/")
    section = page.locator("#org-mirrors")
    expect(section.locator("tbody tr")).to_have_count(4, timeout=8_000)
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    section.locator("#pick-org-orgmirror").check()
    page.locator("#bulk").get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1, asked
    assert asked[0].startswith("Cancel the syncs of the selected organization mirrors?")
    assert "the next scheduled run syncs them all again" in asked[0]
    assert "repository mirror" not in asked[0]
    # Dismissed: nothing was asked of Quay.
    expect(page.locator("#messages")).not_to_contain_text("Cancel:")
