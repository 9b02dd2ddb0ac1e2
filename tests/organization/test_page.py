"""What only an organization mirror's page has, over HTTP against the emulator: its status in
each seeded state, the discovered repositories' table, Cancel off with nothing to cancel,
Verify, Delete, its history from the organization's log, and no organization-mirror control
when Quay runs without the feature. (What both kinds' pages do: tests/pages/, tests/live/,
tests/presses/, tests/settings/.)"""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.org_api import create, org_api
from tests.support.pages import text_of

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


def table_of(page: str) -> str:
    """The discovered repositories part of a page's text."""
    return page.split("Discovered repositories", 1)[1].split("Verify connection", 1)[0]


def test_a_syncing_mirror_says_so_from_its_repositories_not_its_discovery_status(
    client_as, emulator
):
    body = text_of(client_as("olivia").get("/org/orgmirror/mirror/"))
    assert "organization mirror of https://quay.example.com/upstreamorg" in body
    assert "Syncing 2 of 5 repositories synced; 1 syncing, 2 queued" in body
    assert "Sync now is off: Quay starts no new sync while any repository is queued" in body
    # The live part polls while it is active (without an hx-trigger filter).
    html = client_as("olivia").get("/org/orgmirror/mirror/").content.decode()
    live = re.search(r'<div id="org-live"[^>]*>', html).group(0)
    assert 'hx-trigger="md:poll"' in live and "data-poll-seconds" in live
    assert "[" not in live.split("hx-trigger=")[1].split('"')[1]


@pytest.mark.parametrize(
    ("org", "words"),
    [
        ("orgfail", "Failed discovery failed: the source's repositories could not be listed"),
        ("orgnew", "Never synced first run"),
        ("orgstuck", "Stuck discovery was claimed 1 h 30 min ago and ran past its 30 min limit"),
    ],
)
def test_each_seeded_state_in_words(client_as, emulator, org, words):
    response = client_as("olivia").get(f"/org/{org}/mirror/")
    assert response.status_code == 200
    assert words in text_of(response)
    live = re.search(r'<div id="org-live"[^>]*>', response.content.decode()).group(0)
    # Nothing runs or is due soon: the slow refresh (once a minute, tab visible).
    assert 'data-poll-seconds="60" data-poll-on-visible' in live


