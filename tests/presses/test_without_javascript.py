"""Without JavaScript a press (Sync now, Cancel after its confirmation page, bulk) goes back to
the page it was made on -- the overview drawn whole, ``/?details=all`` with its filters -- and
its answer is shown there: not on ``/``, whose ``<noscript>`` refresh would move on at once and
lose it. Only paths of this site are gone back to."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.kinds import for_each_kind, org, repo
from tests.support.overview import row_html
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

WHOLE = "/?details=all"
FILTERED = "/?status=fail&details=all"


def _messages(html: str) -> str:
    return html.split('<div id="messages"', 1)[1].split("</div>\n    <section", 1)[0]


def _hidden_next(form_html: str) -> str | None:
    found = re.search(r'<input type="hidden" name="next" value="([^"]*)"', form_html)
    return unescape(found.group(1)) if found else None


@for_each_kind(
    "mirror, shown_on, press",
    repository=(repo("acme", "etcd"), FILTERED, "sync-now"),
    organization=(org("orgnew"), WHOLE, "sync-now"),
)
def test_the_row_buttons_of_the_whole_page_say_where_to_come_back(
    client_as, emulator, mirror, shown_on, press
):
    html = text(client_as(mirror.admin).get(shown_on))
    form = html.split(f'action="{mirror.path(press)}"', 1)[1].split("</form>", 1)[0]
    assert 'name="view" value="row"' in form
    assert _hidden_next(form) == shown_on


def test_a_queued_rows_cancel_says_where_to_come_back(alice, emulator):
    busybox = row_html(text(alice.get(WHOLE)), "acme/busybox")  # queued: Cancel is offered
    cancel_form = busybox.split('action="/repo/acme/busybox/cancel/"', 1)[1].split("</form>")[0]
    assert _hidden_next(cancel_form) == WHOLE


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_sync_now_from_a_row_goes_back_to_the_page_it_was_pressed_on_and_says_so(
    client_as, emulator, mirror
):
    client = client_as(mirror.admin)
    client.get(WHOLE)  # the sign-in's own message is shown (and gone)
    response = client.post(mirror.path("sync-now"), {"view": "row", "next": FILTERED})
    assert response.status_code == 302
    assert response["Location"] == FILTERED
    assert mirror.stored(emulator)["sync_status"] == "SYNC_NOW"
    html = text(client.get(response["Location"]))
    assert f"Sync requested for {mirror.called}" in _messages(html)


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_a_row_press_goes_back_to_the_overview_unless_to_a_page_of_this_site(
    client_as, emulator, mirror
):
    client = client_as(mirror.admin)
    for elsewhere in (
        None,  # no page to go back to: the overview
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
    ):
        for press, data in (("sync-now", {}), ("cancel", {"confirm": "yes"})):
            sent = {"view": "row", **({"next": elsewhere} if elsewhere else {}), **data}
            response = client.post(mirror.path(press), sent)
            assert response.status_code == 302
            assert response["Location"] == "/", (press, elsewhere)


@for_each_kind(
    "mirror, done",
    repository=(repo("acme", "alpine"), "Sync of acme/alpine cancelled"),
    organization=(org("orgmirror"), "Cancel requested for the organization mirror of orgmirror"),
)
def test_cancel_from_a_row_asks_on_a_page_then_goes_back_with_its_answer(
    client_as, emulator, mirror, done
):
    client = client_as(mirror.admin)
    client.get(WHOLE)
    before = mirror.stored(emulator)["sync_status"]
    for back, sent in (("/", {}), (FILTERED, {"next": FILTERED})):
        confirm = client.post(mirror.path("cancel"), {"view": "row", **sent})
        assert confirm.status_code == 200
        html = text(confirm)
        assert f"Cancel the sync of {mirror.called}?" in text_of(html)
        form = html.split(f'action="{mirror.path("cancel")}"', 1)[1].split("</form>", 1)[0]
        assert '<input type="hidden" name="view" value="row">' in form
        assert _hidden_next(form) == back
        keep = re.search(r'<a href="([^"]*)" role="button"[^>]*>Keep it running', html)
        assert keep and unescape(keep.group(1)) == back  # "Keep it running" goes back there
    assert mirror.stored(emulator)["sync_status"] == before

    response = client.post(
        mirror.path("cancel"), {"view": "row", "confirm": "yes", "next": FILTERED}
    )
    assert response.status_code == 302 and response["Location"] == FILTERED
    assert mirror.stored(emulator)["sync_status"] == "CANCEL"
    assert done in _messages(text(client.get(FILTERED)))


def test_bulk_goes_back_to_the_page_it_was_sent_from_with_the_results(client_as, emulator):
    client = client_as("alice")
    client.get(WHOLE)
    response = client.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis", "acme/alpine"], "next": FILTERED}
    )
    assert response.status_code == 302 and response["Location"] == FILTERED
    shown = _messages(client.get(FILTERED).content.decode())
    assert "Sync now: 1 of 2 done." in shown
    assert 'href="/repo/acme/redis/"' in shown  # each outcome with its repository, linked
    assert "outcome-done" in shown and "outcome-already_syncing" in shown
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"


def test_bulk_cancel_asks_on_a_page_then_goes_back_with_the_results(client_as, emulator):
    client = client_as("alice")
    client.get(WHOLE)
    confirm = client.post("/bulk/", {"action": "cancel", "repo": ["acme/alpine"], "next": WHOLE})
    assert confirm.status_code == 200
    assert _hidden_next(confirm.content.decode()) == WHOLE
    done = client.post(
        "/bulk/", {"action": "cancel", "repo": ["acme/alpine"], "confirm": "yes", "next": WHOLE}
    )
    assert done.status_code == 302 and done["Location"] == WHOLE
    assert "Cancel: 1 of 1 done." in _messages(client.get(WHOLE).content.decode())


def test_bulk_with_nothing_selected_goes_back_and_says_so(client_as, emulator):
    client = client_as("alice")
    client.get(WHOLE)
    response = client.post("/bulk/", {"action": "sync_now", "next": WHOLE})
    assert response.status_code == 302 and response["Location"] == WHOLE
    assert "Select at least one repository" in _messages(client.get(WHOLE).content.decode())


def test_bulk_goes_back_only_to_a_page_of_this_site(client_as):
    client = client_as("alice")
    response = client.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis"], "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_first_paint_keeps_a_message_for_a_browser_without_javascript(client_as):
    """``/`` sends a browser without JavaScript on to ``?details=all`` at once: a page that
    shows a message (here the sign-in's) stays, so that the message is read, with the link."""
    client = client_as("alice")
    html = client.get("/").content.decode()
    assert "Signed in to Quay as alice" in _messages(html)
    assert 'http-equiv="refresh"' not in html
    assert 'href="?details=all"' in html
    assert 'http-equiv="refresh"' in client.get("/").content.decode()  # nothing to say now
