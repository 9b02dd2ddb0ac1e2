"""In the browser: sign in through Quay's OAuth pages, the overview with the seeded mirrors,
rows that change live (Sync now, Cancel), counts that follow, live filters and bulk actions.
The overview drawn before its details, and its one refresh: test_overview_at_scale.py."""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import Emulator


def row(page: Page, full_name: str):
    return page.locator("tr[data-status]", has=page.locator(f'a[href="/repo/{full_name}/"]'))


def detailed(page: Page, full_name: str):
    """The row, scrolled into view (details come for rows in view) and filled in."""
    found = row(page, full_name)
    for _ in range(5):  # its details may replace it while it is scrolled to
        try:
            found.evaluate("el => el.scrollIntoView({block: 'center'})")
            break
        except PlaywrightError:
            page.wait_for_timeout(100)
    expect(found).not_to_have_attribute("data-need", "details")
    return found


def count(page: Page, key: str):
    return page.locator(f'[data-count-for="{key}"] .count')


def test_sign_in_through_quays_oauth_pages_and_back_to_next(page: Page, dashboard: str):
    page.set_default_timeout(10_000)
    page.goto(f"{dashboard}/?status=fail")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_role("button", name="Sign in with Quay").click()
    # Quay's own pages: its sign-in form, then the consent page.
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("is requesting access to your")).to_be_visible()
    page.get_by_role("button", name="Authorize Application").click()
    page.wait_for_url(f"{dashboard}/?status=fail")
    expect(page.get_by_text("Signed in to Quay as alice")).to_be_visible()
    expect(page.locator("tr[data-status]").first).to_have_attribute("data-status", "fail")


