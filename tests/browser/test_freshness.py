"""In the browser: the overview's "late" count and filter, with JavaScript (the count is a
link; the status select too) and without, on a desktop and on a 390 px phone (the freshness
words are part of the status cell: nothing scrolls sideways)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import TOKENS

DESKTOP = {"width": 1280, "height": 900}


def _shown(page: Page):
    return page.locator("#rows tr[data-status]:not([hidden])")


def _late_filter_shows_grafana_only(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"status=late"))
    shown = _shown(page)
    expect(shown).to_have_count(1)
    expect(shown.first).to_contain_text("initech/grafana")
    expect(shown.first.locator(".freshness")).to_have_text("last success 4 h ago (every 1 h): late")
    expect(page.locator('[data-fresh-count="late"] .count')).to_have_text("1")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_late_count_filters_the_list_with_javascript(signed_in_page, viewport, screenshot):
    page = signed_in_page("alice", "/")
    page.set_viewport_size(viewport)
    page.locator('[data-fresh-count="late"]').click()
    _late_filter_shows_grafana_only(page)
    assert_no_sideways_scroll(page)
    screenshot(page, f"overview-late-{'phone' if viewport is PHONE else 'desktop'}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_late_filter_works_without_javascript(browser: Browser, dashboard: str, viewport):
    context = browser.new_context(java_script_enabled=False, viewport=viewport)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{dashboard}/accounts/login/?next=/")
        page.get_by_label("Access token").fill(TOKENS["alice"])
        page.get_by_role("button", name="Sign in with token").click()
        page.goto(f"{dashboard}/?details=all")  # where / sends a browser without JavaScript
        if viewport is PHONE:
            page.locator("details.filter-more > summary").click()
        page.locator("#f-status").select_option("late")
        page.get_by_role("button", name="Apply").click()
        _late_filter_shows_grafana_only(page)
        assert_no_sideways_scroll(page)
    finally:
        context.close()
