"""Sync now and Cancel on the overview's selected rows, for both kinds (and any mix): one
outcome a row, never all or nothing, each row drawn again with its new status, Cancel asked
first, every press in the audit trail. Without JavaScript: test_without_javascript.py."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.kinds import for_each_kind, org, repo
from tests.support.overview import row_status
from tests.support.pages import HX, text, text_of
from tests.support.received import calls, clear_log

pytestmark = pytest.mark.django_db


def outcomes(html: str) -> dict[str, str]:
    """Each outcome listed: the mirror's page -> its outcome key."""
    found = re.findall(r'<li class="outcome outcome-([a-z_]+)"><a href="([^"]+)"', html)
    return {url: outcome for outcome, url in found}


@for_each_kind(
    "field, selected, expected, done, said",
    repository=(
        "repo",
        ["acme/redis", "acme/alpine", "acme/node"],
        {
            "/repo/acme/redis/": "done",
            "/repo/acme/alpine/": "already_syncing",
            "/repo/acme/node/": "no_config",
        },
        repo("acme", "redis"),
        ["Sync now: 1 of 3 done."],
    ),
    organization=(
        "org",
        ["orgnew", "orgmirror"],
        {"/org/orgnew/mirror/": "done", "/org/orgmirror/mirror/": "already_syncing"},
        org("orgnew"),
        ["Sync now: 1 of 2 done.", "the organization mirror of orgmirror : already syncing"],
    ),
)
def test_bulk_sync_now_gives_an_outcome_a_row_and_draws_each_row_again(
    client_as, emulator, field, selected, expected, done, said
):
    client = client_as(done.admin)

    response = client.post("/bulk/", {"action": "sync_now", field: selected}, **HX)

    assert response.status_code == 200
    html = text(response)
    assert outcomes(html) == expected
    for words in said:
        assert words in text_of(html)
    assert done.stored(emulator)["sync_status"] == "SYNC_NOW"
    # the affected rows come back out-of-band, with their new status
    oob = re.findall(r"<template>\s*(<tr [\s\S]*?</tr>)\s*</template>", html)
    assert any('hx-swap-oob="true"' in row for row in oob)
    assert row_status(html, done.full_name) == "active"
    assert AuditEntry.objects.filter(action="sync_now").count() == len(selected)


@for_each_kind(
    "field, selected, question, what_it_does, running, results",
    repository=(
        "repo",
        ["acme/alpine", "acme/redis"],
        "Cancel the syncs of 2 repositories?",
        "scheduled syncs stay paused until someone presses Sync now",
        repo("acme", "alpine"),
        "Cancel: 1 of 2 done.",
    ),
    organization=(
        "org",
        ["orgmirror"],
        "Cancel the syncs of 1 organization mirror?",  # not "of 0 repositories and …"
        "the next scheduled run syncs them all again",
        org("orgmirror"),
        "Cancel: 1 of 1 done.",
    ),
)
def test_bulk_cancel_without_javascript_asks_on_a_page_first(
    client_as, emulator, field, selected, question, what_it_does, running, results
):
    client = client_as(running.admin)
    picked = {"action": "cancel", field: selected, "next": f"/?ns={running.namespace}"}
    before = running.stored(emulator)["sync_status"]

    response = client.post("/bulk/", picked)

    assert response.status_code == 200
    html = text(response)
    assert question in text_of(html)
    for name in selected:
        assert f"<code>{name}</code>" in html or name in text_of(html)
    assert what_it_does in text_of(html)
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert f'<a href="/?ns={running.namespace}" role="button"' in html  # keep them: back
    assert running.stored(emulator)["sync_status"] == before  # nothing yet
    assert not [e for e in emulator.requests_log() if e["path"].endswith("/sync-cancel")]
    done = client.post("/bulk/", {**picked, "confirm": "yes"}, follow=True)
    assert done.redirect_chain == [(f"/?ns={running.namespace}", 302)]  # back, the results
    assert "outcome-done" in text(done) and results in text_of(done)
    assert running.stored(emulator)["sync_status"] == "CANCEL"
    assert running.audit(action="cancel", outcome="done").exists()


