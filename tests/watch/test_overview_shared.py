"""The overview of watched namespaces read once for everyone looking: the index's rows are
read once a version of it (``overview.watched.read_index``) and each row drawn once for
everyone it is the same for (``overview.drawn``). What is kept never outlives a change of the
index, never shows a person a row drawn for someone with wider rights, and carries each
person's own CSRF token; a first paint costs a few queries however many mirrors there are."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.watch.poll import poll

from .conftest import TOKENS
from .test_overview_index import rows

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def watched(emulator, enrolled):
    enrolled("acme", "globex")
    poll("acme")
    poll("globex")
    return emulator


def test_a_change_in_the_index_shows_at_once(watched, signed_in):
    """A config changed in Quay: once a poll has read it, the next page shows it, though the
    rows before it were kept (the same second, the same people)."""
    alice, bob = signed_in("alice"), signed_in("bob")
    before = rows(alice.get("/?ns=acme").content.decode())["acme/nginx"][1]
    assert "docker.io/library/nginx" in before
    assert "docker.io/library/nginx" in rows(bob.get("/?ns=acme").content.decode())["acme/nginx"][1]
    changed = {"external_reference": "registry.example.com/mirrored/nginx"}
    answer = watched.api("PUT", "repository/acme/nginx/mirror", json=changed)
    assert answer.status_code == 201, answer.text
    poll("acme")  # the watcher sees the change in the log and reads the config again
    for person in (alice, bob):
        after = rows(person.get("/?ns=acme").content.decode())["acme/nginx"][1]
        assert "registry.example.com/mirrored/nginx" in after
        assert "docker.io/library/nginx" not in after


@pytest.mark.parametrize(
    ("wide", "narrow", "namespace"),
    [
        ("alice", "bob", "globex"),  # bob is a globex member, no admin: the status only
        ("alice", "dave", "acme"),  # a read-only superuser: the settings, no Sync now
        ("alice", "carol", "acme"),  # a member of acme, no admin: drawn live, no settings
        ("alice", "alice-limited", "acme"),  # her token without repo:admin
    ],
)
def test_a_narrower_person_never_gets_a_wider_persons_rows(
    watched, signed_in, wide, narrow, namespace
):
    """The wider person draws the rows first (kept); the narrower one, the same second,
    still sees only what Quay would show them."""
    wider = rows(signed_in(wide).get(f"/?ns={namespace}").content.decode())
    assert any('id="sync-row-' in body for _, body in wider.values())  # forms were kept
    page = signed_in(narrow).get(f"/?ns={namespace}").content.decode()
    assert 'id="sync-row-' not in page and 'name="repo"' not in page  # no press, no selection
    if narrow != "dave":  # dave: Quay shows a superuser every setting, read-only
        assert "quay.io/coreos/etcd" not in page  # the source is in the settings


def test_olivias_organization_mirror_is_not_oscars(signed_in, enrolled):
    """oscar is a member of orgmirror, not an admin: the index's organization mirror, drawn
    for olivia, is not his."""
    enrolled("orgmirror")
    poll("orgmirror")
    presses = re.compile(r'id="org-(sync|cancel)-orgmirror"')
    assert presses.search(signed_in("olivia").get("/").content.decode())
    assert not presses.search(signed_in("oscar").get("/").content.decode())


def test_a_kept_row_carries_each_persons_own_csrf_token(watched, signed_in):
    """bob's page drew acme's rows (forms and all); alice's page shows the same rows with her
    token, and Quay receives her Sync now."""
    rows(signed_in("bob").get("/?ns=acme").content.decode())
    alice = signed_in("alice")
    alice.handler.enforce_csrf_checks = True  # as a browser's post is checked
    page = alice.get("/?ns=acme").content.decode()
    body = rows(page)["acme/nginx"][1]
    token = CSRF.search(body).group(1)
    assert "csrf-slot" not in page
    watched.control("DELETE", "requests")
    answer = alice.post(
        "/repo/acme/nginx/sync-now/", {"csrfmiddlewaretoken": token, "next": "/?ns=acme"}
    )
    assert answer.status_code == 302
    assert any(
        r["method"] == "POST" and r["path"].endswith("/repository/acme/nginx/mirror/sync-now")
        for r in watched.requests_log()
    )


def test_a_first_paint_costs_a_few_queries_however_many_mirrors(watched, signed_in, enrolled):
    """Two queries a namespace the first time a version of its index is read (its mirrors,
    when its queued ones were queued), none after: the rows are not read one by one."""
    enrolled("initech")
    enrolled("alice", token=TOKENS["alice"])  # her own namespace: watched with her token
    poll("initech")
    poll("alice")
    alice, bob = signed_in("alice"), signed_in("bob")
    with CaptureQueriesContext(connection) as first:
        alice.get("/")
    with CaptureQueriesContext(connection) as again:
        bob.get("/")
        alice.get("/")
    assert len(first) <= 6 + 2 * 4
    assert len(again) <= 2 * 6
    mirror_reads = [q for q in again.captured_queries if 'FROM "watch_mirror"' in q["sql"]]
    assert mirror_reads == []
