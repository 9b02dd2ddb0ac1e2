"""In the browser, at desktop and phone width: the failures view answers the team lead's
question for the seed (acme and globex watched and polled), each group's reason whole and
wrapping, the filters working as a plain GET form, and nothing sticking out sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dashboard.mirrors import clock
from dashboard.watch import enrol
from dashboard.watch.poll import poll
from tests.support.browser import PHONE, assert_no_sideways_scroll

WATCHER_TOKEN = "watcherdemotoken".ljust(40, "0")
SEEN = ["acme/debian", "acme/flaky", "acme/etcd", "acme/postgres", "globex/traefik"]


@pytest.fixture
def watched(dashboard: str) -> str:
    for namespace in ("acme", "globex"):
        assert enrol.enrol(namespace, WATCHER_TOKEN, enrolled_by="alice", now=clock.now()).ok
        poll(namespace)
    return dashboard


def _rows(page: Page) -> list[str]:
    return page.locator("table.failures tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.mirror)"
    )


def test_one_click_from_the_overview_to_every_failure_and_why_on_a_desktop(
    watched, signed_in_page, screenshot
):
    page = signed_in_page("alice", "/")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Failures in the last 24 h, and why →").click()
    expect(page.get_by_role("heading", name="Failures", exact=True)).to_be_visible()
    assert sorted(_rows(page)) == sorted(SEEN)
    etcd = page.locator('tr[data-mirror="acme/etcd"] td.reason')
    expect(etcd).to_contain_text("x509: certificate signed by unknown authority")
    box = etcd.bounding_box()
    assert box and box["x"] + box["width"] <= 1366  # whole, wrapping inside the window
    assert_no_sideways_scroll(page)
    expect(page.locator("table.failures caption").first).to_be_visible()
    # The filters are a GET form: the URL carries them.
    page.select_option("#f-namespace", "globex")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        f"{watched}/failures/?window=24h&from=&to=&namespace=globex&cause=&host="
    )
    assert _rows(page) == ["globex/traefik"]
    page.goto(f"{watched}/failures/")
    screenshot(page, "failures-desktop")


def test_the_failures_view_on_a_phone(watched, signed_in_page, screenshot):
    page = signed_in_page("alice", "/failures/")
    page.set_viewport_size(PHONE)
    assert sorted(_rows(page)) == sorted(SEEN)
    reason = page.locator('tr[data-mirror="acme/postgres"] td.reason')
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("requested access to the resource is denied")
    assert_no_sideways_scroll(page)
    screenshot(page, "failures-phone")
