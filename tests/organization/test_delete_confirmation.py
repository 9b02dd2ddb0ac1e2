"""Delete of an organization mirror asks first, without JavaScript, on the one confirmation page
every press that asks uses (Cancel's): its question, what stays, a button that posts the
confirmation, and a way back that deletes nothing. Over HTTP against the emulator."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.pages import text_of
from tests.support.received import calls, clear_log

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


@pytest.mark.parametrize(
    "org, said, made",
    [
        (
            "olivia",  # her own user namespace: known without asking Quay
            "olivia is your own user namespace, not an organization, so it has no organization "
            "mirror to delete.",
            [],
        ),
        (
            "orgempty",  # an organization without an organization mirror
            "orgempty has no organization mirror: there is nothing to delete.",
            ["GET organization/orgempty/mirror", "GET organization/orgempty"],
        ),
        (
            "alice",  # another user's namespace
            "Quay has no organization named alice (a user's namespace is not one), so it has "
            "no organization mirror to delete.",
            ["GET organization/alice/mirror", "GET organization/alice"],
        ),
    ],
)
def test_delete_is_not_asked_where_there_is_no_organization_mirror(
    client_as, emulator, org, said, made
):
    client = client_as("olivia")
    clear_log(emulator)
    response = client.get(f"/org/{org}/mirror/delete/")
    html = response.content.decode()
    assert response.status_code == 404
    assert said in text_of(html)
    assert "Delete the organization mirror</button>" not in html
    assert f'action="/org/{org}/mirror/delete/"' not in html
    back = re.search(r'<a href="([^"]*)">Back to the organization mirror page of ', html)
    assert back and back.group(1) == f"/org/{org}/mirror/"
    assert calls(emulator) == made


def test_delete_asks_at_the_cost_of_one_read_of_the_config(client_as, emulator):
    client = client_as("olivia")
    clear_log(emulator)
    html = client.get(DELETE).content.decode()
    assert "Delete the organization mirror</button>" in html
    assert calls(emulator) == ["GET organization/orgmirror/mirror"]


@pytest.mark.parametrize("status", [503, 500])
def test_delete_still_asks_with_a_note_when_quay_cannot_be_read(client_as, emulator, status):
    """Quay's answer to the Delete stays the one that counts: a read that fails for another
    reason than "none here" leaves the question, and says what could not be read."""
    client = client_as("olivia")
    emulator.configure(fail={"/api/v1/organization/orgmirror/mirror": status})
    response = client.get(DELETE)
    said = text_of(response.content.decode())
    assert response.status_code == 200
    assert "Delete the organization mirror of orgmirror?" in said
    assert "Quay could not be read for orgmirror" in said
    assert "Quay answers the Delete itself" in said
    assert "Delete the organization mirror</button>" in response.content.decode()


def test_delete_asks_a_member_quay_refuses_the_config_with_why(client_as, emulator):
    """oscar is a member of orgmirror, not an admin: Quay refuses him the config (403), and
    would refuse the Delete; the question says so, and leaves the answer to Quay."""
    response = client_as("oscar").get(DELETE)
    said = text_of(response.content.decode())
    assert response.status_code == 200
    assert "Delete the organization mirror of orgmirror?" in said
    assert "Quay shows the organization mirror of orgmirror only to its admins" in said
    assert "Quay answers the Delete itself" in said
