"""Sync now and Cancel: what Quay received, what a 404 really meant, rights, faults, audit."""

from __future__ import annotations

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.emulator import free_port
from tests.support.pages import text

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


def test_sync_now_queues_the_sync_and_the_panel_starts_polling(client_as, emulator):
    client = client_as("alice")
    response = sync_now(client, "acme/redis", **HX)
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "Sync requested for acme/redis" in body
    assert ">Queued<" in body
    assert 'hx-trigger="md:poll" data-poll-seconds="2"' in body
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"
    assert "/api/v1/repository/acme/redis/mirror/sync-now" in quay_calls(emulator)


def test_cancel_of_a_running_sync_stops_it_and_says_what_that_means(client_as, emulator):
    client = client_as("alice")
    response = cancel(client, "acme/alpine", **HX)
    body = text(response)
    assert "Sync of acme/alpine cancelled" in body
    assert "scheduled syncs stay paused until someone presses Sync now" in body
    assert ">Cancelled<" in body
    assert "hx-trigger" not in body  # final: the panel stops asking
    stored = emulator.mirror("acme", "alpine")
    assert (stored["sync_status"], stored["sync_retries_remaining"]) == ("CANCEL", 0)


def test_without_htmx_an_action_redirects_to_the_repository_with_a_message(client_as, emulator):
    client = client_as("alice")
    response = sync_now(client, "acme/redis")
    assert response.status_code == 302
    assert response["Location"].startswith("/repo/acme/redis/")
    page = client.get(response["Location"])
    assert "Sync requested for acme/redis" in text(page)


# -- what a 404 really meant ---------------------------------------------------------------------


def test_sync_now_while_syncing_says_already_syncing(client_as, emulator):
    client = client_as("alice")
    body = text(sync_now(client, "acme/alpine", **HX))
    assert "Already syncing" in body
    assert "Quay does not start a second sync" in body
    assert "not found" not in body.lower()
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"


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


def test_a_member_without_admin_rights_is_told_no_rights(client_as, emulator):
    body = text(sync_now(client_as("carol"), "acme/redis", **HX))
    assert "No rights: Quay does not let you start a sync of acme/redis" in body
    assert "repo:admin" in body
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


def test_cancel_without_javascript_asks_for_confirmation_first(client_as, emulator):
    client = client_as("alice")
    for response in (client.get("/repo/acme/alpine/cancel/"), cancel(client, "acme/alpine", {})):
        assert response.status_code == 200
        body = text(response)
        assert "<html" in body
        assert "Cancel the sync of acme/alpine?" in body
        assert "The running copy stops after the current tag" in body
        assert "scheduled syncs stay paused until someone presses Sync now" in body
        assert 'name="confirm" value="yes"' in body
    assert emulator.mirror("acme", "alpine")["sync_status"] == "SYNCING"
    assert "/api/v1/repository/acme/alpine/mirror/sync-cancel" not in quay_calls(emulator)

    response = cancel(client, "acme/alpine")  # the confirmation page's form
    assert response.status_code == 302
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"
    assert "Sync of acme/alpine cancelled" in text(client.get(response["Location"]))


def test_the_cancel_button_confirms_in_the_browser_and_says_what_it_does(client_as, emulator):
    body = text(client_as("alice").get("/repo/acme/alpine/status/", **HX))
    assert 'hx-confirm="Cancel the sync of acme/alpine? The running copy stops after the ' in body
    assert 'hx-vals=\'{"confirm": "yes"}\'' in body


def test_actions_need_post_and_sign_in(client, emulator):
    assert client.post("/repo/acme/redis/sync-now/").status_code == 302  # to sign in
    assert emulator.mirror("acme", "redis")["sync_status"] == "SUCCESS"


def test_sync_now_is_post_only(client_as, emulator):
    assert client_as("alice").get("/repo/acme/redis/sync-now/").status_code == 405


# -- audit trail ---------------------------------------------------------------------------------


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


def test_a_refused_press_is_audited_too(client_as, emulator):
    sync_now(client_as("carol"), "acme/redis", **HX)
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.ok) == ("carol", False)
    assert entry.message.startswith("no rights:")


# -- upstream failures: a message, never a 500 ---------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_quay_failing_is_a_message(client_as, emulator, status):
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror": status})
    response = sync_now(client_as("alice"), "acme/redis", **HX)
    assert response.status_code == 200
    body = text(response)
    # A 5xx may come after Quay acted: the status is read to say what it shows (here it
    # cannot be read either, so whether the sync was requested is not known).
    assert f"Quay answered with an error (HTTP {status}), and the status could not be read" in body
    assert "whether it did start a sync of acme/redis is not known" in body
    assert "Could not start a sync" not in body


def test_quay_hanging_is_a_message(client_as, emulator, settings):
    settings.QUAY_TIMEOUT = 0.5
    emulator.configure(hang=["/api/v1/repository/acme/alpine/mirror/sync-cancel"])
    try:
        body = text(cancel(client_as("alice"), "acme/alpine", **HX))
    finally:
        emulator.configure(hang=[])
    # A hang is not a refusal: Quay may have acted. The status read afterwards is shown.
    assert "Quay did not answer within 0.5 s; acme/alpine is now syncing" in body
    assert "so the cancel may not have taken effect" in body
    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.Outcome.UNKNOWN


def test_quay_down_is_a_message(client_as, emulator, settings):
    client = client_as("alice")
    settings.QUAY_URL = f"http://127.0.0.1:{free_port()}"
    response = sync_now(client, "acme/redis", **HX)
    assert response.status_code == 200
    assert "Quay cannot be reached right now" in text(response)
    response = sync_now(client, "acme/redis")
    assert response.status_code == 302
    assert "Quay cannot be reached right now" in text(client.get(response["Location"]))


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


def test_a_revoked_sign_in_asks_to_sign_in_again_without_leaving_the_page(client_as, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/redis/mirror/sync-now": 401})
    client = client_as("alice")
    response = sync_now(client, "acme/redis", **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#messages"
    assert "/accounts/login/?next=" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_press_on_an_overview_row_answers_with_the_row(client_as, emulator):
    client = client_as("alice")
    response = client.post("/repo/acme/redis/sync-now/", {"view": "row"}, **HX)
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith("<tr") and "<html" not in body
    assert "Sync requested for acme/redis" in body
    response = client.post("/repo/acme/redis/sync-now/", {"view": "row"})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_cancel_from_an_overview_row_without_javascript_confirms_and_goes_back(client_as, emulator):
    client = client_as("alice")
    body = text(cancel(client, "acme/alpine", {"view": "row"}))
    assert "Cancel the sync of acme/alpine?" in body
    assert '<input type="hidden" name="view" value="row">' in body
    assert 'href="/" role="button"' in body  # "Keep it running" goes back to the overview
    response = cancel(client, "acme/alpine", {"view": "row", "confirm": "yes"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert emulator.mirror("acme", "alpine")["sync_status"] == "CANCEL"
