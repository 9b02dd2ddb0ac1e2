"""Who sees an audit entry: only people Quay lists the repository to (issue 10, item 4)."""

from __future__ import annotations

import pytest

from dashboard.mirrors.models import AuditEntry

pytestmark = pytest.mark.django_db


def switch_internal_to_mirror(signed_in) -> None:
    alice = signed_in("alice")
    alice.post("/repo/globex/internal/state/", {"confirm": "yes"})
    assert AuditEntry.objects.filter(repository="internal").exists()


def test_bob_does_not_see_a_change_to_a_repository_quay_hides_from_him(signed_in, emulator):
    switch_internal_to_mirror(signed_in)
    bob = signed_in("bob")  # a globex member without rights on globex/internal
    body = bob.get("/audit/?namespace=globex").content.decode()
    assert "internal" not in body
    assert "NORMAL" not in body
    assert "No entries" in body
    # Nor in the namespace and person filters.
    assert (
        "alice"
        not in bob.get("/audit/").content.decode().split("</form>")[0].split('id="f-person"')[-1]
    )


def test_alice_still_sees_her_change(signed_in, emulator):
    switch_internal_to_mirror(signed_in)
    body = signed_in("alice").get("/audit/?namespace=globex").content.decode()
    assert "globex/internal" in body or "internal</a>" in body
    assert "NORMAL → MIRROR" in body


def test_an_entry_of_a_repository_quay_has_not_is_shown_to_nobody(signed_in, emulator):
    AuditEntry.objects.create(
        username="mallory",
        namespace="acme",
        repository="gone",
        action=AuditEntry.Action.UPDATE,
        changes={"external_reference": {"from": "a", "to": "evil.example/x", "applied": True}},
    )
    for user in ("alice", "dave", "carol"):
        body = signed_in(user).get("/audit/").content.decode()
        assert "evil.example" not in body and "mallory" not in body, user


def test_the_repository_page_shows_no_audit_to_someone_who_knows_it_from_health_only(
    signed_in, emulator
):
    AuditEntry.objects.create(
        username="alice",
        namespace="globex",
        repository="mysql",
        action=AuditEntry.Action.UPDATE,
        changes={"sync_interval": {"from": 3600, "to": 7200, "applied": True}},
    )
    bob = signed_in("bob")  # globex member: health names globex/mysql, the listing does not
    body = bob.get("/repo/globex/mysql/").content.decode()
    assert "changed settings" not in body
    # Not "None yet" (untrue), nor anything that tells whether there are entries.
    assert "None yet" not in body
    assert "Not shown: Quay does not show you this repository itself" in body
    assert "changed settings" in signed_in("alice").get("/repo/globex/mysql/").content.decode()


def test_organization_mirror_entries_show_to_those_quay_shows_the_mirror(signed_in, emulator):
    olivia = signed_in("olivia")
    olivia.post("/org/orgmirror/mirror/cancel/", {"confirm": "yes"})
    olivia.post("/org/orgnew/mirror/sync-now/")
    assert AuditEntry.objects.filter(repository="").count() == 2
    # olivia administers both: the audit page lists them (it said "No entries." before).
    body = olivia.get("/audit/").content.decode()
    assert "orgmirror (organization mirror)" in body and "orgnew (organization mirror)" in body
    # dave (global read-only superuser) reads organization mirrors: he sees them too.
    assert "orgmirror (organization mirror)" in signed_in("dave").get("/audit/").content.decode()
    # oscar is a member of orgmirror, but Quay shows him no organization mirror: nothing.
    oscar = signed_in("oscar").get("/audit/").content.decode()
    assert "organization mirror" not in oscar and "No entries" in oscar
    # A deleted organization mirror's entries stay for its admins (Quay shows them its log).
    olivia.post("/org/orgnew/mirror/delete/", {"confirm": "yes"})
    body = olivia.get("/audit/?namespace=orgnew").content.decode()
    assert "orgnew (organization mirror)" in body and "deleted" in body.lower()
