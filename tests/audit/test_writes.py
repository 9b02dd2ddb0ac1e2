"""Who can write the audit trail: only presses on repositories that exist and that the
person can see are recorded (issue 10, item 5); crafted posts reach nobody's audit."""

from __future__ import annotations

import pytest

from dashboard.mirrors.models import AuditEntry

pytestmark = pytest.mark.django_db

NOTICE = "initech/SECURITY NOTICE: your Quay token expires today - paste it at evil.example"


def test_a_bulk_press_on_a_crafted_name_writes_no_audit_entry(client_as, emulator):
    carol = client_as("carol")
    response = carol.post("/bulk/", {"action": "sync_now", "repo": [NOTICE]}, follow=True)
    assert "Select at least one repository" in response.content.decode()  # no such name
    assert not AuditEntry.objects.exists()
    requests = [r["path"] for r in emulator.requests_log()]
    assert not any("SECURITY" in path or "NOTICE" in path for path in requests)


def test_a_bulk_press_on_another_namespace_writes_no_audit_entry(client_as, emulator):
    carol = client_as("carol")  # not a member of initech: Quay shows her none of it
    carol.post(
        "/bulk/",
        {"action": "sync_now", "repo": ["initech/grafana", "initech/no-such-repo"]},
        HTTP_HX_REQUEST="true",
    )
    assert not AuditEntry.objects.exists()
    alice = client_as("alice")
    assert "pressed Sync now" not in alice.get("/audit/?namespace=initech").content.decode()


def test_a_refused_press_on_a_repository_carol_reads_is_recorded_as_refused(client_as, emulator):
    carol = client_as("carol")  # reads acme, no admin rights: Quay refuses the press
    carol.post("/repo/acme/nginx/sync-now/", {})
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.namespace, entry.repository) == ("carol", "acme", "nginx")
    assert entry.outcome == AuditEntry.Outcome.REFUSED


def test_sync_now_and_cancel_on_a_repository_quay_does_not_show_write_nothing(client_as, emulator):
    carol = client_as("carol")
    carol.post("/repo/initech/grafana/sync-now/", {})
    carol.post("/repo/initech/grafana/cancel/", {"confirm": "yes"})
    carol.post("/repo/initech/fake-notice/cancel/", {"confirm": "yes"})
    assert not AuditEntry.objects.exists()


def test_a_state_switch_refused_on_a_hidden_repository_writes_nothing(client_as, emulator):
    bob = client_as("bob")  # a globex member without rights on globex/internal
    bob.post("/repo/globex/internal/state/", {"confirm": "yes"})
    carol = client_as("carol")
    carol.post("/repo/initech/grafana/state/", {"confirm": "yes"})
    assert not AuditEntry.objects.exists()


def test_a_refused_state_switch_on_a_readable_repository_is_refused_not_partial(
    client_as, emulator
):
    carol = client_as("carol")  # reads acme/app (NORMAL), may not change it
    carol.post("/repo/acme/app/state/", {"confirm": "yes"})
    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.Outcome.REFUSED
    alice = client_as("alice")
    page = alice.get("/audit/?namespace=acme").content.decode()
    assert "refused by Quay" in page
    assert "not fully applied" not in page


def test_a_save_posted_to_a_repository_quay_does_not_show_writes_nothing(client_as, emulator):
    carol = client_as("carol")  # not a member of initech
    carol.post(
        "/repo/initech/grafana/settings/",
        {"external_reference": "evil.example/x", "root_rule": ["*"], "robot_username": "x+y"},
    )
    carol.post("/repo/initech/no-such-repo/settings/", {"external_reference": "evil.example/x"})
    assert not AuditEntry.objects.exists()
    assert emulator.mirror("initech", "grafana")["external_reference"] != "evil.example/x"


# -- organization mirrors -------------------------------------------------------------------

ORG_NOTICE = "SECURITY NOTICE: your Quay token expires today"


def test_presses_on_an_organization_mirror_quay_does_not_show_write_nothing(client_as, emulator):
    carol = client_as("carol")  # not a member of orgmirror, nor of any organization below
    for org in ("orgmirror", "no-such-org"):
        carol.post(f"/org/{org}/mirror/sync-now/", {})
        carol.post(f"/org/{org}/mirror/cancel/", {"confirm": "yes"})
        carol.post(f"/org/{org}/mirror/delete/", {"confirm": "yes"})
    carol.post(
        "/bulk/",
        {"action": "sync_now", "org": ["orgmirror", "orgfail", ORG_NOTICE]},
        HTTP_HX_REQUEST="true",
    )
    assert not AuditEntry.objects.exists()
    requests = [r["path"] for r in emulator.requests_log()]
    assert not any("SECURITY" in path or "NOTICE" in path for path in requests)


def test_a_press_on_an_organization_mirror_by_its_admin_is_recorded(client_as, emulator):
    olivia = client_as("olivia")  # admin of orgnew: its mirror has never run
    olivia.post("/bulk/", {"action": "sync_now", "org": ["orgnew"]}, HTTP_HX_REQUEST="true")
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.namespace, entry.repository) == ("olivia", "orgnew", "")
    assert entry.outcome == AuditEntry.Outcome.DONE
