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
