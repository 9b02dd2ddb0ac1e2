"""In the browser: a bulk settings change from the overview's selection, its preview, Apply
and its results, opened again after leaving the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.emulator import Emulator

from .test_overview import detailed


def test_change_the_interval_of_three_mirrors(
    signed_in_page, emulator: Emulator, immediate_tasks, screenshot, settings
) -> None:
    settings.QUAY_MAX_INFLIGHT = 2  # one mirror at a time: see tests/bulk/conftest.py
    page: Page = signed_in_page("alice", "/?ns=acme")
    for name in ("acme/nginx", "acme/redis", "acme/ubuntu"):
        detailed(page, name).get_by_role("checkbox").check()
    page.locator("#bulk").get_by_role("button", name="Change settings…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change 3 mirrors")
    page.get_by_label("Sync every").fill("12")
    page.get_by_label("Interval unit").select_option("hours")
    screenshot(page, "bulk-form")
    page.get_by_role("button", name="Preview").click()
    counts = page.locator("#bulk-counts")
    expect(counts).to_contain_text("2 will be sent")
    expect(counts).to_contain_text("1 unchanged")
    expect(page.locator('tbody[data-mirror="acme/nginx"]')).to_contain_text("6 hours")
    expect(page.locator('tbody[data-mirror="acme/redis"]')).to_contain_text("not sent")
    screenshot(page, "bulk-preview")
    page.get_by_role("button", name="Apply to 2 mirrors").click()
    progress = page.locator("#bulk-progress")
    expect(progress).to_contain_text("Done: 2 of 2")
    expect(progress).to_contain_text("2 applied")
    expect(page.locator('tbody[data-mirror="acme/ubuntu"]')).to_contain_text("applied")
    screenshot(page, "bulk-results")
    assert emulator.mirror("acme", "ubuntu")["sync_interval"] == 12 * 3600
    # Away and back: the results are there again.
    page.goto(page.url.split("/bulk/")[0] + "/")
    page.goto(page.url + "bulk/runs/")
    page.locator("table.bulk-runs a").first.click()
    expect(page.locator("#bulk-progress")).to_contain_text("2 applied")
