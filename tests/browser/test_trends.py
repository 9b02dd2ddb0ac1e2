"""In the browser: a watched namespace's trends chart is drawn (the vendored Chart.js, from the
page's JSON) with the very numbers of the table beside it, no error on the console (nor a CSP
violation: the context fixture checks), and the page fits a phone's width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from dashboard.mirrors import clock
from dashboard.watch import enrol
from dashboard.watch.models import Enrolment
from dashboard.watch.poll import poll
from tests.support.browser import PHONE, assert_no_sideways_scroll

WATCHER_TOKEN = "watcherdemotoken".ljust(40, "0")


@pytest.fixture
def watched(dashboard: str) -> str:
    """acme watched and polled; the watcher counts from two days ago (the days before are
    Quay's log counts)."""
    assert enrol.enrol("acme", WATCHER_TOKEN, enrolled_by="alice", now=clock.now()).ok
    poll("acme")
    today = datetime.combine(clock.now().astimezone(UTC).date(), datetime.min.time(), UTC)
    Enrolment.objects.filter(namespace="acme").update(counts_from=today - timedelta(days=2))
    return dashboard


def _table(page: Page) -> dict[str, list]:
    return page.locator("table.trend-days tbody tr").evaluate_all(
        """rows => {
            const n = v => v === '' ? null : Number(v);
            return {
                days: rows.map(r => r.dataset.day),
                successes: rows.map(r => n(r.dataset.successes)),
                failures: rows.map(r => n(r.dataset.failures)),
            };
        }"""
    )


def _chart(page: Page) -> dict[str, list]:
    return page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById('trends-chart'));
            return {
                labels: chart.data.labels,
                successes: chart.data.datasets[0].data,
                failures: chart.data.datasets[1].data,
            };
        }"""
    )


def _assert_days_fit(page: Page) -> None:
    """The table of days fits its box (it scrolled sideways at 390 px, its caption cut)."""
    wide, room = page.locator("table.trend-days").evaluate(
        "t => [t.closest('.table-wrap').scrollWidth, t.closest('.table-wrap').clientWidth]"
    )
    assert wide <= room
    caption = page.locator("table.trend-days caption").bounding_box()
    assert caption is not None and caption["x"] >= 0
    assert caption["x"] + caption["width"] <= PHONE["width"]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_chart_is_drawn_with_the_tables_numbers(watched, signed_in_page, screenshot, width):
    errors: list[str] = []
    page = signed_in_page("alice", "/")
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    if width == "phone":
        page.set_viewport_size(PHONE)
    else:
        page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{watched}/watch/acme/trends/")
    canvas = page.locator("#trends-chart")
    expect(canvas).to_have_attribute("data-drawn", "2")
    table = _table(page)
    chart = _chart(page)
    assert len(table["days"]) == 7
    assert chart["labels"] == [day[5:] for day in table["days"]]
    assert chart["successes"] == table["successes"]
    assert chart["failures"] == table["failures"]
    assert sum(table["successes"]) > 0  # the seed's runs, not an empty chart
    sources = page.locator("table.trend-days tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.source)"
    )
    assert set(sources) == {"quay", "index"}
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    # The canvas is pixels: the table is what a screen reader reads.
    expect(page.locator(".trend-chart")).to_have_attribute("aria-hidden", "true")
    expect(page.get_by_role("table", name="Successes and failures per day")).to_be_visible()
    if width == "phone":
        assert box["x"] + box["width"] <= PHONE["width"]
        assert_no_sideways_scroll(page)
        _assert_days_fit(page)
        page.goto(f"{watched}/watch/acme/trends/?window=30d")  # "Quay's log counts" rows
        _assert_days_fit(page)
        page.goto(f"{watched}/watch/acme/trends/")
    expect(page.locator('tr[data-mirror="acme/flaky"]')).to_be_visible()
    assert errors == []
    screenshot(page, f"trends-{width}")
