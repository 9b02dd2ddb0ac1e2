"""In the browser: the Watching page fits a phone (it was 463 px wide in a 358 px frame, its
buttons out of sight)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.mirrors import clock
from dashboard.watch import enrol
from tests.support.browser import PHONE, assert_no_sideways_scroll

WATCHER_TOKEN = "watcherdemotoken".ljust(40, "0")


@pytest.mark.django_db(transaction=True)
def test_the_watching_page_fits_a_phone(signed_in_page, emulator):
    for namespace in ("acme", "globex"):
        assert enrol.enrol(namespace, WATCHER_TOKEN, enrolled_by="alice", now=clock.now()).ok
    page = signed_in_page("alice", "/watch/")
    page.set_viewport_size(PHONE)
    expect(page.locator("#watch-acme")).to_be_visible()
    assert_no_sideways_scroll(page)
    frame = "document.querySelector('table.watching').parentElement"
    assert page.evaluate(f"{frame}.scrollWidth <= {frame}.clientWidth")
    expect(page.get_by_role("button", name="Stop watching acme")).to_be_in_viewport()
