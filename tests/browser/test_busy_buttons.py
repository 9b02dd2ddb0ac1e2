"""In the browser: every button that calls Quay is off while its call runs, says so to
assistive technology (aria-busy), and after a second the page says "Still waiting for
Quay…" -- on the overview's rows, the status panel, and the settings form's Save."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_overview import detailed
from tests.support.emulator import Emulator


def test_a_row_button_is_off_while_its_call_runs_and_says_it_waits(
    signed_in_page, emulator: Emulator
):
    page = signed_in_page("alice", "/")
    redis = detailed(page, "acme/redis")
    emulator.configure(hang=["/api/v1/repository/acme/redis/mirror/sync-now"])
    button = redis.get_by_role("button", name="Sync now")
    button.click()
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
    expect(redis.locator(".busy-note")).to_have_text("Still waiting for Quay…")
    emulator.configure(hang=[])  # Quay answers at last (the hang ends as a gateway timeout)
    expect(redis.locator(".row-message")).to_be_visible()


def test_the_status_panels_buttons_and_save_are_off_while_their_call_runs(
    signed_in_page, emulator: Emulator
):
    page = signed_in_page("alice", "/repo/acme/redis/")
    emulator.configure(hang=["/api/v1/repository/acme/redis/mirror/sync-now"])
    sync_now = page.locator("#sync-now-button")
    sync_now.click()
    expect(sync_now).to_be_disabled()
    expect(page.locator(".status-actions .busy-note")).to_have_text("Still waiting for Quay…")
    emulator.configure(hang=[])
    expect(page.locator("#status-result")).not_to_be_empty()

    page.goto(page.url)
    # The save posts the whole page: while it waits, the browser is navigating, so what the
    # button and its note did is written down (sessionStorage) and read on the next page.
    page.evaluate(
        """() => {
            const save = document.querySelector("button.save");
            const note = document.querySelector(".form-actions .busy-note");
            const keep = () => sessionStorage.setItem("seen", JSON.stringify({
                disabled: save.disabled, busy: save.getAttribute("aria-busy"),
                note: note.textContent}));
            new MutationObserver(keep).observe(document.querySelector(".form-actions"),
                {attributes: true, childList: true, subtree: true, characterData: true});
        }"""
    )
    emulator.configure(hang=["/api/v1/repository/acme/redis/mirror"])
    page.locator("#id_sync_interval_value").fill("13")
    page.locator("button.save").click(no_wait_after=True)
    page.wait_for_timeout(1_500)  # Quay has not answered: the page says so after a second
    with page.expect_navigation():  # the answer comes once Quay does
        emulator.configure(hang=[])
    page.wait_for_load_state()
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))")
    assert seen == {"disabled": True, "busy": "true", "note": "Still waiting for Quay…"}
