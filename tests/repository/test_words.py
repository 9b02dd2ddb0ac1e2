"""The words of the repository page say what is true: a dead sync is not "running", the next
run during a sync is not a past time, a failed sync says what to do, a Quay problem says
whether saving again helps, and the password field follows the username."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import form_data, page, save
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_during_a_sync_the_next_run_is_after_it_not_a_past_time(client_as, emulator):
    body = text(client_as("alice").get("/repo/acme/alpine/status/", **HX))
    assert "<dt>Next scheduled run</dt><dd>after this sync ends</dd>" in body


def test_the_timeout_says_timeout_once(client_as, emulator):
    body = text(page(client_as("alice"), "acme", "redis"))
    assert "<dt>Timeout</dt><dd>5 minutes</dd>" in body


def test_a_failed_sync_says_what_to_do(client_as, emulator):
    body = text(client_as("alice").get("/repo/acme/postgres/status/", **HX))  # gave up
    assert "What to do:</strong> Fix the cause" in body and "then press Sync now" in body


def test_a_rule_quay_ignores_says_saving_again_will_not_help(client_as, emulator):
    client = client_as("alice")
    data = form_data(page(client, "acme", "orphan"))
    data["root_rule"] = ["1.6*", "latest", "alpine"]  # adds a pattern, deletes nothing
    body = text(save(client, "acme", "orphan", data, follow=True))
    assert "did not apply them" in body
    assert "saving again will not change it" in body
    assert "try saving that field again" not in body


def test_a_new_username_asks_for_its_password_without_saying_the_stored_one_is_kept(
    client_as, emulator
):
    client = client_as("alice")
    data = form_data(page(client, "acme", "flaky"))  # stored: svc-flaky with a password
    data["external_registry_username"] = "someone-else"
    body = text(save(client, "acme", "flaky", data))
    assert "Type the password for someone-else" in body
    assert "stored — leave empty to keep it" not in body
    assert "Leave empty to keep the stored password" not in body


def test_an_unchanged_rule_does_not_make_save_mention_deleting_tags(client_as, emulator):
    # acme/nginx's saved rule already leaves out its tag 1.23 (the next sync deletes it):
    # pressing Save on it does not delete anything.
    body = text(page(client_as("alice"), "acme", "nginx"))
    assert '<span id="save-deletes"></span>' in body


def test_the_next_run_of_a_stuck_or_given_up_sync_is_none_not_a_time(client_as, emulator):
    client = client_as("alice")
    stuck = text(client.get("/repo/acme/python/status/", **HX))
    # acme/python: enabled, 3 retries left, its lease ran out: Quay's worker never claims a
    # SYNCING mirror again (claim_mirror returns at once), whatever its start date.
    assert "<dt>Next scheduled run</dt><dd>none until the stuck sync is cancelled</dd>" in stuck
    gave_up = text(client.get("/repo/acme/postgres/status/", **HX))  # FAIL, retries 0
    assert "<dt>Next scheduled run</dt><dd>none until Sync now (no retries left)</dd>" in gave_up


def test_the_create_button_claims_no_deletions_while_the_tag_rule_is_empty(client_as, emulator):
    # acme/app has three tags; in mirror state without a config it offers the create form,
    # whose tag rule starts empty: nothing is decided yet, so nothing "would be deleted".
    alice = client_as("alice")
    alice.post("/repo/acme/app/state/", {"confirm": "yes"})

    response = page(alice, "acme", "app")

    assert save_button_words(response) == "Create mirror"
    assert "would be deleted" not in text_of(response)
    assert "No pattern yet" in text_of(response)
    typed = alice.post("/repo/acme/app/rules/check/", {"root_rule": [""]}, **HX)
    assert '<span id="save-deletes" hx-swap-oob="true"></span>' in text(typed)
    typed = alice.post("/repo/acme/app/rules/check/", {"root_rule": ["v2*"]}, **HX)
    assert "> and delete 1 tag…</span>" in text(typed)  # latest: now something is decided
    data = form_data(response)
    data["external_reference"] = "docker.io/acme/app"
    refused = save(alice, "acme", "app", data)
    assert "Add at least one tag pattern" in text_of(refused)
    assert save_button_words(refused) == "Create mirror"


def test_a_broken_rule_does_not_make_save_mention_deleting_tags(client_as, emulator):
    # Saving a rule with a row in error is refused: it deletes nothing.
    alice = client_as("alice")
    typed = alice.post("/repo/acme/nginx/rules/check/", {"root_rule": ["latest", "1.2*:x"]}, **HX)
    assert '<span id="save-deletes" hx-swap-oob="true"></span>' in text(typed)


def save_button_words(response) -> str:
    button = r'<button type="submit" class="save"[^>]*>(.*?)</button>'
    found = re.search(button, text(response), re.S)
    assert found, "no save button"
    return text_of(found.group(1)).strip()


def test_a_single_sync_now_try_that_fails_does_not_say_three_tries(client_as, emulator):
    """acme/postgres has no retries left: Sync now gives it one (Quay's max(retries, 1)), and
    its failure gives up at once: the start date moves on and the retries go back to 3."""
    emulator.configure(claim_delay=0)
    client = client_as("alice")
    body = text(client.post("/repo/acme/postgres/sync-now/", **HX))
    assert 'status-fail">Failed<' in body
    stored = emulator.mirror("acme", "postgres")
    assert stored["sync_retries_remaining"] == 3  # as Quay's release_mirror does
    said = text_of(body)
    assert "3 tries" not in said.replace("3 tries again", "")
    assert "gave up on this run (no retries left); 3 tries again at" in said
    assert re.search(r"Retries left 3, for the next run at", said)
