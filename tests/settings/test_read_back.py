"""A save says exactly what Quay holds afterwards: after a refusal halfway through a PUT,
and after Quay took longer to answer than the dashboard waits (it may have acted)."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, save
from tests.support.pages import text

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


def test_a_refusal_is_read_back_too_and_says_nothing_was_saved_when_nothing_was(
    client_as, emulator
):
    # Quay checks every field before it applies any: refusing the source, it applies nothing.
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data.pop("is_enabled")
    data["external_reference"] = "10.1.2.3/library/redis"
    body = text(save(client, "acme", "redis", data))
    assert emulator.mirror("acme", "redis")["is_enabled"] is True
    assert "Nothing was saved." in body
    assert "registry" in body  # Quay's reason, at the source


def test_a_save_quay_refuses_whole_is_audited_as_refused(client_as, emulator):
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data["external_reference"] = "10.1.2.3/library/redis"
    body = text(save(client, "acme", "redis", data))
    assert "Nothing was saved." in body
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.outcome == AuditEntry.Outcome.REFUSED
    assert entry.changes["external_reference"]["applied"] is False
    history = text(page(client, "acme", "redis"))
    assert "refused by Quay" in history


def test_a_save_quay_answers_too_late_is_read_back_not_called_failed(client_as, emulator, settings):
    settings.QUAY_TIMEOUT = 1.0
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data["sync_interval_value"] = "13"
    emulator.configure(delay_after_write={"/api/v1/repository/acme/redis/mirror": 3})
    response = save(client, "acme", "redis", data, follow=True)
    body = text(response)
    assert "Quay did not answer within 1 s, but the settings read back show that every" in body
    assert emulator.mirror("acme", "redis")["sync_interval"] == 13 * 3600
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
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
