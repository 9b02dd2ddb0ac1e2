"""In the browser: the overview drawn before its details, filled in by batches; its one
refresh, which backs off, stops, and keeps every row (greyed, "as of") when it fails."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from playwright.sync_api import Page, Request, expect

from tests.browser.test_overview import count, detailed, row
from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import Emulator

SLOW = 300  # ms per call to Quay: what a real one costs


def requests_to(page: Page, part: str) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request) if part in request.url else None)
    return seen


def test_rows_are_drawn_before_their_details_and_filled_in_by_batches(
    signed_in_page, emulator: Emulator, screenshot
):
    page = signed_in_page("alice", "/accounts/login/")  # signed in; the overview comes next
    page.set_viewport_size({"width": 1366, "height": 900})
    emulator.configure(latency_ms=SLOW)
    details = requests_to(page, "/overview/details/")
    page.goto(page.url.split("/accounts/")[0] + "/")
    etcd = row(page, "acme/etcd")
    expect(etcd.locator(".status")).to_have_text("Failed")  # from mirror health, at once
    screenshot(page, "overview-first-paint-1366")
    expect(etcd.locator(".source code")).to_have_text("quay.io/coreos/etcd", timeout=15_000)
    expect(count(page, "stuck")).to_have_text("2", timeout=15_000)  # found by the details
    assert details and all(len(re.findall(r"[?&]row=", r.url)) > 1 for r in details[:1])
    screenshot(page, "overview-details-1366")
    emulator.configure(latency_ms=0)


def test_a_stuck_row_found_by_its_details_moves_up_among_the_broken(signed_in_page):
    page = signed_in_page("alice", "/")
    python = row(page, "acme/python")
    expect(python.locator(".status")).to_have_text("Stuck")
    order = page.locator("#rows tr[data-status]").evaluate_all("rows => rows.map(r => r.id)")
    assert order.index("row-acme_2fpython") < order.index("row-acme_2falpine")
    first_other = next(
        i
        for i, key in enumerate(
            page.locator("#rows tr[data-status]").evaluate_all(
                "rows => rows.map(r => r.dataset.status)"
            )
        )
        if key not in ("fail", "stuck", "unreadable")
    )
    assert order.index("row-acme_2fpython") < first_other


def test_a_hanging_detail_does_not_hold_the_page_and_then_says_what_failed(
    signed_in_page, emulator: Emulator, settings
):
    # The config call hangs; Quay is given 1 s (the batch would wait 3): its row says why.
    settings.QUAY_TIMEOUT = 1
    settings.OVERVIEW_DETAILS_WAIT_SECONDS = 3
    emulator.configure(hang=["/api/v1/repository/acme/etcd/mirror"])
    page = signed_in_page("alice", "/")
    etcd = row(page, "acme/etcd")
    expect(etcd.locator(".status")).to_have_text("Failed")  # the page is drawn
    expect(detailed(page, "acme/postgres").locator(".source code")).to_be_visible()  # not held
    expect(etcd.locator(".detail-error")).to_contain_text("Quay timed out")
    expect(etcd.locator(".status")).to_have_text("Failed")  # and it keeps its status
    emulator.configure(hang=[])
    settings.QUAY_TIMEOUT = 10
    etcd.get_by_role("link", name="Try again").click()
    expect(etcd.locator(".source code")).to_have_text("quay.io/coreos/etcd")


def test_one_refresh_request_for_the_tab_whatever_the_number_of_active_rows(
    signed_in_page, quick_refresh
):
    page = signed_in_page("alice", "/")
    refreshes = requests_to(page, "/overview/refresh/")
    row_polls = requests_to(page, "/row/")
    expect(page.locator("tr[data-watch]")).to_have_count(2)  # acme/alpine, acme/busybox
    page.wait_for_timeout(2_500)
    assert refreshes and row_polls == []
    for request in refreshes:  # every watched row's state, in one field
        assert request.method == "POST"
        rows = parse_qs(request.post_data)["rows"][0].splitlines()
        assert sorted(r.split("?")[0] for r in rows) == ["acme/alpine", "acme/busybox"]


def test_the_refresh_backs_off_and_stops(signed_in_page, emulator: Emulator, quick_refresh):
    page = signed_in_page("alice", "/")
    refresh = page.locator("#refresh")
    expect(refresh).to_have_attribute("data-interval", "2")  # nothing changed: longer
    for name in ("alpine", "busybox"):  # someone cancels both syncs
        emulator.api("POST", f"repository/acme/{name}/mirror/sync-cancel")
    expect(row(page, "acme/alpine").locator(".status")).to_have_text("Cancelled")
    expect(refresh).not_to_have_attribute("hx-post", re.compile(".*"))  # nothing active
    expect(page.locator("tr[data-watch]")).to_have_count(0)


def test_a_failed_refresh_keeps_every_row_greyed_as_of_when(
    signed_in_page, emulator: Emulator, quick_refresh, screenshot
):
    page = signed_in_page("alice", "/")
    alpine = row(page, "acme/alpine")
    expect(alpine.locator(".status")).to_have_text("Syncing")
    emulator.configure(fail={"/api/v1/repository/mirror/health": 502})
    refresh = page.locator("#refresh")
    expect(refresh).to_have_class(re.compile("stale"))
    expect(refresh).to_contain_text(re.compile(r"As of \d\d:\d\d:\d\d"))
    expect(refresh).to_contain_text("trying again by itself")
    expect(alpine.locator(".status")).to_have_text("Syncing")  # kept as it was
    assert alpine.evaluate("el => getComputedStyle(el).opacity") == "0.55"
    screenshot(page, "overview-refresh-failed")
    emulator.configure(fail={})
    expect(refresh).not_to_have_class(re.compile("stale"))  # it tried again, and got through
    assert alpine.evaluate("el => getComputedStyle(el).opacity") == "1"


def test_a_refresh_the_dashboard_does_not_answer_keeps_the_rows_too(signed_in_page, quick_refresh):
    page = signed_in_page("alice", "/")
    expect(page.locator("tr[data-watch]")).to_have_count(2)
    page.route("**/overview/refresh/", lambda route: route.abort())
    refresh = page.locator("#refresh")
    expect(refresh).to_contain_text("could not refresh (the dashboard did not answer)")
    expect(refresh).to_contain_text(re.compile(r"As of \d\d:\d\d:\d\d"))
    expect(row(page, "acme/alpine").locator(".status")).to_have_text("Syncing")


def test_the_overview_at_a_real_quays_pace_on_a_phone(
    signed_in_page, emulator: Emulator, screenshot
):
    page = signed_in_page("alice", "/accounts/login/")
    page.set_viewport_size(PHONE)
    emulator.configure(latency_ms=SLOW)
    page.goto(page.url.split("/accounts/")[0] + "/")
    expect(row(page, "acme/etcd").locator(".status")).to_have_text("Failed")
    assert_no_sideways_scroll(page)
    screenshot(page, "overview-first-paint-phone")
    expect(count(page, "stuck")).to_have_text("2", timeout=15_000)
    screenshot(page, "overview-details-phone")
    emulator.configure(latency_ms=0)


def test_the_rows_after_the_first_screen_come_with_the_listing_counted_once(
    signed_in_page, settings, screenshot
):
    """OVERVIEW_FIRST_ROWS: the page draws its first rows, the listing the others after them;
    each row once, and the counts as when every row came with the page."""
    from tests.browser.test_rights import settled

    counts = (
        "() => [...document.querySelectorAll('#results .counts .count')].map(c => c.textContent)"
    )
    rows = "() => [...document.querySelectorAll('#results tr[data-status]')].map(r => r.id)"
    page = signed_in_page("alice")
    settled(page)
    whole_counts, whole_rows = page.evaluate(counts), page.evaluate(rows)
    settings.OVERVIEW_FIRST_ROWS = 3
    page.reload()
    assert page.locator("#rows tr[data-status]").count() >= 3
    settled(page)
    screenshot(page, "overview-first-screen-then-the-rest")
    # Each once (the order among broken rows follows when each row's details came in).
    ids = page.evaluate(rows)
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(whole_rows)
    assert page.evaluate(counts) == whole_counts
    assert page.locator("tr[data-counted]").count() == 0


def test_a_row_that_changed_before_the_listing_drew_it_moves_to_its_new_count(
    signed_in_page, emulator: Emulator, settings
):
    """acme/alpine, counted running by the first paint, is cancelled before the listing draws
    it: it leaves the running count for the cancelled one (it was counted twice in CI)."""
    from django.core.cache import cache

    from tests.browser.test_rights import settled

    counts = (
        "() => Object.fromEntries([...document.querySelectorAll('#results [data-count-for]')]"
        ".map(a => [a.dataset.countFor, a.querySelector('.count').textContent]))"
    )
    total = "() => document.querySelector('[data-count-total]').textContent"

    def cancel_first(route):
        key = parse_qs(route.request.url.split("?", 1)[1])["later"][0]
        kept = cache.get(f"mdlater:{key}")
        emulator.api("POST", "repository/acme/alpine/mirror/sync-cancel").raise_for_status()
        cache.clear()  # the listing reads Quay again, and finds acme/alpine cancelled
        cache.set(f"mdlater:{key}", kept)
        route.continue_()

    settings.OVERVIEW_FIRST_ROWS = 3
    page = signed_in_page("alice", "/accounts/login/")
    page.route("**/overview/listing/*", cancel_first)
    page.goto(page.url.split("/accounts/")[0] + "/")
    settled(page)
    expect(row(page, "acme/alpine").locator(".status")).to_have_text("Cancelled")
    got, got_total = page.evaluate(counts), page.evaluate(total)
    page.unroute("**/overview/listing/*")
    settings.OVERVIEW_FIRST_ROWS = 100
    page.reload()  # the page drawn whole, as Quay is now
    settled(page)
    assert (got, got_total) == (page.evaluate(counts), page.evaluate(total))
    assert got["active"] == "1" and got["cancel"] == "2" and got_total == "19"
