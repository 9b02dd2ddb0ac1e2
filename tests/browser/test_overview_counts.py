"""In the browser: the overview's counts say a number only when it is known. While the page
still waits for rows' details (held by a search, or cancelled rows not read yet) a count that
may still change is "?"; the total's noun agrees with its number."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from playwright.sync_api import Page, Route, expect

from tests.browser.test_overview import count


def total(page: Page):
    return page.locator("#results .count-all")


class Held:
    """Batches of details kept unanswered until :meth:`release` (the rows the counts wait
    for); ``passes``: those let through at once."""

    def __init__(self, page: Page, passes: Callable[[str], bool] = lambda url: False) -> None:
        self.routes: list[Route] = []
        self.released = False
        self.passes = passes
        page.route("**/overview/details/**", self.handle)

    def handle(self, route: Route) -> None:
        if self.released or self.passes(unquote(route.request.url)):
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.routes:
            route.continue_()


def test_a_search_waiting_for_details_says_its_counts_are_not_known_then_the_total_in_words(
    signed_in_page,
):
    """Searching "ghcr.io" held every row the page could not match yet: the counts said
    "0 repository mirrors · 0 failed" while it checked them, then "2 repository mirror"."""
    page = signed_in_page("alice", "/")
    expect(page.locator("#listed[data-listed]")).to_have_count(1)
    held = Held(page)
    page.get_by_label("Search").fill("ghcr.io")
    expect(page.locator("#held-note")).to_be_visible()
    expect(page.locator("tr[data-held]").first).to_be_attached()
    expect(total(page)).to_have_text(re.compile(r"^\s*\? repository mirrors\s*$"))
    expect(count(page, "fail")).to_have_text("?")
    held.release()
    expect(page.locator("tr[data-held]")).to_have_count(0, timeout=15_000)
    expect(total(page)).to_have_text(re.compile(r"^\s*2 repository mirrors\s*$"))
    expect(count(page, "success")).to_have_text("2")


def test_will_not_run_again_is_not_known_while_a_mirror_that_may_not_is_not_read(
    signed_in_page,
):
    """acme/debian's details come (cancelled: it will not run again), the other rows' do not:
    any of them may not run again either, so the count is "?" (it said "1": with 1,000
    mirrors "1 will not run again" beside 126 cancelled)."""
    page = signed_in_page("alice", "/accounts/login/")
    held = Held(page, passes=lambda url: "debian" in url)
    page.goto(page.url.split("/accounts/")[0] + "/")
    expect(page.locator("#listed[data-listed]")).to_have_count(1)
    debian = page.locator('tr[data-repo="acme/debian"]')
    expect(debian).to_have_attribute("data-fresh", "never-again", timeout=15_000)
    expect(page.locator('tr[data-fresh="none"]').first).to_be_attached()
    never = page.locator('[data-fresh-count="never-again"] .count')
    expect(never).to_have_text("?")
    held.release()
    for _ in range(80):  # every row asks for its details once in view
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        if page.locator('tr[data-need="details"]').count() == 0:
            break
        page.wait_for_timeout(250)
    expect(page.locator('tr[data-fresh="none"]')).to_have_count(0, timeout=15_000)
    expect(never).to_have_text(re.compile(r"^[1-9]\d*$"))


def test_the_total_counts_the_mirrors_whose_status_is_still_to_come(signed_in_page):
    """alice's token without org:admin: Quay does not show her the mirror health of her
    organizations, so their mirrors come from the listings, each one's status still to come.
    The total said "1 repository mirror" (alice/tools, from her own health) and grew as
    details came; they are 19 mirrors from the moment they are listed."""
    page = signed_in_page("alice-limited", "/accounts/login/")
    held = Held(page)
    page.goto(page.url.split("/accounts/")[0] + "/")
    expect(page.locator("#listed[data-listed]")).to_have_count(1)
    expect(total(page)).to_have_text(re.compile(r"^\s*19 repository mirrors\s*$"))
    held.release()


def test_a_status_filter_keeps_stuck_not_known_once_its_rows_are_in(signed_in_page):
    """/?status=cancel leaves the failed and running mirrors out: none is checked for a stuck
    sync on this page, so stuck stays "?" (it said 0; the whole page finds 2)."""
    page = signed_in_page("alice", "/?status=cancel")
    expect(page.locator("#listed[data-listed]")).to_have_count(1)
    expect(page.locator('tr[data-need="details"]')).to_have_count(0, timeout=15_000)
    page.wait_for_timeout(300)  # the counts settle after the last batch
    expect(count(page, "stuck")).to_have_text("?")
    expect(page.locator("#stuck-unchecked-note")).to_be_visible()
    page.locator("#stuck-unchecked-note a").click()
    expect(count(page, "stuck")).to_have_text("2", timeout=15_000)


def test_a_search_says_no_zero_before_its_listing_has_answered(signed_in_page, settings):
    """The rows a search holds come with the listing (after the first screen's): before it
    answered, "? repository mirrors" stood beside "0 failed · 0 late"."""
    settings.OVERVIEW_FIRST_ROWS = 3
    page = signed_in_page("alice", "/accounts/login/")
    listing: list[Route] = []
    page.route("**/overview/listing/**", lambda route: listing.append(route))
    page.goto(page.url.split("/accounts/")[0] + "/?q=ghcr.io")
    expect(total(page)).to_have_text(re.compile(r"^\s*\? repository mirrors\s*$"))
    expect(count(page, "fail")).to_have_text("?")
    expect(page.locator('[data-fresh-count="late"] .count')).to_have_text("?")
    for route in listing:
        route.continue_()
    expect(page.locator("tr[data-held]")).to_have_count(0, timeout=15_000)
    expect(total(page)).to_have_text(re.compile(r"^\s*2 repository mirrors\s*$"))
    expect(count(page, "fail")).to_have_text("0")