def test_the_overview_lists_the_seeded_mirrors_with_their_statuses(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    expect(row(page, "acme/etcd").locator(".status")).to_have_text("Failed")
    expect(row(page, "acme/python").locator(".status")).to_have_text("Stuck")
    expect(row(page, "acme/alpine").locator(".status")).to_have_text(re.compile("Syncing|Synced"))
    expect(row(page, "acme/nginx").locator(".status")).to_have_text("Synced")
    expect(row(page, "acme/debian").locator(".status")).to_have_text("Cancelled")
    expect(row(page, "globex/mysql").locator(".status")).to_have_text("Synced")
    expect(row(page, "initech/loki").locator(".status")).to_have_text("Never synced")
    expect(row(page, "acme/node").locator(".status")).to_have_text("Not configured yet")
    # broken first
    expect(page.locator("tr[data-status]").first).to_have_attribute("data-status", "fail")
    # acme/python (its lease ran out) and globex/traefik (its retry never started)
    expect(count(page, "stuck")).to_have_text("2")
    screenshot(page, "overview-alice")


def test_a_read_only_person_sees_statuses_without_actions(signed_in_page, screenshot):
    page = signed_in_page("carol", "/")
    expect(page.get_by_text("Read-only in")).to_be_visible()
    expect(row(page, "acme/etcd").locator(".status")).to_have_text("Failed")
    expect(row(page, "acme/etcd").get_by_role("button")).to_have_count(0)
    screenshot(page, "overview-carol-read-only")


def test_sync_now_on_a_row_changes_it_live_and_the_counts_follow(
    signed_in_page, emulator: Emulator, screenshot, quick_refresh
):
    emulator.configure(claim_delay=1, sync_duration=4)
    page = signed_in_page("alice", "/")
    page.evaluate("window.__not_reloaded = true")
    redis = detailed(page, "acme/redis")
    synced_before = int(count(page, "success").inner_text())
    redis.get_by_role("button", name="Sync now").click()
    expect(redis.locator(".status")).to_have_text("Queued")
    expect(redis.locator(".row-message")).to_contain_text("Sync requested")
    expect(count(page, "success")).to_have_text(str(synced_before - 1))
    expect(page.locator("#row-announcer")).to_have_text("acme/redis: Queued")
    screenshot(page, "overview-row-queued")
    expect(redis.locator(".status")).to_have_text("Syncing", timeout=8_000)
    expect(redis.get_by_role("button", name="Sync now")).to_be_disabled()
    expect(redis.locator(".status")).to_have_text("Synced", timeout=10_000)
    expect(count(page, "success")).to_have_text(str(synced_before))
    expect(redis).not_to_have_attribute("data-watch", re.compile(".*"))  # not refreshed now
    assert page.evaluate("window.__not_reloaded === true")


def test_cancel_on_a_row_asks_first_and_then_shows_cancelled(signed_in_page, emulator: Emulator):
    page = signed_in_page("alice", "/?q=alpine")
    alpine = detailed(page, "acme/alpine")
    expect(alpine.locator(".status")).to_have_text("Syncing")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    alpine.get_by_role("button", name="Cancel").click()
    expect(alpine.locator(".status")).to_have_text("Cancelled")
    assert len(asked) == 1  # one question, not two
    assert "paused until someone presses Sync now" in asked[0]
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"


def test_dismissing_the_cancel_question_cancels_nothing(signed_in_page, emulator: Emulator):
    page = signed_in_page("alice", "/?q=alpine")
    page.on("dialog", lambda dialog: dialog.dismiss())
    detailed(page, "acme/alpine").get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(500)
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"


def test_search_filters_live_and_the_url_follows(signed_in_page):
    page = signed_in_page("alice", "/")
    page.evaluate("window.__not_reloaded = true")
    page.get_by_label("Search").fill("coreos")
    shown = page.locator("tr[data-status]:not([hidden])")
    expect(page.locator("tr[data-held]")).to_have_count(0)  # every source has been read
    expect(shown).to_have_count(1)
    expect(row(page, "acme/etcd")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=coreos"))
    page.locator("#f-status").select_option("stuck")
    expect(page.locator("tr[data-held]")).to_have_count(0)
    expect(shown).to_have_count(0)
    expect(page.get_by_text("No mirror matches these filters")).to_be_visible()
    assert page.evaluate("window.__not_reloaded === true")


def test_the_filter_bar_stays_a_plain_row_while_a_filter_is_set(signed_in_page, screenshot):
    """The bar is a search landmark, not Pico's one-line input group: no rounded outline drawn
    around it (through its labels) while a field has the focus, the Apply button as any."""
    page = signed_in_page("alice", "/")
    page.locator("#f-status").select_option("fail")
    page.get_by_label("Search").fill("nginx")  # the search field keeps the focus
    expect(page).to_have_url(re.compile(r"q=nginx"))
    bar = page.locator("form.filters")
    assert bar.evaluate("e => getComputedStyle(e).boxShadow") == "none"
    apply = bar.get_by_role("button", name="Apply")
    corners = apply.evaluate(
        "e => { const s = getComputedStyle(e); return [s.borderTopLeftRadius,"
        " s.borderTopRightRadius, s.borderBottomLeftRadius, s.borderBottomRightRadius,"
        " s.boxShadow] }"
    )
    assert len(set(corners[:4])) == 1 and corners[0] != "0px", corners  # rounded alike
    assert corners[4] == "none", corners
    status = bar.locator("#f-status").evaluate("e => getComputedStyle(e).borderTopLeftRadius")
    assert status == corners[0]  # the selects as the button: no pills
    screenshot(page, "overview-filters-set")


def test_the_bulk_bar_shows_only_while_a_row_can_be_selected(signed_in_page):
    page = signed_in_page("alice", "/")
    page.goto(page.url + "?status=fail&q=nginx")
    expect(page.locator("tr[data-held]")).to_have_count(0)  # every row has told the filters
    expect(page.get_by_text("No mirror matches these filters")).to_be_visible()
    expect(page.locator("#bulk")).to_be_hidden()
    expect(page.locator("#pick-all")).to_be_hidden()
    page.get_by_label("Search").fill("")  # the failed rows, with their boxes
    expect(page.locator("tr[data-status=fail]:not([hidden])").first).to_be_visible()
    expect(page.locator("#bulk")).to_be_visible()
    page.get_by_label("Search").fill("no-such-mirror")
    expect(page.locator("#bulk")).to_be_hidden()


def test_the_selection_shortcuts_pick_only_rows_in_sight(signed_in_page):
    """Searching "etcd": acme/postgres and globex/traefik (failed too) are hidden, though
    their details (and so their boxes) came; "all failed" picks acme/etcd alone."""
    page = signed_in_page("alice", "/")
    page.goto(page.url + "?q=etcd")
    expect(page.locator("tr[data-held]")).to_have_count(0)
    hidden_box = page.locator("tr[hidden] input[name=repo][value='acme/postgres']")
    expect(hidden_box).to_have_count(1)
    page.locator("#bulk").get_by_role("button", name="all failed").click()
    expect(detailed(page, "acme/etcd").get_by_role("checkbox")).to_be_checked()
    assert hidden_box.is_checked() is False
    page.get_by_role("checkbox", name="Select all rows you can act on").check()
    assert page.locator("input[name=repo][form=bulk]:checked").count() == 1


def test_bulk_sync_now_gives_a_result_per_row(signed_in_page, emulator: Emulator, screenshot):
    page = signed_in_page("alice", "/?ns=acme")
    detailed(page, "acme/redis").get_by_role("checkbox").check()
    detailed(page, "acme/alpine").get_by_role("checkbox").check()
    page.locator("#bulk").get_by_role("button", name="Sync now").click()
    results = page.locator("#messages .bulk-results")  # at the top of the page
    expect(results).to_contain_text("1 of 2 done")
    expect(results).to_be_focused()
    expect(results.locator(".outcome-done")).to_contain_text("acme/redis")
    expect(results.locator(".outcome-already_syncing")).to_contain_text("acme/alpine")
    expect(row(page, "acme/redis").locator(".status")).to_have_text(re.compile("Queued|Syncing"))
    screenshot(page, "overview-bulk-results")


def test_a_hidden_tab_makes_no_refresh(signed_in_page, quick_refresh):
    page = signed_in_page("alice", "/?status=active")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/overview/refresh/" in r.url else None)
    page.wait_for_timeout(2_500)
    assert polls, "the tab refreshes its active rows while it is visible"
    page.evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState',
                {configurable: true, get: () => 'hidden'});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    page.wait_for_timeout(300)
    polls.clear()
    page.wait_for_timeout(3_500)
    assert polls == []


def test_the_overview_on_a_phone(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    page.set_viewport_size(PHONE)
    expect(row(page, "acme/etcd")).to_be_visible()
    # Nothing sticks out of the screen: the header wraps, and the table's four columns left
    # fit (no sideways scrolling to reach a row's buttons).
    assert_no_sideways_scroll(page)
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport()
    box = sign_out.bounding_box()
    assert box and box["x"] + box["width"] <= 390
    action = detailed(page, "acme/etcd").get_by_role("button", name="Sync now")
    wrap = "document.querySelector('#results .table-wrap')"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")
    action.scroll_into_view_if_needed()
    expect(action).to_be_in_viewport()
    screenshot(page, "overview-phone")


def test_row_links_show_where_the_focus_is(signed_in_page):
    page = signed_in_page("alice", "/")
    link = detailed(page, "acme/etcd").get_by_role("link")
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus from the keyboard: :focus-visible applies
    style = link.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert style == "solid 2px", style


def test_bulk_cancel_asks_once_and_reports_per_row(signed_in_page, emulator: Emulator):
    page = signed_in_page("alice", "/?ns=acme")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    detailed(page, "acme/alpine").get_by_role("checkbox").check()
    detailed(page, "acme/redis").get_by_role("checkbox").check()
    page.locator("#bulk").get_by_role("button", name="Cancel").click()
    results = page.locator("#messages .bulk-results")
    expect(results.locator(".outcome-done")).to_contain_text("acme/alpine")
    nothing = results.locator(".outcome-nothing_to_cancel")
    expect(nothing).to_contain_text("acme/redis: nothing to cancel — No sync of acme/redis")
    expect(nothing).not_to_contain_text("Nothing to cancel:")  # said once, not twice
    assert len(asked) == 1 and "paused until someone presses Sync now" in asked[0]
    # Only repository mirrors are ticked: the question speaks of them only.
    assert asked[0].startswith("Cancel the syncs of the selected repository mirrors?")
    assert "organization" not in asked[0]
    expect(row(page, "acme/alpine").locator(".status")).to_have_text("Cancelled")
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"


def test_select_all_and_select_all_failed(signed_in_page):
    page = signed_in_page("alice", "/?ns=acme")
    for _ in range(6):  # every row in view once: every row's details come
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(150)
    expect(page.locator('tr[data-need="details"]')).to_have_count(0)
    picks = page.locator("input[name=repo][form=bulk]")
    page.get_by_role("checkbox", name="Select all rows you can act on").check()
    assert all(picks.nth(i).is_checked() for i in range(picks.count()))
    page.locator("#bulk").get_by_role("button", name="all failed").click()
    checked = page.locator("tr[data-status] input[name=repo]:checked")
    expect(checked).to_have_count(page.locator("tr[data-status=fail] input[name=repo]").count())
    expect(row(page, "acme/etcd").get_by_role("checkbox")).to_be_checked()
    expect(row(page, "acme/nginx").get_by_role("checkbox")).not_to_be_checked()


def test_an_idle_overview_says_it_does_not_refresh_itself(signed_in_page):
    page = signed_in_page("alice", "/?ns=alice")  # alice/tools: synced, nothing running
    expect(page.locator("#refresh")).to_contain_text("none is syncing")
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    page.goto(page.url.split("/?")[0] + "/?ns=acme")  # acme/alpine syncs: it refreshes
    expect(page.locator("#refresh")).not_to_contain_text("none is syncing")
