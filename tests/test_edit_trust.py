"""A save says exactly what Quay holds afterwards: after a refusal halfway through a PUT,
and after Quay took longer to answer than the dashboard waits (it may have acted)."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry

from .edit_support import form_data, page, save, text

pytestmark = pytest.mark.django_db


def test_a_save_quay_refuses_halfway_says_what_took_effect(client_as, emulator):
    # Quay applies a PUT's fields in order and stops at the first it refuses: here it turns
    # scheduled syncs off, then refuses the private registry address.
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data.pop("is_enabled")
    data["external_reference"] = "10.1.2.3/library/redis"
    data["sync_interval_value"] = "24"
    body = text(save(client, "acme", "redis", data))

    assert emulator.mirror("acme", "redis")["is_enabled"] is False
    assert "Nothing was saved" not in body
    assert "Quay applied part of this save before refusing the rest" in body
    assert re.search(r"Applied: scheduled syncs[^.]*off\. Not applied: source", body)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.outcome == AuditEntry.Outcome.PARTIAL
    assert entry.changes["is_enabled"]["applied"] is True
    assert entry.changes["external_reference"]["applied"] is False
    assert entry.changes["sync_interval"]["applied"] is False


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


def test_a_save_quay_never_answered_is_audited_as_unknown_and_keeps_the_form(
    client_as, emulator, settings
):
    settings.QUAY_TIMEOUT = 0.5
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data["sync_interval_value"] = "13"
    emulator.configure(hang=["PUT /api/v1/repository/acme/redis/mirror"])  # reads answer
    try:
        body = text(save(client, "acme", "redis", data))
    finally:
        emulator.configure(hang=[])
    assert "Quay did not answer within 0.5 s" in body
    assert "Quay may still apply them" in body
    assert "Nothing was saved" not in body
    assert 'name="sync_interval_value" value="13"' in body  # the form as typed
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.outcome == AuditEntry.Outcome.UNKNOWN
    assert entry.changes["sync_interval"]["applied"] is None


def test_a_sync_now_quay_answers_too_late_shows_what_quay_holds(client_as, emulator, settings):
    settings.QUAY_TIMEOUT = 1.0
    emulator.configure(delay_after_write={"/api/v1/repository/acme/redis/mirror/sync-now": 3})
    body = text(client_as("alice").post("/repo/acme/redis/sync-now/", HTTP_HX_REQUEST="true"))
    assert "Quay did not answer within 1 s; acme/redis is now queued" in body
    assert "so a sync is under way" in body
    assert "Could not start a sync" not in body
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SYNC_NOW)
    assert entry.outcome == AuditEntry.Outcome.UNKNOWN
