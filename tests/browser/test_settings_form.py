"""The settings form in a browser: the glob editor's rows and live preview, errors, saving."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.emulator import TOKENS


def rule_inputs(page: Page):
    return page.locator("#glob-editor input[name=root_rule]")


def test_edit_the_tag_rule_with_the_editor_and_save_it(signed_in_page, emulator, screenshot):
    page = signed_in_page("alice", "/repo/acme/nginx/")
    # 1.23 matches, but the source no longer has it: not kept, and said why.
    expect(page.locator("#glob-preview")).to_contain_text("Keeps 6 of 7")
    expect(page.locator("#glob-preview .stale-tags")).to_contain_text("1.23")
    expect(rule_inputs(page)).to_have_count(3)  # 1.2*, latest, a spare row

    # Narrow the first pattern: the preview says which tags the next sync would delete.
    page.locator("#rule-0").fill("1.27*")
    preview = page.locator("#glob-preview")
    expect(preview).to_contain_text("Keeps 3 of 7")
    expect(preview.locator(".deleted-tags")).to_contain_text("1.23")
    expect(preview).to_contain_text("These 4 tags are here now and would be deleted")
    expect(page.locator("#rule-msg-0")).to_contain_text("matches 1.27, 1.27.1")

    # Add a row: it comes focused; type a pattern with a comma, then fix it.
    page.get_by_role("button", name="+ Add pattern").click()
    expect(rule_inputs(page)).to_have_count(4)
    expect(page.locator("#rule-3")).to_be_focused()
    page.keyboard.type("mainline,stable")
    expect(page.locator("#rule-msg-3")).to_contain_text("cannot contain a comma")
    page.locator("#rule-3").fill("mainline")
    expect(page.locator("#rule-msg-3")).not_to_contain_text("comma")
    screenshot(page, "edit-glob-preview")

    # Remove "latest" (row 2 of the visible ones): the preview follows, and the keyboard
    # focus goes to the row that took its place.
    page.get_by_role("button", name="Remove pattern 2 (latest)").click()
    expect(rule_inputs(page)).to_have_count(3)
    expect(page.locator("#glob-preview")).to_contain_text("Keeps 2 of 7")
    expect(page.locator("#rule-1")).to_be_focused()

    # The save names the tags it would delete, and asks before deleting them.
    save = page.locator("button.save")
    expect(save).to_contain_text("Save changes and delete 5 tags…")
    save.click()
    expect(page.locator("#delete-warning")).to_contain_text("I understand tags 1.23")
    assert emulator.mirror("acme", "nginx")["root_rule"]["rule_value"] == ["1.2*", "latest"]
    page.locator("#delete-warning input[type=checkbox]").check()
    page.locator("button.save").click()
    expect(page.locator("#messages")).to_contain_text("tags: + 1.27*, + mainline, - 1.2*, - latest")
    assert emulator.mirror("acme", "nginx")["root_rule"]["rule_value"] == ["1.27*", "mainline"]


def test_errors_come_back_next_to_their_fields(signed_in_page, emulator, screenshot):
    page = signed_in_page("alice", "/repo/acme/flaky/")
    page.get_by_label("Source", exact=True).fill("https://ghcr.io/acme-corp/flaky-service")
    page.get_by_label("Sync every").fill("0")
    page.get_by_label("Time out after").fill("2")
    page.get_by_label("Password", exact=True).fill("typed-secret")
    page.get_by_text("Network (TLS, proxies)").click()
    page.get_by_label("HTTP proxy").fill("http://proxy.acme:3128")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".form-error-summary")).to_contain_text("Nothing was saved")
    expect(page.locator("#id_external_reference_error")).to_contain_text("Leave out the scheme")
    expect(page.locator("#id_sync_interval_value_error")).to_contain_text("at least 1 minute")
    expect(page.locator("#id_skopeo_timeout_value_error")).to_contain_text("at least 5 minutes")
    expect(page.get_by_label("Source", exact=True)).to_have_value(
        "https://ghcr.io/acme-corp/flaky-service"
    )
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.locator("#id_external_registry_password_error")).to_contain_text(
        "Type the password again"
    )
    # The folded network section holds a change: it comes back open.
    expect(page.get_by_label("HTTP proxy")).to_be_visible()
    screenshot(page, "edit-form-errors")
    assert emulator.mirror("acme", "flaky")["external_reference"] == (
        "ghcr.io/acme-corp/flaky-service"
    )


def test_quays_refusal_is_shown_by_the_field(signed_in_page, emulator, screenshot):
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.get_by_label("Source", exact=True).fill("169.254.169.254/latest/meta-data")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#id_external_reference_error")).to_contain_text(
        "Quay refused this: This Quay does not allow mirroring from 169.254.169.254"
    )
    screenshot(page, "edit-quay-refused")


def test_enter_in_a_field_saves_rather_than_removing_a_row(signed_in_page, emulator):
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.get_by_label("Sync every").fill("4")
    page.get_by_label("Sync every").press("Enter")
    expect(page.locator("#messages")).to_contain_text("interval: 12 hours → 4 hours")
    stored = emulator.mirror("acme", "redis")
    assert stored["sync_interval"] == 4 * 3600
    assert stored["root_rule"]["rule_value"] == ["7.*", "latest"]


def test_the_form_makes_no_horizontal_scrollbar(signed_in_page, emulator):
    page = signed_in_page("alice", "/repo/acme/nginx/")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_no_sideways_scroll(page)


def test_a_form_drawn_in_one_zone_and_posted_from_another_leaves_the_date_alone(
    signed_in_page, emulator, dashboard
):
    """Drawn in UTC; the zone cookie then says New York (a new sign-in, another browser
    profile): only the changed interval reaches Quay, the start date is not moved."""
    page = signed_in_page("alice", "/repo/acme/redis/")
    before = emulator.mirror("acme", "redis")["sync_start_date"]
    page.context.add_cookies([{"name": "tz", "value": "America/New_York", "url": dashboard}])
    emulator.control("DELETE", "requests")
    page.get_by_label("Sync every").fill("13")
    page.locator("button.save").click()
    expect(page.locator("#messages")).to_contain_text("interval: 12 hours → 13 hours")
    puts = [r["json"] for r in emulator.requests_log() if r["method"] == "PUT"]
    assert puts == [{"sync_interval": 13 * 3600}]
    assert emulator.mirror("acme", "redis")["sync_start_date"] == before


def test_a_tab_opened_before_signing_in_again_still_saves(signed_in_page, emulator, dashboard):
    """Signing in again (here in a second tab) rotates the CSRF token; the first tab's form
    and buttons send the browser's current one, so nothing is refused or lost."""
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.get_by_label("Sync every").fill("13")
    other = page.context.new_page()
    other.goto(f"{dashboard}/accounts/login/?next=/")
    other.get_by_label("Access token").fill(TOKENS["alice"])
    other.get_by_role("button", name="Sign in with token").click()
    other.wait_for_url(f"{dashboard}/")
    other.close()
    page.locator("button.save").click()
    expect(page.locator("#messages")).to_contain_text("interval: 12 hours → 13 hours")
    assert emulator.mirror("acme", "redis")["sync_interval"] == 13 * 3600
    page.get_by_role("button", name="Sync now").click()  # an htmx press from the same tab
    expect(page.locator("#status-body .status-line .status")).to_have_text("Queued")


