"""A save says exactly what Quay holds afterwards (for both kinds where the emulator can make
it so): after a refusal halfway through a PUT (repositories), after a refusal of the whole, and
after Quay took longer to answer than the dashboard waits (it may have acted)."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, post_form, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db


def test_a_save_that_fails_half_way_says_what_took_effect(client_as, emulator):
    # Quay applies an update's fields one after the other; failing on one (a database error:
    # the emulator's fail_put_at) leaves those before it applied.
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data.pop("is_enabled")
    data["sync_interval_value"] = "24"
    emulator.configure(fail_put_at={"/api/v1/repository/acme/redis/mirror": "sync_interval"})
    body = text(save(client, "acme", "redis", data))

    assert emulator.mirror("acme", "redis")["is_enabled"] is False
    assert "Nothing was saved" not in body
    assert "Quay answered with an error (HTTP 500) after applying part of this save" in body
    assert re.search(r"Applied: scheduled syncs[^.]*off\. Not applied: interval", body)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.outcome == AuditEntry.Outcome.PARTIAL
    assert entry.changes["is_enabled"]["applied"] is True
    assert entry.changes["sync_interval"]["applied"] is False


#: Each kind: a mirror, a source Quay refuses (at that field), and what else the save changes.
REFUSED = for_each_kind(
    "mirror, field, refused",
    repository=(repo("acme", "redis"), "external_reference", "10.1.2.3/library/redis"),
    organization=(org("orgnew"), "external_registry_url", "https://10.1.2.3"),
)


@REFUSED
def test_a_refusal_is_read_back_too_and_says_nothing_was_saved_when_nothing_was(
    client_as, emulator, mirror, field, refused
):
    # Quay checks every field before it applies any: refusing the source, it applies nothing.
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data.pop("is_enabled")  # scheduled syncs off, with the source
    data[field] = refused
    body = text(post_form(client, mirror.settings_url, data))
    assert mirror.in_quay(emulator)["is_enabled"] is True
    assert "Nothing was saved." in body
    assert "registry" in body  # Quay's reason, at the source


@REFUSED
def test_a_save_quay_refuses_whole_is_audited_as_refused(
    client_as, emulator, mirror, field, refused
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data[field] = refused
    body = text(post_form(client, mirror.settings_url, data))
    assert "Nothing was saved." in body
    entry = mirror.audit(action=AuditEntry.Action.UPDATE).get()
    assert entry.outcome == AuditEntry.Outcome.REFUSED
    assert entry.changes[field]["applied"] is False
    history = text(client.get(mirror.url))
    assert "refused by Quay" in history


@for_each_kind("mirror", repository=repo("acme", "redis"), organization=org("orgnew"))
def test_a_save_quay_answers_too_late_is_read_back_not_called_failed(
    client_as, emulator, settings, mirror
):
    settings.QUAY_TIMEOUT = 1.0
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["sync_interval_value"] = "13"
    emulator.configure(delay_after_write={f"/api/v1/{mirror.api}": 3})
    response = post_form(client, mirror.settings_url, data)
    body = text_of(client.get(response["Location"]) if response.status_code == 302 else response)
    assert "Quay did not answer within 1 s, but the settings read back show that every" in body
    assert mirror.in_quay(emulator)["sync_interval"] == 13 * 3600
    entry = mirror.audit(action=AuditEntry.Action.UPDATE).get()
    assert entry.outcome == AuditEntry.Outcome.DONE
    assert "did not answer within 1 s" in entry.message


def test_a_state_switch_quay_answers_too_late_is_read_back(client_as, emulator, settings):
    settings.QUAY_TIMEOUT = 1.0
    emulator.configure(delay_after_write={"/api/v1/repository/acme/app/changestate": 3})
    response = client_as("alice").post("/repo/acme/app/state/", {"confirm": "yes"}, follow=True)
    body = text(response)
    assert "Quay did not answer within 1 s, but acme/app is now in mirror state" in body
    assert "was not switched" not in body
    entry = AuditEntry.objects.get(action=AuditEntry.Action.STATE)
    assert entry.outcome == AuditEntry.Outcome.DONE


def test_a_refused_anonymous_capabilities_call_does_not_sign_the_person_out(client_as, emulator):
    # Asked without a token: a 401 there says nothing about the person's own sign-in.
    emulator.configure(fail={"/api/v1/registry/capabilities": 401})
    client = client_as("alice")
    response = page(client, "acme", "nginx")
    assert response.status_code == 200
    assert "Sign in again" not in text(response)
    assert "/accounts/login/" not in response.get("Location", "")
    asked = [r for r in emulator.requests_log() if r["path"] == "/api/v1/registry/capabilities"]
    assert asked and all(r["user"] is None for r in asked)  # sent without the token
