"""Mirrors as code in a browser: from the overview to the page, a file pasted, its plan per
mirror; on a phone without sideways scrolling."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import PHONE, assert_no_sideways_scroll

FILE = """version: 1
mirrors:
- kind: repository
  namespace: acme
  repository: nginx
  sync_interval: 43200
- kind: repository
  namespace: acme
  repository: redis
  skopeo_timeout_interval: 60
"""


def test_a_pasted_file_shows_its_plan_per_mirror(signed_in_page, screenshot):
    page = signed_in_page("alice", "/")
    page.get_by_role("link", name="Mirrors as code").click()
    expect(page.get_by_role("heading", name="Mirrors as code", level=1)).to_be_visible()
    page.locator("details summary", has_text="or paste it").click()
    page.get_by_label("The file's text").fill(FILE)
    page.get_by_role("button", name="Show the plan").click()
    plan = page.locator("#plan")
    expect(plan.get_by_role("status")).to_contain_text("1 to update")
    expect(plan.locator('tr[data-mirror="acme/nginx"]')).to_contain_text(
        "interval: 6 hours → 12 hours"
    )
    expect(plan.locator('tr[data-mirror="acme/redis"]')).to_contain_text(
        "The timeout must be at least 5 minutes"
    )
    expect(plan.locator('tr[data-mirror="acme/etcd"]')).to_contain_text("left alone")
    screenshot(page, "as-code-plan")
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    screenshot(page, "as-code-plan-phone")
