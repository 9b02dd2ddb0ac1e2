"""Sync now and Cancel from a mirror's page, for both kinds: what each says and does, what
Quay's refusal really meant, rights, Cancel's confirmation, faults as messages, the audit."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.emulator import free_port
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def sync_now(client, repo: str, **extra):
    return client.post(f"/repo/{repo}/sync-now/", **extra)


def cancel(client, repo: str, data=None, **extra):
    return client.post(
        f"/repo/{repo}/cancel/", {"confirm": "yes"} if data is None else data, **extra
    )


def quay_calls(emulator, method: str = "POST") -> list[str]:
    return [r["path"] for r in emulator.requests_log() if r["method"] == method]


# -- done ----------------------------------------------------------------------------------------


@for_each_kind(
    "mirror, said",
    repository=(
        repo("acme", "redis"),
        ["Sync requested for acme/redis", "Queued waiting for a worker"],
    ),
    organization=(
        org("orgnew"),
        [
            "Sync requested for the organization mirror of orgnew",
            # The answer stays above the live part while it refreshes: when it was pressed.
            r"\(pressed at \d\d:\d\d:\d\d UTC\)",
            "Queued discovery waits for the worker's next pass",
        ],
    ),
)
def test_sync_now_says_what_happens_and_the_live_part_polls(client_as, emulator, mirror, said):
    response = client_as(mirror.admin).post(mirror.path("sync-now"), **HX)

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    for words in said:
        assert re.search(words, text_of(body)), words
    assert re.search(r'hx-trigger="md:poll"[^>]* data-poll-seconds="2"', body)
    assert mirror.stored(emulator)["sync_status"] == "SYNC_NOW"
    assert f"/api/v1/{mirror.api}/sync-now" in quay_calls(emulator)
    entry = mirror.audit().get()
    assert (entry.action, entry.outcome, entry.username) == ("sync_now", "done", mirror.admin)


@for_each_kind(
    "mirror, at_once, fast, in_the_end, stored",
    repository=(
        repo("acme", "alpine"),
        [
            "Sync of acme/alpine cancelled",
            "scheduled syncs stay paused until someone presses Sync now",
            "Cancelled",
        ],
        False,  # final: the panel only refreshes slowly
        "scheduled syncs are paused until Sync now",
        {"sync_status": "CANCEL", "sync_retries_remaining": 0},
    ),
    organization=(
        org("orgmirror"),
        [
            "Cancel requested for the organization mirror of orgmirror",
            "Cancelling cancel requested",
        ],
        True,  # its repositories are cancelled at the worker's next pass
        "Cancelled the last sync was cancelled (5 cancelled · 1 skipped); scheduled syncs go on",
        {},
    ),
)
def test_cancel_of_a_running_sync_says_what_that_means(
    client_as, emulator, no_read_cache, mirror, at_once, fast, in_the_end, stored
):
    client = client_as(mirror.admin)

    response = client.post(mirror.path("cancel"), {"confirm": "yes"}, **HX)

    body = text_of(response)
    for words in at_once:
        assert words in body
    assert ('hx-trigger="md:poll" data-poll-seconds="2"' in text(response)) is fast
    assert 'hx-trigger="md:poll" data-poll-seconds=' in text(response)
    emulator.advance(3)
    assert in_the_end in text_of(client.get(mirror.url))
    for field, value in stored.items():
        assert mirror.stored(emulator)[field] == value


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_without_htmx_a_press_redirects_to_the_page_with_its_message(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    response = client.post(mirror.path("sync-now"))
    assert response.status_code == 302
    assert response["Location"].startswith(mirror.url)
    assert f"Sync requested for {mirror.called}" in text_of(client.get(response["Location"]))


# -- what a 404 really meant ---------------------------------------------------------------------


@for_each_kind(
    "mirror, said",
    repository=(
        repo("acme", "alpine"),  # SYNCING: Quay answers Sync now 404
        ["Already syncing", "Quay does not start a second sync"],
    ),
    organization=(
        org("orgmirror"),  # repositories queued and syncing: Quay answers Sync now 400
        [
            "Quay refused a new sync of the organization mirror of orgmirror",
            "Cannot trigger sync: repositories are still syncing",
        ],
    ),
)
def test_sync_now_on_a_running_mirror_says_why_not_and_is_audited_as_not_done(
    client_as, emulator, mirror, said
):
    client = client_as(mirror.admin)
    before = mirror.stored(emulator)["sync_status"]
    fragment = text_of(client.post(mirror.path("sync-now"), **HX))
    redirect = client.post(mirror.path("sync-now"))  # without JavaScript: the page says it
    assert redirect.status_code == 302
    page = text_of(client.get(redirect["Location"]))
    for body in (fragment, page):
        for words in said:
            assert words in body
        assert "not found" not in body.lower()
    assert mirror.stored(emulator)["sync_status"] == before
    assert [entry.outcome for entry in mirror.audit(action="sync_now")] == ["not_done"] * 2


def test_sync_now_on_the_stuck_sync_says_to_cancel_first(client_as, emulator):
    body = text(sync_now(client_as("alice"), "acme/python", **HX))
    assert "Already syncing" in body
    assert "It looks stuck: cancel it first, then press Sync now." in body


def test_cancel_after_the_sync_finished_says_nothing_to_cancel(client_as, emulator):
    emulator.configure(claim_delay=1, sync_duration=1)
    client = client_as("alice")
    sync_now(client, "acme/redis", **HX)
    emulator.advance(3)  # claimed after 1 s, finished 1 s later
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"
    body = text(cancel(client, "acme/redis", **HX))
    assert "Nothing to cancel: no sync of acme/redis is queued or running" in body
    assert "the last one has finished (synced:" in body
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("repo", "status"), [("acme/debian", "cancelled"), ("acme/postgres", "failed")]
)
def test_cancel_says_how_the_last_sync_ended(client_as, emulator, repo, status):
    body = text(cancel(client_as("alice"), repo, **HX))
    assert "Nothing to cancel" in body
    assert f"finished ({status}:" in body


def test_an_action_on_a_repository_without_mirror_config_says_so(client_as, emulator):
    client = client_as("alice")
    body = text(sync_now(client, "acme/node", **HX))
    assert "No mirror config: acme/node is not set up for mirroring yet" in body
    assert "nothing to sync" in body
    body = text(cancel(client, "acme/node", **HX))
    assert "No mirror config" in body and "nothing to cancel" in body


def test_a_repository_that_is_not_mirrored_says_its_state(client_as, emulator):
    body = text(sync_now(client_as("alice"), "acme/app", **HX))
    assert "No mirror config" in body
    assert "state NORMAL; mirroring needs state MIRROR" in body


def test_an_action_on_a_missing_repository_says_no_such_repository(client_as, emulator):
    client = client_as("alice")
    body = text(sync_now(client, "acme/nosuchrepo", **HX))
    assert "No such repository: Quay has no repository acme/nosuchrepo" in body
    assert "No such repository" in text(cancel(client, "acme/nosuchrepo", **HX))


# -- rights, confirmation ------------------------------------------------------------------------


# -- audit trail ---------------------------------------------------------------------------------


@for_each_kind(
    "mirror, user, said, audited",
    repository=(
        repo("acme", "redis"),
        "carol",  # reads acme, no admin rights
        ["No rights: Quay does not let you start a sync of acme/redis", "repo:admin"],
        True,  # Quay shows her the repository: her press is in the audit trail
    ),
    organization=(
        org("orgmirror"),
        "oscar",  # a member of orgmirror, no admin rights
        [
            "No rights: Quay does not let you start a sync of the organization mirror of orgmirror",
            "org:admin",
            "only to its admins",
        ],
        False,  # Quay shows him no organization mirror: nobody's audit trail
    ),
)
def test_a_person_without_admin_rights_is_told_no_rights(
    client_as, emulator, mirror, user, said, audited
):
    before = mirror.stored(emulator)["sync_status"]

    body = text_of(client_as(user).post(mirror.path("sync-now"), **HX))

    for words in said:
        assert words in body
    assert mirror.stored(emulator)["sync_status"] == before
    entries = list(mirror.audit())
    if audited:
        (entry,) = entries
        assert (entry.username, entry.ok, entry.outcome) == (user, False, "refused")
        assert entry.message.startswith("no rights:")
    else:
        assert entries == []


@for_each_kind(
    "mirror, what_it_does, done",
    repository=(
        repo("acme", "alpine"),
        [
            "The running copy stops after the current tag",
            "scheduled syncs stay paused until someone presses Sync now",
        ],
        "Sync of acme/alpine cancelled",
    ),
    organization=(
        org("orgmirror"),
        ["the next scheduled run syncs them all again"],
        "Cancel requested for the organization mirror of orgmirror",
    ),
)
def test_cancel_without_javascript_asks_on_a_page_first(
    client_as, emulator, mirror, what_it_does, done
):
    client = client_as(mirror.admin)
    before = mirror.stored(emulator)["sync_status"]
    for response in (client.get(mirror.path("cancel")), client.post(mirror.path("cancel"), {})):
        assert response.status_code == 200
        body = text(response)
        assert "<html" in body
        assert f"Cancel the sync of {mirror.called}?" in text_of(body)
        for words in what_it_does:
            assert words in text_of(body)
        assert 'name="confirm" value="yes"' in body
    assert mirror.stored(emulator)["sync_status"] == before
    assert f"/api/v1/{mirror.api}/sync-cancel" not in quay_calls(emulator)

    response = client.post(mirror.path("cancel"), {"confirm": "yes"})  # the page's form
    assert response.status_code == 302
    assert f"/api/v1/{mirror.api}/sync-cancel" in quay_calls(emulator)
    assert done in text_of(client.get(response["Location"]))


@for_each_kind(
    "mirror, drawn, what_it_does, says_yes",
    repository=(
        repo("acme", "alpine"),
        "/repo/acme/alpine/status/",
        "The running copy stops after the current tag",
        """hx-vals='{"confirm": "yes"}'""",
    ),
    organization=(
        org("orgmirror"),
        "/org/orgmirror/mirror/",
        "the next scheduled run syncs them all again",
        # (not a hidden confirm=yes: without JavaScript the form gets the question page)
        """hx-vals='{"confirm": "yes"}'""",
    ),
)
def test_the_cancel_button_confirms_in_the_browser_and_says_what_it_does(
    client_as, emulator, mirror, drawn, what_it_does, says_yes
):
    body = text(client_as(mirror.admin).get(drawn, **HX))
    confirm = re.search(r'hx-confirm="([^"]*)"', body)
    assert confirm and confirm.group(1).startswith(f"Cancel the sync of {mirror.called}? ")
    assert what_it_does in confirm.group(1)
    assert says_yes in body


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_presses_need_post_and_sign_in(client, client_as, emulator, mirror):
    before = mirror.stored(emulator)["sync_status"]
    assert client.post(mirror.path("sync-now")).status_code == 302  # to sign in
    assert mirror.stored(emulator)["sync_status"] == before
    assert client_as(mirror.admin).get(mirror.path("sync-now")).status_code == 405


def test_each_press_is_in_the_audit_trail_with_its_result(client_as, emulator):
    client = client_as("bob")
    sync_now(client, "acme/redis", **HX)
    sync_now(client, "acme/alpine", **HX)
    cancel(client, "acme/alpine", **HX)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.username, e.repository, e.action, e.ok) for e in entries] == [
        ("bob", "redis", "sync_now", True),
        ("bob", "alpine", "sync_now", False),
        ("bob", "alpine", "cancel", True),
    ]
    assert entries[0].namespace == "acme"
    assert entries[0].message.startswith("done: Sync requested")
    assert entries[1].message.startswith("already syncing: A worker is copying")  # once


# -- upstream failures: a message, never a 500 ---------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_quay_failing_is_a_message(client_as, emulator, mirror, status):
    emulator.configure(fail={f"/api/v1/{mirror.api}": status})
    response = client_as(mirror.admin).post(mirror.path("sync-now"), **HX)
    assert response.status_code == 200
    body = text_of(response)
    # A 5xx may come after Quay acted: the status is read to say what it shows (here it
    # cannot be read either, so whether the sync was requested is not known).
    assert f"Quay answered with an error (HTTP {status}), and the status could not be read" in body
    assert f"whether it did start a sync of {mirror.called} is not known" in body
    assert "Could not start a sync" not in body


def test_quay_hanging_is_a_message(client_as, emulator, settings):
    settings.QUAY_TIMEOUT = 0.5
    emulator.configure(hang=["/api/v1/repository/acme/alpine/mirror/sync-cancel"])
    try:
        body = text(cancel(client_as("alice"), "acme/alpine", **HX))
    finally:
        emulator.configure(hang=[])
    # A hang is not a refusal: Quay may have acted. The status read afterwards is shown (the
    # press had three quarters of the 0.5 s; the read back, the rest: one timeout in all).
    assert "Quay did not answer within 0.4 s; acme/alpine is now syncing" in body
    assert "so the cancel may not have taken effect" in body
    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.Outcome.UNKNOWN


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_quay_down_is_a_message(client_as, emulator, settings, mirror):
    client = client_as(mirror.admin)
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    response = client.post(mirror.path("sync-now"), **HX)
    assert response.status_code == 200
    assert "Quay cannot be reached right now" in text(response)
    response = client.post(mirror.path("sync-now"))
    assert response.status_code == 302
    assert "Quay cannot be reached right now" in text(client.get(response["Location"]))


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_a_revoked_sign_in_asks_to_sign_in_again_without_leaving_the_page(
    client_as, emulator, mirror
):
    emulator.configure(fail={f"/api/v1/{mirror.api}/sync-now": 401})
    response = client_as(mirror.admin).post(mirror.path("sync-now"), **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#messages"
    assert "/accounts/login/?next=" in text(response)
    assert not AuditEntry.objects.exists()


@for_each_kind(
    "mirror, now",
    repository=(repo("acme", "redis"), "queued"),
    organization=(org("orgnew"), ""),
)
def test_a_press_quay_applied_but_answered_too_late_says_what_the_status_shows(
    client_as, emulator, settings, no_read_cache, mirror, now
):
    # Quay queued the sync, then held its answer past the dashboard's timeout: the press is
    # read back, said as it stands, and audited as unknown (never as failed).
    settings.QUAY_TIMEOUT = 0.5
    emulator.configure(delay_after_write={f"/api/v1/{mirror.api}/sync-now": 2})
    try:
        body = text_of(client_as(mirror.admin).post(mirror.path("sync-now"), **HX))
    finally:
        emulator.configure(delay_after_write={})
    assert f"Quay did not answer within 0.4 s; {mirror.called} is now {now}".strip() in body
    assert "so a sync is under way" in body
    assert "Could not start a sync" not in body and "Look again in a moment" not in body
    entry = mirror.audit().get()
    assert (entry.action, entry.outcome) == ("sync_now", "unknown")


def test_a_404_whose_meaning_cannot_be_read_says_so(client_as, emulator):
    emulator.configure(
        fail={  # the longest prefix wins: sync-now says 404, reading the config 503
            "/api/v1/repository/acme/redis/mirror/sync-now": 404,
            "/api/v1/repository/acme/redis/mirror": 503,
        }
    )
    body = text(sync_now(client_as("alice"), "acme/redis", **HX))
    assert "answered “not found”" in body
    assert "could not be read to find out why" in body
