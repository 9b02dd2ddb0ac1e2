"""In the browser, at desktop and phone width: a failed mirror's whole reason on the overview,
reachable without a hover (seeded acme/etcd: its source's certificate is signed by an unknown
authority). On a desktop it wraps in full in the Last result column; on a phone, where that
column is hidden, it is in a disclosure under the status that opens by touch and by keyboard,
and nothing sticks out sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_overview import detailed
from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import Emulator

WHOLE = (
    "Error listing repository tags: pinging container registry quay.io: Get "
    '"https://quay.io/v2/": tls: failed to verify certificate: x509: certificate signed by '
    "unknown authority"
)


def _no_tooltip(page: Page, selector: str) -> None:
    titled = page.evaluate(
        f"[...document.querySelectorAll('{selector} [title]')]"
        ".filter(el => el.tagName !== 'TIME').length"
    )
    assert titled == 0


def test_the_whole_reason_wraps_in_the_last_result_column_on_a_desktop(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    page.set_viewport_size({"width": 1366, "height": 900})
    etcd = detailed(page, "acme/etcd")
    last = etcd.locator("td.last-result")
    expect(last).to_contain_text(WHOLE)
    expect(last.locator(".reason")).to_be_visible()
    expect(last).to_contain_text("(Quay files it under “Authentication refused”)")
    _no_tooltip(page, "tr#row-acme_2fetcd")
    expect(etcd.locator(".failure-reason")).to_be_hidden()  # the column says it: no 2nd copy
    box = last.bounding_box()
    assert box and box["width"] <= 22 * 16 + 1  # it wraps inside its column
    screenshot(page, "overview-failure-reason-desktop")


def test_the_whole_reason_opens_under_the_status_on_a_phone(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    page.set_viewport_size(PHONE)
    etcd = detailed(page, "acme/etcd")
    expect(etcd.locator("td.last-result")).to_be_hidden()
    summary = etcd.locator(".failure-reason summary")
    expect(summary).to_have_text("Why it failed: acme/etcd")  # (the name for a screen reader)
    expect(summary.locator(".visually-hidden")).to_have_text(": acme/etcd")
    reason = etcd.locator(".failure-reason details p")
    expect(reason).to_be_hidden()
    # By keyboard: the summary takes the focus, Enter opens it.
    summary.focus()
    page.keyboard.press("Enter")
    expect(reason).to_be_visible()
    expect(reason).to_contain_text(WHOLE)
    assert_no_sideways_scroll(page)
    wrap = "document.querySelector('#results .table-wrap')"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")
    screenshot(page, "overview-failure-reason-phone")
    # By touch: a tap closes it and opens it again.
    summary.click()
    expect(reason).to_be_hidden()
    summary.click()
    expect(reason).to_be_visible()
    _no_tooltip(page, "tr#row-acme_2fetcd")


ORG_REASON = (
    "Error listing repository tags: pinging container registry quay.example.com: Get "
    '"https://quay.example.com/v2/": net/http: TLS handshake timeout'
)


def test_a_failed_organization_repositorys_reason_on_a_desktop_and_a_phone(
    signed_in_page, emulator: Emulator, screenshot
):
    """orgmirror/broken: Quay's status message says "See output"; the page says why."""
    emulator.advance(120)
    page = signed_in_page("olivia", "/org/orgmirror/mirror/")
    broken = page.locator('table.org-repos tr[data-repo="broken"]')
    expect(broken).to_contain_text(ORG_REASON)
    expect(broken).not_to_contain_text("See output")
    _no_tooltip(page, 'table.org-repos tr[data-repo="broken"]')
    page.set_viewport_size(PHONE)
    expect(broken.locator(".reason")).to_be_visible()
    assert_no_sideways_scroll(page)
    wrap = "document.querySelector('table.org-repos').parentElement"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")
    screenshot(page, "organization-failure-reason-phone")