@for_each_kind(
    "field, running, idle, sent, nothing_said",
    repository=(
        "repo",
        repo("acme", "alpine"),
        repo("acme", "redis"),
        # Quay is asked for both: redis's 404 says there was nothing to cancel
        [
            "POST repository/acme/alpine/mirror/sync-cancel",
            "POST repository/acme/redis/mirror/sync-cancel",
        ],
        "acme/redis : nothing to cancel",
    ),
    organization=(
        "org",
        org("orgmirror"),
        # orgnew never ran: Quay would take a cancel, report SUCCESS as if discovery had run
        # and move its first run. The bulk press reads the config first and does not send it.
        org("orgnew"),
        ["POST organization/orgmirror/mirror/sync-cancel"],
        "orgnew : nothing to cancel — Not sent to Quay, because nothing is queued",
    ),
)
def test_bulk_cancel_is_never_all_or_nothing(
    client_as, emulator, field, running, idle, sent, nothing_said
):
    client = client_as(running.admin)
    idle_before = idle.stored(emulator)["sync_status"]
    clear_log(emulator)

    response = client.post(
        "/bulk/",
        {"action": "cancel", field: [running.full_name, idle.full_name], "confirm": "yes"},
        **HX,
    )

    html = text(response)
    assert outcomes(html) == {running.url: "done", idle.url: "nothing_to_cancel"}
    assert "Cancel: 1 of 2 done." in text_of(html)
    assert nothing_said in text_of(html)
    assert sorted(call for call in calls(emulator) if call.startswith("POST")) == sorted(sent)
    assert running.stored(emulator)["sync_status"] == "CANCEL"
    assert idle.stored(emulator)["sync_status"] == idle_before
    assert idle.audit(action="cancel").get().outcome == "not_done"


@for_each_kind(
    "field, mirror, user",
    repository=("repo", repo("acme", "redis"), "carol"),
    organization=("org", org("orgmirror"), "oscar"),
)
def test_bulk_without_rights_says_no_rights_a_row(client_as, emulator, field, mirror, user):
    before = mirror.stored(emulator)["sync_status"]
    response = client_as(user).post(
        "/bulk/", {"action": "sync_now", field: [mirror.full_name]}, **HX
    )
    assert outcomes(text(response)) == {mirror.url: "no_rights"}
    assert mirror.stored(emulator)["sync_status"] == before


@for_each_kind(
    "field, mirror",
    repository=("repo", repo("acme", "redis")),
    organization=("org", org("orgnew")),
)
def test_bulk_without_htmx_goes_back_to_the_overview_with_the_results(
    client_as, emulator, field, mirror
):
    response = client_as(mirror.admin).post(
        "/bulk/", {"action": "sync_now", field: [mirror.full_name]}, follow=True
    )
    assert response.redirect_chain == [("/", 302)]  # no next: the overview
    html = text(response)
    assert "<html" in html and "outcome-done" in html and "Sync now: 1 of 1 done." in html


def test_bulk_works_on_both_kinds_at_once(client_as, emulator):
    """A person who administers repository mirrors and organization mirrors presses both at
    once: olivia's orgmirror/alpha is one of orgmirror's repositories, mirrored by it."""
    client = client_as("olivia")
    response = client.post(
        "/bulk/", {"action": "sync_now", "org": ["orgnew"], "repo": ["orgmirror/alpha"]}, **HX
    )
    found = outcomes(text(response))
    assert found["/org/orgnew/mirror/"] == "done"
    assert "/repo/orgmirror/alpha/" in found


def test_bulk_runs_the_actions_in_parallel(client_as, emulator, monkeypatch):
    """Two presses meet at a barrier: one after the other, the first would wait in vain."""
    import threading

    from dashboard.quay.client import QuayClient

    client = client_as("alice")
    barrier = threading.Barrier(2, timeout=30)
    real = QuayClient.sync_now

    def sync_now(self, namespace, name):
        barrier.wait()  # raises BrokenBarrierError unless the other press runs alongside
        return real(self, namespace, name)

    monkeypatch.setattr(QuayClient, "sync_now", sync_now)
    html = client.post(
        "/bulk/", {"action": "sync_now", "repo": ["acme/redis", "acme/nginx"]}, **HX
    ).content.decode()
    assert "2 of 2 done" in html
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SYNC_NOW"


def test_bulk_with_nothing_selected_says_so(client_as):
    response = client_as("alice").post("/bulk/", {"action": "sync_now"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Select at least one repository" in response.content.decode()


def test_bulk_needs_csrf(client_as, emulator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client_as("alice").cookies
    response = strict.post("/bulk/", {"action": "sync_now", "repo": ["acme/redis"]})
    assert response.status_code == 403
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


def test_a_401_mid_bulk_keeps_the_audit_of_the_presses_that_reached_quay(client_as, emulator):
    client = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror/sync-now": 401})
    response = client.post("/bulk/", {"action": "sync_now", "repo": ["acme/redis", "acme/nginx"]})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")  # signed in again
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SYNC_NOW"
    entries = AuditEntry.objects.filter(action="sync_now")
    assert [(e.namespace, e.repository, e.ok) for e in entries] == [("acme", "nginx", True)]
