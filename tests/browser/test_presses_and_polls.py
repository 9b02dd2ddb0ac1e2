"""In the browser, for both kinds of mirror: Cancel asks in a dialog, then the live status shows
it without a reload (and Sync now is on again); dismissing the dialog cancels nothing; a hidden
tab makes no polls and a visible one polls again."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import assert_not_reloaded, hide_tab, mark_page
from tests.support.emulator import Emulator


@dataclass(frozen=True)
class LivePage:
    """A mirror's page in the browser: who opens it, where, and its live parts."""

    user: str
    path: str
    status: str  # the status word
    sync_now: str
    cancel: str
    result: str  # where a press's answer is said
    stored: str  # the emulator's control path of its record
    claim_delay: float  # how soon a worker takes up what is pressed (or cancelled)


#: A mirror of each kind whose sync runs after the seed.
RUNNING = {
    "repository": LivePage(
        "alice",
        "/repo/acme/alpine/",
        "#status-body .status-line .status",
        "#sync-now-button",
        "#sync-cancel-button",
        ".action-result",
        "mirror/acme/alpine",
        30,  # Cancel is done at once; a Sync now after it stays queued a while
    ),
    "organization": LivePage(
        "olivia",
        "/org/orgmirror/mirror/",
        "#org-live .status-line .status",
        "#org-sync-now",
        "#org-cancel",
        "#org-result",
        "org-mirror/orgmirror",
        0.5,  # the worker marks the repositories cancelled at its next pass
    ),
}
EACH_KIND = pytest.mark.parametrize("kind", RUNNING)


@pytest.mark.parametrize(
    ("kind", "what_it_does", "cancelled"),
    [
        pytest.param(
            "repository",
            [
                "The running copy stops after the current tag",
                "scheduled syncs stay paused until someone presses Sync now",
            ],
            "paused until Sync now",
            id="repository",
        ),
        pytest.param(
            "organization",
            ["the next scheduled run syncs them all again"],
            "5 cancelled",
            id="organization",
        ),
    ],
)
def test_cancel_asks_then_the_live_status_shows_it_and_sync_now_is_on_again(
    signed_in_page, emulator: Emulator, screenshot, kind, what_it_does, cancelled
):
    live = RUNNING[kind]
    emulator.configure(claim_delay=live.claim_delay)
    page = signed_in_page(live.user, live.path)
    expect(page.locator(live.status)).to_have_text("Syncing")
    expect(page.locator(live.sync_now)).to_be_disabled()
    mark_page(page)
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.locator(live.cancel).click()
    expect(page.locator(live.status)).to_have_text("Cancelled", timeout=8_000)
    for words in what_it_does:
        assert words in dialogs[0]
    expect(page.locator(live.result)).to_contain_text(re.compile("cancel", re.I))
    expect(page.locator(".status-body")).to_contain_text(cancelled)
    screenshot(page, f"{kind}-cancelled")
    assert_not_reloaded(page)
    expect(page.locator(live.sync_now)).to_be_enabled()
    page.locator(live.sync_now).click()
    expect(page.locator(live.result)).to_contain_text("Sync requested")
    expect(page.locator(live.status)).to_have_text(re.compile("Queued|Syncing"), timeout=8_000)


def test_a_repositorys_cancel_button_goes_once_its_sync_is_cancelled(
    signed_in_page, emulator: Emulator
):
    page = signed_in_page("alice", "/repo/acme/alpine/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel sync").click()
    expect(page.locator(RUNNING["repository"].status)).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel sync")).to_have_count(0)
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"


@EACH_KIND
def test_dismissing_the_cancel_dialog_cancels_nothing(signed_in_page, emulator: Emulator, kind):
    live = RUNNING[kind]
    page = signed_in_page(live.user, live.path)
    before = emulator.control("GET", live.stored)["sync_status"]
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator(live.cancel).click()
    page.wait_for_timeout(500)
    expect(page.locator(live.status)).to_have_text("Syncing")
    assert emulator.control("GET", live.stored)["sync_status"] == before
    assert not [r for r in emulator.requests_log() if r["path"].endswith("/sync-cancel")]


