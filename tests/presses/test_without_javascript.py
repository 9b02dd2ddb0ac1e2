"""Without JavaScript a press (Sync now, Cancel after its confirmation page, bulk) goes back to
the page it was made on -- the overview drawn whole, ``/?details=all`` with its filters -- and
its answer is shown there: not on ``/``, whose ``<noscript>`` refresh would move on at once and
lose it. Only paths of this site are gone back to."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.overview import row_html

pytestmark = pytest.mark.django_db

WHOLE = "/?details=all"
FILTERED = "/?status=fail&details=all"


def _messages(html: str) -> str:
    return html.split('<div id="messages"', 1)[1].split("</div>\n    <section", 1)[0]


def _hidden_next(form_html: str) -> str | None:
    found = re.search(r'<input type="hidden" name="next" value="([^"]*)"', form_html)
    return unescape(found.group(1)) if found else None


def test_the_row_buttons_of_the_whole_page_say_where_to_come_back(client_as):
    client = client_as("alice")
    html = client.get(FILTERED).content.decode()
    etcd = row_html(html, "acme/etcd")
    sync_form = etcd.split('action="/repo/acme/etcd/sync-now/"', 1)[1].split("</form>", 1)[0]
    assert _hidden_next(sync_form) == FILTERED
    html = client.get(WHOLE).content.decode()
    busybox = row_html(html, "acme/busybox")  # queued: Cancel is offered
    cancel_form = busybox.split('action="/repo/acme/busybox/cancel/"', 1)[1].split("</form>")[0]
    assert _hidden_next(cancel_form) == WHOLE


def test_sync_now_from_a_row_goes_back_to_the_page_it_was_pressed_on_and_says_so(
    client_as, emulator
):
    client = client_as("alice")
    client.get(WHOLE)  # the sign-in's own message is shown (and gone)
    response = client.post("/repo/acme/redis/sync-now/", {"view": "row", "next": FILTERED})
    assert response.status_code == 302
    assert response["Location"] == FILTERED
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"
    html = client.get(response["Location"]).content.decode()
    assert "Sync requested for acme/redis" in _messages(html)


def test_a_row_press_goes_back_only_to_a_page_of_this_site(client_as):
    client = client_as("alice")
    for elsewhere in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
    ):
        response = client.post("/repo/acme/redis/sync-now/", {"view": "row", "next": elsewhere})
        assert response.status_code == 302
        assert response["Location"] == "/", elsewhere


def test_cancel_from_a_row_asks_on_a_page_then_goes_back_with_its_answer(client_as, emulator):
    client = client_as("alice")
    client.get(WHOLE)
    confirm = client.post("/repo/acme/alpine/cancel/", {"view": "row", "next": FILTERED})
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Cancel the sync of acme/alpine?" in html
    form = html.split('action="/repo/acme/alpine/cancel/"', 1)[1].split("</form>", 1)[0]
    assert _hidden_next(form) == FILTERED
    keep = re.search(r'<a href="([^"]*)" role="button"[^>]*>Keep it running', html)
    assert keep and unescape(keep.group(1)) == FILTERED
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"

    done = client.post(
        "/repo/acme/alpine/cancel/", {"view": "row", "confirm": "yes", "next": FILTERED}
    )
    assert done.status_code == 302 and done["Location"] == FILTERED
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"
    assert "Sync of acme/alpine cancelled" in _messages(client.get(FILTERED).content.decode())


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


def test_an_organization_row_press_goes_back_to_the_page_it_was_pressed_on(client_as, emulator):
    client = client_as("olivia")
    html = client.get(WHOLE).content.decode()
    form = html.split('action="/org/orgnew/mirror/sync-now/"', 1)[1].split("</form>", 1)[0]
    assert 'name="view" value="row"' in form and _hidden_next(form) == WHOLE
    response = client.post("/org/orgnew/mirror/sync-now/", {"view": "row", "next": FILTERED})
    assert response.status_code == 302 and response["Location"] == FILTERED
    messages = _messages(client.get(FILTERED).content.decode())
    assert "Sync requested for the organization mirror of orgnew" in messages
    # Cancel asks on a page first, which goes back there too (and only to this site).
    confirm = client.post("/org/orgnew/mirror/cancel/", {"view": "row", "next": FILTERED})
    page = confirm.content.decode()
    form = page.split('action="/org/orgnew/mirror/cancel/"', 1)[1].split("</form>", 1)[0]
    assert _hidden_next(form) == FILTERED
    keep = re.search(r'<a href="([^"]*)" role="button"[^>]*>Keep it running', page)
    assert keep and unescape(keep.group(1)) == FILTERED
    done = client.post(
        "/org/orgnew/mirror/cancel/",
        {"view": "row", "confirm": "yes", "next": "https://evil.example/"},
    )
    assert done.status_code == 302 and done["Location"] == "/"
    assert "Cancel requested for the organization mirror of orgnew" in _messages(
        client.get("/").content.decode()
    )
