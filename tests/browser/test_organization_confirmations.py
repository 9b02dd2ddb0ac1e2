"""In the browser: the organization mirror's settings form asks before saving while the sync
runs (and for a start date in the past), as the repository form does: the summary on top takes
the focus, its link leads to the box to tick, nothing reaches Quay until it is ticked, what was
typed stays; the live part lifts the box once the sync is over."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_filter_editor import filter_inputs
from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import Emulator
from tests.support.org_api import config

SAVE_ANYWAY = "Save anyway: I understand what this does to the running sync"


def writes(emulator: Emulator, org: str) -> list[dict]:
    return [
        r
        for r in emulator.requests_log()
        if r["method"] == "PUT" and r["path"] == f"/api/v1/organization/{org}/mirror"
    ]


def test_saving_while_the_sync_runs_asks_first_then_saves(
    signed_in_page, emulator: Emulator, screenshot
):
    emulator.configure(org_tag_seconds=600)  # the seeded sync's next repository takes 10 min
    page: Page = signed_in_page("olivia", "/org/orgmirror/mirror/")
    page.locator("#edit-heading").click()  # the settings form opens
    warning = page.locator("#sync-warning")
    expect(warning).to_contain_text("The organization mirror is syncing its repositories now")
    expect(warning).to_contain_text("Changing the filters: Quay applies them only at discovery.")
    page.get_by_role("button", name="Remove filter 5 (broken)").click()
    expect(filter_inputs(page)).to_have_count(5)
    emulator.control("DELETE", "requests")
    page.locator("#org-save").click()

    summary = page.locator(".form-error-summary")
    expect(summary).to_contain_text("Nothing was saved yet: the organization mirror's sync is")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert writes(emulator, "orgmirror") == []
    values = [filter_inputs(page).nth(i).input_value() for i in range(filter_inputs(page).count())]
    assert [v for v in values if v] == ["alpha", "beta", "gamma", "delta"]  # as typed
    expect(warning).to_contain_text("Repositories queued before the next discovery still sync")
    expect(warning).not_to_contain_text("Changing the source")  # only what this save changes
    screenshot(page, "org-settings-confirm-sync")

    summary.get_by_role("link", name="Confirm saving while the sync runs").click()
    expect(warning).to_be_in_viewport()
    page.get_by_label(SAVE_ANYWAY).check()
    page.locator("#org-save").click()
    expect(page.locator("#messages")).to_contain_text("Saved: repositories to mirror: - broken.")
    assert config(emulator, "orgmirror")["repository_filters"] == [
        "alpha",
        "beta",
        "gamma",
        "delta",
    ]

    # The page after the save still shows the box (the sync goes on); when it is over, the
    # live part's next poll lifts it.
    page.locator("#edit-heading").click()
    expect(page.get_by_label(SAVE_ANYWAY)).to_be_visible()
    emulator.configure(org_tag_seconds=1)
    emulator.advance(900)  # the running repository ends, the last one fails: nothing runs
    expect(warning).to_have_text(
        "The sync has ended: what you save applies from the next run.", timeout=8_000
    )


def test_on_a_phone_a_past_start_date_asks_first_and_the_link_shows_the_box(
    signed_in_page, emulator: Emulator, screenshot
):
    page: Page = signed_in_page("olivia", "/org/orgnew/mirror/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#edit-heading").click()
    page.get_by_label("First / next sync").fill("2020-01-01T00:00:00")
    emulator.control("DELETE", "requests")
    page.locator("#org-save").click()
    summary = page.locator(".form-error-summary")
    expect(summary).to_contain_text("the start date is in the past")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert writes(emulator, "orgnew") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "org-settings-confirm-past-start-phone")
    summary.get_by_role("link", name="Confirm a start date in the past").click()
    expect(page.locator("#past-start")).to_be_in_viewport()
    expect(page.get_by_label("First / next sync")).to_have_value(re.compile("^2020-01-01T00:00"))
    page.get_by_label("Yes, start a sync right away").check()
    page.locator("#org-save").click()
    expect(page.locator("#messages")).to_contain_text("Saved: start date: ")
    (put,) = writes(emulator, "orgnew")
    assert put["json"] == {"sync_start_date": "2020-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("user", "path"),
    [
        pytest.param("olivia", "/org/orgmirror/mirror/delete/", id="delete"),
        pytest.param("alice", "/repo/acme/alpine/cancel/", id="cancel"),
    ],
)
def test_on_a_phone_the_questions_way_back_to_the_overview_stays_on_one_line(
    signed_in_page, screenshot, user, path
):
    """The breadcrumb "← Overview · <the mirror>" above the Delete and Cancel questions: at
    390 px "← Overview" keeps to one line at the left (Pico's nav spread the crumbs apart and
    squeezed it onto two lines beside a long mirror name), the mirror's name after it."""
    page: Page = signed_in_page(user, path)
    page.set_viewport_size(PHONE)
    crumbs = page.locator("nav.crumbs")
    back = crumbs.get_by_role("link", name="← Overview")
    mirror = crumbs.get_by_role("link").nth(1)
    line = float(back.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"))
    shown, nav, after = back.bounding_box(), crumbs.bounding_box(), mirror.bounding_box()
    assert shown and nav and after
    assert shown["height"] < 1.5 * line, "← Overview is on one line"
    assert shown["x"] == nav["x"]
    # The mirror's name follows it: on the same line, or wrapped under it from the left.
    assert after["x"] <= shown["x"] + shown["width"] + 40 or after["x"] == nav["x"]
    assert_no_sideways_scroll(page)
    screenshot(page, f"{path.strip('/').replace('/', '-')}-phone")