@pytest.mark.parametrize(
    ("kind", "path", "press"),
    [
        # acme/redis's sync, pressed and made long; orgmirror's repositories sync one at a time
        pytest.param("repository", "/repo/acme/redis/", "#sync-now-button", id="repository"),
        pytest.param("organization", "/org/orgmirror/mirror/", None, id="organization"),
    ],
)
def test_a_hidden_tab_makes_no_polls(
    signed_in_page, emulator: Emulator, status_polls, kind, path, press
):
    emulator.configure(sync_duration=600)
    live = RUNNING[kind]
    page = signed_in_page(live.user, path)
    if press:
        page.locator(press).click()
        expect(page.locator(live.status)).to_have_text("Queued")
    polls = status_polls(page)
    page.wait_for_timeout(4_500)
    assert len(polls) >= 2, "a visible tab polls every 2 s"

    hide_tab(page)
    page.wait_for_timeout(300)  # a poll already in flight may land
    before = len(polls)
    page.wait_for_timeout(5_000)
    assert len(polls) == before, "a hidden tab must not poll"

    hide_tab(page, hidden=False)
    page.wait_for_timeout(4_500)
    assert len(polls) > before, "polling resumes when the tab is visible again"


def polls_of(page: Page) -> int:  # pragma: no cover - kept for symmetry with status_polls
    return 0


def _console_errors(page: Page) -> list[str]:
    """The page's console errors from now on (htmx logs its error events there)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    return errors


@pytest.mark.parametrize(
    ("kind", "path", "over"),
    [
        pytest.param("repository", "/repo/acme/nginx/", "Synced", id="repository"),
        pytest.param(
            "organization", "/org/orgnew/mirror/", re.compile("Synced|Failed"), id="organization"
        ),
    ],
)
def test_a_sync_that_ends_on_a_page_without_the_box_logs_no_error(
    signed_in_page, emulator: Emulator, kind, path, over
):
    """A page opened while nothing runs shows no "a sync is running" box in its settings
    form: the answer that finds its sync over sends nothing for a box it does not have
    (htmx logged ``htmx:oobErrorNoTarget`` for ``#sync-warning``)."""
    emulator.configure(claim_delay=0.5, sync_duration=1, org_tag_seconds=0.5)
    live = RUNNING[kind]
    page = signed_in_page(live.user, path)
    expect(page.locator("#sync-warning")).to_have_count(0)
    errors = _console_errors(page)
    page.locator(live.sync_now).click()
    expect(page.locator(live.result)).to_contain_text("Sync requested")
    expect(page.locator(live.status)).to_have_text(over, timeout=20_000)
    page.wait_for_timeout(500)  # the answer after it, if any
    assert not [e for e in errors if "oobErrorNoTarget" in e], errors
    expect(page.locator("#sync-warning")).to_have_count(0)


@pytest.mark.parametrize(
    ("kind", "path", "cancelled"),
    [
        pytest.param(
            "repository", "/repo/acme/nginx/", "Status of acme/nginx: Cancelled", id="repository"
        ),
        pytest.param(
            "organization",
            "/org/orgmirror/mirror/",
            re.compile("Status of orgmirror: Cancell(ing|ed)"),
            id="organization",
        ),
    ],
)
def test_the_screen_reader_line_says_the_status_as_soon_as_a_cancel_changes_it(
    signed_in_page, emulator: Emulator, kind, path, cancelled
):
    """``#status-announce`` (visually hidden, aria-live) says what the status shows: after
    Cancel, the status the answer shows, not the "Syncing" it said before."""
    emulator.configure(claim_delay=0.5, sync_duration=600)
    live = RUNNING[kind]
    page = signed_in_page(live.user, path)
    errors = _console_errors(page)
    if kind == "repository":
        page.locator(live.sync_now).click()
        expect(page.locator("#status-announce")).to_contain_text(
            "Status of acme/nginx: Syncing", timeout=8_000
        )
    expect(page.locator(live.status)).to_have_text("Syncing", timeout=8_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(live.cancel).click()
    expect(page.locator(live.result)).to_contain_text(re.compile("cancel", re.I))
    # At once: within the answer to the press, before any poll (they come every 2 s).
    expect(page.locator("#status-announce")).to_contain_text(cancelled, timeout=1_000)
    assert page.locator(live.status).inner_text() in page.locator("#status-announce").inner_text()
    assert not [e for e in errors if "oobErrorNoTarget" in e], errors