def test_the_discovered_repositories_link_to_their_repository_pages(client_as, emulator):
    html = client_as("olivia").get("/org/orgmirror/mirror/").content.decode()
    assert 'href="/repo/orgmirror/alpha/"' in html
    assert "not created yet (at its first sync)" in html  # delta: queued, not created
    assert "Repository excluded by filters" in html
    # legacy is left out by the filters: it is never created, not "at its first sync".
    legacy = re.search(r"<tr[^>]*>(?:(?!</tr>).)*legacy(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "not created (the filters leave it out)" in text_of(legacy)
    assert "first sync" not in legacy


def test_the_table_filters_by_status_and_searches_and_pages(client_as, emulator):
    client = client_as("olivia")
    skipped = text_of(client.get("/org/orgmirror/mirror/?status=SKIP"))
    assert "legacy" in skipped and "alpha Synced" not in skipped
    assert "1\u20131 of 1" in skipped
    found = text_of(client.get("/org/orgmirror/mirror/?q=ALP")).split("Discovered repositories")[1]
    assert "alpha Synced" in found and "gamma" not in found.split("Source")[0]
    fragment = client.get("/org/orgmirror/mirror/?q=zzz&part=live", **HX).content.decode()
    assert "<html" not in fragment and "No discovered repository matches." in fragment


def test_the_table_pages_by_twenty(client_as, emulator):
    emulator.configure(org_tag_seconds=0.01)
    create(emulator, external_namespace="bigorg")
    org_api(emulator, "POST", "orgempty", "sync-now")
    emulator.advance(60)
    client = client_as("olivia")
    first = table_of(text_of(client.get("/org/orgempty/mirror/")))
    assert "1\u201320 of 45" in first and "svc-20" in first and "svc-21" not in first
    last = table_of(text_of(client.get("/org/orgempty/mirror/?page=3")))
    assert "41\u201345 of 45" in last and "svc-45" in last and "svc-40" not in last
    assert "Next →" not in last and "← Previous" in last


def test_cancel_is_off_with_nothing_to_cancel_and_says_why(client_as, emulator):
    # orgnew never ran: a cancel would only mark it SUCCESS and move its first run.
    html = client_as("olivia").get("/org/orgnew/mirror/").content.decode()
    button = re.search(r'<button[^>]*id="org-cancel"[^>]*>', html).group(0)
    assert "disabled" in button and 'aria-describedby="cancel-why"' in button
    assert "Cancel is off: Nothing is queued, running or waiting to be retried." in text_of(html)
    # orgmirror has repositories left to sync: Cancel is on.
    html = client_as("olivia").get("/org/orgmirror/mirror/").content.decode()
    button = re.search(r'<button[^>]*id="org-cancel"[^>]*>', html).group(0)
    assert "disabled" not in button


def test_verify_shows_quays_words(client_as, emulator):
    client = client_as("olivia")
    ok = text_of(client.post("/org/orgnew/mirror/verify/", **HX).content.decode())
    assert "Quay's server reached the source's API" in ok and "Connection successful" in ok
    failed = text_of(client.post("/org/orgfail/mirror/verify/", **HX).content.decode())
    assert "Quay's server could not use the source's API." in failed
    assert "Project 'nosuchproject' not found" in failed


def test_verify_says_what_it_checked_and_what_it_did_not(client_as, emulator):
    """Quay's verify asks the source's API for the namespace; it never contacts the registry
    the worker pulls from. orgmirror's source answers its API while its registry never
    finishes a TLS handshake for broken: verify succeeds, and says a sync can still fail."""
    client = client_as("olivia")
    emulator.advance(120)
    page = text_of(client.get("/org/orgmirror/mirror/"))
    assert "Quay checks the source's API (not its registry)" in page  # before pressing
    answer = client.post("/org/orgmirror/mirror/verify/", **HX).content.decode()
    said = text_of(answer)
    assert "Connection successful" in said  # Quay's words, as they are
    assert "reached the source's API with the mirror's stored credentials" in said
    assert "It did not contact the source's registry" in said
    assert "a sync can still fail there, on TLS" in said
    assert "can list its repositories" not in said  # Quay's check lists none
    # Without htmx: the same words after the redirect.
    response = client.post("/org/orgmirror/mirror/verify/", follow=True)
    assert "It did not contact the source's registry" in text_of(response)


def test_delete_confirms_what_stays_then_deletes_and_is_audited(client_as, emulator):
    client = client_as("olivia")
    confirm = text_of(client.get("/org/orgmirror/mirror/delete/"))
    assert "The repositories it created stay, with their tags" in confirm
    response = client.post("/org/orgmirror/mirror/delete/", {"confirm": "yes"})
    page = text_of(client.get(response["Location"]))
    assert "Deleted the organization mirror of orgmirror" in page
    assert "has no organization mirror, and it has 3 repositories" in page
    assert emulator.api("GET", "repository/orgmirror/alpha", user="olivia").json()["state"] == (
        "NORMAL"
    )
    entry = AuditEntry.objects.get(namespace="orgmirror", action="delete")
    assert entry.outcome == "done"


def test_without_the_feature_there_is_no_organization_mirror_control(client_as, emulator):
    emulator.configure(org_mirror=False)
    client = client_as("olivia")
    body = text_of(client.get("/org/orgempty/mirror/"))
    assert "runs without organization mirroring" in body
    assert "Set up" not in body
    body = text_of(client.get("/org/orgmirror/mirror/"))
    assert "Sync now" not in body and "Cancel" not in body


def test_an_empty_organization_offers_the_set_up(client_as, emulator):
    body = text_of(client_as("olivia").get("/org/orgempty/mirror/"))
    assert "orgempty is empty and has no organization mirror yet" in body
    assert "Set up the organization mirror" in body


def test_an_organization_with_repositories_is_told_why_it_cannot_have_one(client_as, emulator):
    body = text_of(client_as("alice").get("/org/acme/mirror/"))
    assert "Quay sets up an organization mirror only in an empty organization" in body
    assert "Set up the organization mirror" not in body


def test_an_org_mirror_repository_page_says_who_manages_it(client_as, emulator):
    response = client_as("olivia").get("/repo/orgmirror/alpha/")
    body = text_of(response)
    assert "mirrored by the organization mirror of orgmirror" in body
    assert "Managed by its organization's mirror" in body
    assert "In the organization mirror: Synced last synced" in body
    assert "not mirrored" not in body.lower()
    html = response.content.decode()
    assert 'href="/org/orgmirror/mirror/"' in html
    assert "Switch to mirror state" not in html
    assert "switch-state" not in html


def test_the_history_comes_from_quays_log_of_the_organization(client_as, emulator):
    client = client_as("olivia")
    client.post("/org/orgmirror/mirror/cancel/", {"confirm": "yes"})
    emulator.advance(3)
    page = text_of(client.get("/org/orgmirror/mirror/"))
    history = page.split("History from Quay's log of orgmirror", 1)[1]
    assert "orgmirror+mirror Sync cancelled: 5 repos set to cancelled" in history
    assert "olivia cancelled the sync" in history
    assert (
        "orgmirror/alpha : Successfully synced 'quay.example.com/upstreamorg/alpha': 2 tags"
        in history
    )
    assert "orgmirror+mirror Discovery completed: 5 repos discovered, 5 new" in history
    # A repository the worker created is named (and linked), not "repository created".
    assert "orgmirror/alpha : repository created (private)" in history


@pytest.mark.parametrize(
    ("user", "namespace", "words"),
    [
        # Quay answers 403 for a user's namespace (no organization to administer)...
        ("alice", "alice", "alice is your own user namespace, not an organization"),
        ("alice", "bob", "Quay has no organization named bob (a user's namespace is not one)"),
        # ... and 404 to a superuser: the page offered the set-up form, which then said
        # "this Quay runs without organization mirroring".
        ("dave", "dave", "dave is your own user namespace, not an organization"),
        ("dave", "carol", "Quay has no organization named carol"),
    ],
)
def test_a_user_namespace_is_said_to_be_no_organization(
    client_as, emulator, user, namespace, words
):
    from tests.support.received import calls, clear_log

    client = client_as(user)
    clear_log(emulator)
    body = text_of(client.get(f"/org/{namespace}/mirror/"))
    assert words in body
    assert "Quay sets up an organization mirror only in an organization" in body
    assert "Set up the organization mirror" not in body
    assert "runs without organization mirroring" not in body
    assert "only to its admins" not in body
    assert "not an organization" in body.split("Quay sets up")[0]  # the heading says so too
    asked_org = [c for c in calls(emulator) if c == f"GET organization/{namespace}"]
    assert len(asked_org) == (0 if user == namespace else 1)  # one call, none for one's own
    html = client.get(f"/org/{namespace}/mirror/").content.decode()
    assert f"/organization/{namespace}" not in html  # no link to an organization in Quay


def test_the_next_run_is_said_once_where_it_stays_current(client_as, emulator):
    # The Settings block said "next 17:29" from the page's load while the live part, which
    # refreshes, said 17:31: one source of truth for each value on a page.
    html = client_as("olivia").get("/org/orgnew/mirror/").content.decode()
    settings_block = re.search(r'<section class="settings-read".*?</section>', html, re.S).group(0)
    schedule = re.search(r"<dt>Schedule</dt>.*?</dd>", settings_block, re.S).group(0)
    assert not re.search(r"\d\d:\d\d", text_of(schedule))
    assert "the next run: in the status above" in text_of(settings_block)
    live = re.search(r'<div id="org-live".*?</section>', html, re.S).group(0)
    assert re.search(r"first run .*\d\d:\d\d", text_of(live))


def test_the_history_is_paged_never_silently_cut(client_as, emulator):
    # 27 entries after 18 minutes, and no word that older ones exist: the page now says
    # which part of Quay's log it shows and links the older entries.
    client = client_as("olivia")
    for _ in range(25):  # each press writes an entry to the organization's log
        emulator.api("POST", "organization/orgnew/mirror/sync-now", user="olivia")
        emulator.api("POST", "organization/orgnew/mirror/sync-cancel", user="olivia")
    html = client.get("/org/orgnew/mirror/").content.decode()
    words = text_of(html)
    assert "The newest entries of Quay's log." in words
    older = re.search(r'href="\?history=([^"#]+)#history-heading"', html)
    assert older, "no link to the older entries"
    newest = re.findall(r'<span class="history-when">', html)
    page_two = client.get(f"/org/orgnew/mirror/?history={older.group(1)}").content.decode()
    assert "Older entries of Quay's log." in text_of(page_two)
    assert 'href="?#history-heading"' in page_two  # back to the newest
    assert re.findall(r'<span class="history-when">', page_two)
    assert newest
    too_long = client.get("/org/orgnew/mirror/?history=" + "x" * 3000)
    assert too_long.status_code == 200  # a token too long is not sent: the newest instead
    assert "The newest entries of Quay's log." in text_of(too_long.content.decode())


REPOS_API = "/api/v1/organization/orgmirror/mirror/repositories"


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (
            {"field": "discovery_date", "value": "last tuesday"},
            "its discovery_date “last tuesday” is not a date",
        ),
        ({"field": "last_sync_date", "value": 17}, "its last_sync_date “17” is not a date"),
        (
            {"field": "sync_status", "value": "EXPLODED"},
            "its sync_status “EXPLODED” is not one this dashboard knows",
        ),
        ({"field": "name", "drop": True}, "it has no name"),
    ],
    ids=["a date", "a date that is a number", "a status", "a missing key"],
)
def test_one_unreadable_entry_spoils_only_its_own_row(client_as, emulator, spoil, said):
    # One bad field in one discovered repository blanked the whole table ("could not be read").
    emulator.configure(garble={REPOS_API: {"entry": "beta", **spoil}})
    response = client_as("olivia").get("/org/orgmirror/mirror/")
    assert response.status_code == 200
    table = table_of(text_of(response))
    assert "could not be read: Quay answered in a form" not in table
    assert "alpha Synced" in table and "legacy" in table  # every other row is drawn
    assert f"Unreadable Quay's entry for this repository could not be read: {said}." in table
    name = "" if spoil["field"] == "name" else "beta"
    html = response.content.decode()
    row = re.search(rf'<tr data-repo="{re.escape(name)}" data-status="unreadable">', html)
    assert row is not None
    assert html.count('data-status="unreadable"') == 1


def test_an_unreadable_entry_is_said_in_the_table_fragment_too(client_as, emulator):
    emulator.configure(
        garble={REPOS_API: {"entry": "beta", "field": "discovery_date", "value": "x"}}
    )
    fragment = client_as("olivia").get("/org/orgmirror/mirror/?part=live", **HX)
    assert fragment.status_code == 200
    body = text_of(fragment)
    assert "alpha Synced" in body and "Unreadable" in body
