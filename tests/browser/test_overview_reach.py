"""The overview's first row within reach: on a phone it is on the first screen (the filter bar
folds behind "Filters"), and from the keyboard its action is a few presses from the top ("Skip
to the mirrors", the page's first link)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import TOKENS

DESKTOP = {"width": 1366, "height": 768}


def filled_row(page: Page, full_name: str):
    """The row of ``full_name``, once its details (and so its buttons) have come."""
    found = page.locator("tr[data-status]", has=page.locator(f'a[href="/repo/{full_name}/"]'))
    expect(found).not_to_have_attribute("data-need", "details")
    return found


def test_on_a_phone_the_first_row_is_on_the_first_screen(page: Page, signed_in_page, screenshot):
    page.set_viewport_size(PHONE)
    page = signed_in_page("alice", "/")
    first = page.locator("#rows tr[data-status]").first
    expect(first).to_have_attribute("data-repo", "acme/etcd")  # broken first
    filled_row(page, "acme/etcd")
    box = first.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], (
        box
    )  # before the fold: 922 px (of 844)
    # The search stays; the other filters are behind "Filters", which says how many are set.
    expect(page.get_by_label("Search")).to_be_in_viewport()
    expect(page.locator("#f-status")).to_be_hidden()
    fold = page.locator("details.filter-more > summary")
    expect(fold).to_have_text("Filters")
    assert_no_sideways_scroll(page)
    screenshot(page, "overview-phone-first-screen")

    fold.click()
    page.locator("#f-status").select_option("stuck")
    expect(fold).to_have_text("Filters (1 active)")
    page.get_by_label("show repositories not mirrored").check()
    expect(fold).to_have_text("Filters (2 active)")
    expect(page.locator("#rows tr[data-status]:not([hidden])").first).to_have_attribute(
        "data-status", "stuck"
    )
    assert_no_sideways_scroll(page)
    screenshot(page, "overview-phone-filters-open")

    page.reload()  # drawn by the server: the fold closed, its count said
    expect(fold).to_have_text("Filters (2 active)")
    expect(page.locator("#f-status")).to_be_hidden()


def test_without_javascript_the_fold_opens_and_its_filters_apply(browser: Browser, dashboard: str):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{dashboard}/accounts/login/?next=/")
        page.get_by_label("Access token").fill(TOKENS["alice"])
        page.get_by_role("button", name="Sign in with token").click()
        page.goto(f"{dashboard}/?details=all")  # where / sends a browser without JavaScript
        fold = page.locator("details.filter-more > summary")
        expect(page.locator("#f-status")).to_be_hidden()
        fold.click()
        page.locator("#f-status").select_option("fail")
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"/\?details=all&.*status=fail"))
        expect(fold).to_have_text("Filters (1 active)")
        shown = page.locator("#rows tr[data-status]:not([hidden])")
        expect(shown).to_have_count(2)  # acme/etcd, acme/postgres (globex/traefik is stuck)
        box = shown.first.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], box
    finally:
        context.close()


def test_on_a_wide_screen_every_filter_stands_in_the_bar(signed_in_page):
    page = signed_in_page("alice", "/?status=fail")
    page.set_viewport_size(DESKTOP)
    for field in ("#f-q", "#f-ns", "#f-status", "#f-normal"):
        expect(page.locator(field)).to_be_visible()
    expect(page.locator("details.filter-more > summary")).to_be_hidden()
    expect(page.get_by_role("button", name="Apply")).to_be_visible()
    tops = [page.locator(f).bounding_box()["y"] for f in ("#f-q", "#f-ns", "#f-status")]
    assert max(tops) - min(tops) < 2, tops  # one row


def presses_to_the_first_rows_action(page: Page, limit: int = 40) -> list[str]:
    """Press Tab from the top of a page just loaded (Enter on a skip link to the mirrors) until
    the focus is on a button of the first row; the keys pressed, each with what it focused."""
    pressed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => { const e = document.activeElement; const row = e.closest('#rows tr');
                return [e.tagName, e.textContent.trim(), !!row && row === document.querySelector(
                    '#rows tr[data-status]:not([hidden])')]; }"""
        )
        pressed.append(f"Tab: {where[1][:30]}")
        if where[0] == "A" and where[1] == "Skip to the mirrors":
            expect(page.locator(":focus")).to_be_in_viewport()  # seen once focused
            pressed.append("Enter")
            page.keyboard.press("Enter")
        elif where[0] == "BUTTON" and where[2]:
            return pressed
    raise AssertionError(f"the first row's action not reached in {limit} presses")


def test_the_first_rows_action_is_a_few_presses_from_the_top(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    page.set_viewport_size(DESKTOP)
    page.reload()
    filled_row(page, "acme/etcd")

    pressed = presses_to_the_first_rows_action(page)

    assert pressed[0] == "Tab: Skip to the mirrors", pressed  # the page's first focusable
    assert len(pressed) <= 6, pressed  # was 25 Tab presses
    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name("Sync now acme/etcd")
    expect(focused).to_be_in_viewport()
    page.reload()
    filled_row(page, "acme/etcd")
    page.keyboard.press("Tab")
    screenshot(page, "overview-skip-link")


def test_on_a_phone_too(page: Page, signed_in_page):
    page.set_viewport_size(PHONE)
    page = signed_in_page("alice", "/")
    filled_row(page, "acme/etcd")
    pressed = presses_to_the_first_rows_action(page)
    # One stop more than on a wide screen: a failed row's "Why it failed" disclosure, which
    # stands in for the Last result column a phone hides (it was 25 presses before).
    assert len(pressed) <= 7, pressed
    expect(page.locator(":focus")).to_be_in_viewport()
