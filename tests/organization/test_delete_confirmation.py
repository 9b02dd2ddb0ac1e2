"""Delete of an organization mirror asks first, without JavaScript, on the one confirmation page
every press that asks uses (Cancel's): its question, what stays, a button that posts the
confirmation, and a way back that deletes nothing. Over HTTP against the emulator."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db
PAGE = "/org/orgmirror/mirror/"
DELETE = "/org/orgmirror/mirror/delete/"


def test_delete_asks_on_the_confirmation_page_and_keeping_it_deletes_nothing(client_as, emulator):
    client = client_as("olivia")
    html = client.get(DELETE).content.decode()
    said = text_of(html)
    assert "<title>Delete the organization mirror of orgmirror" in html
    assert "Delete the organization mirror of orgmirror?" in said
    assert "The repositories it created stay, with their tags" in said
    form = html.split(f'action="{DELETE}"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="confirm" value="yes">' in form
    assert "Delete the organization mirror</button>" in form
    keep = re.search(r'<a href="([^"]*)" role="button"[^>]*>Keep it</a>', html)
    assert keep and unescape(keep.group(1)) == PAGE
    assert f'<a href="{PAGE}">the organization mirror of orgmirror</a>' in html  # breadcrumb
    # Asking deleted nothing, and wrote nothing to the audit trail.
    assert emulator.api("GET", "organization/orgmirror/mirror", user="olivia").status_code == 200
    assert not AuditEntry.objects.filter(namespace="orgmirror", action="delete").exists()


def test_an_organization_mirrors_cancel_still_asks_with_its_own_words(client_as, emulator):
    html = client_as("olivia").get("/org/orgmirror/mirror/cancel/").content.decode()
    said = text_of(html)
    assert "Cancel the sync of the organization mirror of orgmirror?" in said
    assert "the mirror goes back to its schedule" in said  # an organization's Cancel
    assert re.search(r'role="button"[^>]*>Keep it running</a>', html)


def test_the_pages_cancel_without_javascript_asks_before_anything_is_sent(client_as, emulator):
    """The page's Cancel form posts no confirmation of its own (htmx adds it after its dialog):
    a browser without JavaScript gets the question, and Quay receives nothing."""
    client = client_as("olivia")
    page = client.get(PAGE).content.decode()
    form = page.split('action="/org/orgmirror/mirror/cancel/"', 1)[1].split("</form>", 1)[0]
    assert 'name="confirm"' not in form
    assert 'hx-vals=\'{"confirm": "yes"}\'' in form
    before = emulator.api("GET", "organization/orgmirror/mirror", user="olivia").json()
    answer = client.post("/org/orgmirror/mirror/cancel/", {})
    assert answer.status_code == 200
    assert "Cancel the sync of the organization mirror of orgmirror?" in text_of(
        answer.content.decode()
    )
    after = emulator.api("GET", "organization/orgmirror/mirror", user="olivia").json()
    assert after["sync_status"] == before["sync_status"]
    assert not AuditEntry.objects.filter(namespace="orgmirror", action="cancel").exists()
