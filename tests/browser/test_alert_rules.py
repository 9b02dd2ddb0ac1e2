"""The alert rules page in a browser: an admin adds a rule through the form (its URL never
comes back into the page), sends a test and sees it delivered; the page fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.mirrors import clock
from dashboard.watch import enrol
from dashboard.watch.alerts import deliver
from dashboard.watch.poll import poll
from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.channels import http_receiver

WATCHER_TOKEN = "watcherdemotoken".ljust(40, "0")


@pytest.fixture
def watched(dashboard: str) -> str:
    assert enrol.enrol("acme", WATCHER_TOKEN, enrolled_by="alice", now=clock.now()).ok
    poll("acme")
    return dashboard


def test_an_admin_adds_a_rule_sends_a_test_and_sees_it_delivered(
    watched, signed_in_page, screenshot
):
    page = signed_in_page("alice", "/watch/")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Alerts of acme").click()
    expect(page.get_by_role("heading", name="Alerts of acme")).to_be_visible()
    with http_receiver() as receiver:
        page.locator(".alert-add input[name=url]").fill(receiver.url)
        page.get_by_role("button", name="Add the rule").click()
        expect(page.locator("#messages")).to_contain_text("Alerts of acme now go to JSON")
        html = page.content()
        assert "s3cr3t-hook-token" not in html
        expect(page.locator("[data-shown]")).to_have_text(f"json://127.0.0.1:{receiver.port}/…")
        page.get_by_role("button", name="Send a test").click()
        expect(page.locator("#messages")).to_contain_text("A test is on its way")
        taken: list[int] = []
        deliver.take_due(clock.now(), taken.append)
        deliver.send(taken[0], clock.now())
        page.reload()
        expect(page.locator("[data-delivery]")).to_contain_text("Delivered")
        assert receiver.received[0]["title"] == "Test from Mirror Dashboard: alerts of acme"
    assert_no_sideways_scroll(page)
    screenshot(page, "alert-rules")
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
