"""The organization mirror's filters in the browser: the repository form's glob editor (add,
remove, Enter in a row adds a row, each row's matches) and its preview of which discovered
repositories are kept and skipped, then saved."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.emulator import Emulator
from tests.support.org_api import config


def filter_inputs(page: Page):
    return page.locator("#glob-editor input[name=repository_filters]")


def test_edit_the_filters_with_the_glob_editor_and_save_them(
    signed_in_page, emulator: Emulator, screenshot
):
    emulator.configure(org_tag_seconds=600)  # the seeded sync goes on: the form asks (below)
    page = signed_in_page("olivia", "/org/orgmirror/mirror/")
    page.locator("#edit-heading").click()  # the settings form opens
    preview = page.locator("#glob-preview")
    expect(filter_inputs(page)).to_have_count(6)  # alpha beta gamma delta broken + a spare row
    expect(preview).to_contain_text("5 mirrored (alpha, beta, broken, delta, gamma); 1 skipped")

    # Narrow a row: its own matches and the preview follow.
    page.locator("#rule-1").fill("leg*")
    expect(page.locator("#rule-msg-1")).to_contain_text("matches legacy")
    expect(preview).to_contain_text("1 skipped (beta)")

    # Enter in a row adds a row, focused, instead of saving.
    page.locator("#rule-1").press("Enter")
    expect(filter_inputs(page)).to_have_count(7)
    expect(page.locator("#rule-6")).to_be_focused()
    page.keyboard.type("^x")
    expect(page.locator("#rule-msg-6")).to_contain_text("“^” is regular-expression syntax")
    page.locator("#rule-6").fill("nothing-*")
    expect(page.locator("#rule-msg-6")).to_contain_text("matches no repository discovered so far")
    assert config(emulator, "orgmirror")["repository_filters"] == [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "broken",
    ]

    # Remove rows with their ✕: the focus goes to the row that took the removed one's place.
    page.get_by_role("button", name="Remove filter 3 (gamma)").click()
    expect(filter_inputs(page)).to_have_count(6)
    expect(page.locator("#rule-2")).to_be_focused()
    expect(preview).to_contain_text(
        "4 mirrored (alpha, broken, delta, legacy); 2 skipped (beta, gamma)"
    )
    screenshot(page, "org-filter-editor")

    page.get_by_label("Save anyway: I understand what this does to the running sync").check()
    page.get_by_role("button", name="Save changes", exact=True).click()
    expect(page.locator("#messages")).to_contain_text(
        "Saved: repositories to mirror: + leg*, + nothing-*, - beta, - gamma."
    )
    assert config(emulator, "orgmirror")["repository_filters"] == [
        "alpha",
        "leg*",
        "delta",
        "broken",
        "nothing-*",
    ]


def test_every_row_removed_means_every_repository(signed_in_page, emulator: Emulator):
    page = signed_in_page("olivia", "/org/orgnew/mirror/")
    page.locator("#edit-heading").click()
    for label in ("Remove filter 1 (api)", "Remove filter 1 (worker)", "Remove filter 1 (front*)"):
        page.get_by_role("button", name=label).click()
    expect(filter_inputs(page)).to_have_count(1)
    expect(page.locator("#glob-editor")).to_contain_text(
        "No filter at all: every repository of the source is mirrored."
    )
    page.get_by_role("button", name="Save changes", exact=True).click()
    expect(page.locator("#messages")).to_contain_text(
        "Saved: repositories to mirror: - api, - worker, - front*."
    )
    assert config(emulator, "orgnew")["repository_filters"] == []