def test_the_repository_form_fits_a_phone(signed_in_page, screenshot):
    """The tag rule editor (its rows, their ✕, the preview) stays within a phone's screen,
    whatever the preview says: nothing deleted (acme/redis), a tag gone from the source
    (acme/nginx), and a pattern as long as a tag may be, with no break in it."""
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.set_viewport_size(PHONE)
    expect(page.locator("#glob-preview")).to_contain_text("No current tag would be deleted")
    assert_no_sideways_scroll(page)
    remove = page.get_by_role("button", name="Remove pattern 1 (7.*)")
    box = remove.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]
    page.locator("#rule-0").fill("7" * 128)
    expect(page.locator("#glob-preview")).to_contain_text("would be deleted")
    assert_no_sideways_scroll(page)
    page.goto(page.url.replace("/repo/acme/redis/", "/repo/acme/nginx/"))
    expect(page.locator("#glob-preview")).to_contain_text("Gone from the source")
    assert_no_sideways_scroll(page)
    screenshot(page, "edit-phone")


def test_on_a_phone_a_refused_save_puts_its_outcome_in_view_with_the_focus(
    signed_in_page, emulator
):
    page = signed_in_page("alice", "/repo/acme/redis/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Source", exact=True).fill("10.1.2.3/library/redis")  # Quay refuses it
    page.locator("button.save").click()
    summary = page.locator(".form-error-summary")
    expect(summary).to_contain_text("Nothing was saved")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    link = summary.get_by_role("link", name=re.compile("^Source"))
    link.click()
    expect(page.get_by_label("Source", exact=True)).to_be_in_viewport()


def test_enter_in_a_pattern_row_adds_a_row_and_saves_nothing(signed_in_page, emulator):
    page = signed_in_page("alice", "/repo/acme/redis/")
    emulator.control("DELETE", "requests")
    rows = rule_inputs(page)
    before = rows.count()
    page.locator("#rule-0").press("Enter")
    expect(rows).to_have_count(before + 1)
    expect(page.locator(f"#rule-{before}")).to_be_focused()
    assert not [r for r in emulator.requests_log() if r["method"] == "PUT"]


def test_the_rule_editor_keeps_working_in_a_tab_opened_before_signing_in_again(
    signed_in_page, emulator, dashboard
):
    page = signed_in_page("alice", "/repo/acme/redis/")
    other = page.context.new_page()
    other.goto(f"{dashboard}/accounts/login/?next=/")
    other.get_by_label("Access token").fill(TOKENS["alice"])
    other.get_by_role("button", name="Sign in with token").click()
    other.wait_for_url(f"{dashboard}/")
    other.close()
    rows = rule_inputs(page)
    before = rows.count()
    page.get_by_role("button", name="+ Add pattern").click()  # htmx, includes the form
    expect(rows).to_have_count(before + 1)
    page.locator(f"#rule-{before}").fill("8.*")  # the live check posts the form too
    expect(page.locator(f"#rule-msg-{before}")).to_be_visible()
    expect(page.locator("#messages")).not_to_contain_text("Reload the page")


def test_the_create_button_names_deletions_only_once_a_rule_is_typed(
    signed_in_page, emulator, screenshot
):
    # acme/app: three tags (latest, v2.3.0, v2.4.0), put in mirror state: the create form,
    # its tag rule empty.
    emulator.api("PUT", "repository/acme/app/changestate", json={"state": "MIRROR"})
    page = signed_in_page("alice", "/repo/acme/app/")
    save = page.locator("button.save")
    expect(save).to_have_text("Create mirror")
    expect(page.locator("#glob-preview")).to_contain_text("No pattern yet")
    page.locator("#rule-0").fill("v2*")
    expect(save).to_have_text("Create mirror and delete 1 tag…")
    expect(page.locator("#glob-preview")).to_contain_text("Keeps 2 of 3")
    page.locator("#rule-0").fill("")
    expect(save).to_have_text("Create mirror")
    expect(page.locator("#glob-preview")).to_contain_text("No pattern yet")
    screenshot(page, "create-form-empty-rule")
