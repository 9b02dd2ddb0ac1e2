"""A sign-in that expires while someone edits: the page stays, the edits survive sign-in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.emulator import TOKENS

PAGE = "/repo/acme/alpine/"  # SYNCING in the seed: its status panel polls


def test_a_poll_answered_401_keeps_the_page_and_a_later_save_survives_sign_in(
    signed_in_page, dashboard, emulator, status_polls, screenshot
):
    page = signed_in_page("alice", PAGE)
    polls = status_polls(page)
    field = page.locator('#settings-form input[name="external_reference"]')
    field.fill("docker.io/library/typed-before-expiry")

    emulator.configure(fail={"/api/v1/repository/acme/alpine/mirror": 401})
    banner = page.locator("#messages")
    expect(banner).to_contain_text("Your Quay sign-in has expired", timeout=15_000)
    screenshot(page, "reauth-banner")
    expect(page).to_have_url(dashboard + PAGE)  # not sent away
    expect(field).to_have_value("docker.io/library/typed-before-expiry")
    expect(banner.get_by_role("link", name="Sign in again")).to_have_attribute(
        "href", "/accounts/login/?next=%2Frepo%2Facme%2Falpine%2F"
    )
    seen = len(polls)
    page.wait_for_timeout(4_500)  # two poll intervals
    assert len(polls) == seen  # the 286 stopped the polling

    emulator.configure(fail={})
    field.press("Enter")  # Save, while signed out
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Access token").fill(TOKENS["alice"])
    page.get_by_role("button", name="Sign in with token").click()
    page.wait_for_url(dashboard + PAGE)
    expect(page.locator('#settings-form input[name="external_reference"]')).to_have_value(
        "docker.io/library/typed-before-expiry"
    )
