"""The audit trail: what is recorded (never a password) and the audit page's filters."""

from __future__ import annotations

import json

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, post_form, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text

pytestmark = pytest.mark.django_db


@for_each_kind(
    "mirror, interval_was",
    repository=(repo("acme", "flaky"), 3600),  # credentials stored in the seed
    organization=(org("orgnew"), 6 * 3600),
)
def test_a_password_change_is_recorded_without_the_password(
    client_as, emulator, mirror, interval_was
):
    if mirror.kind == "organization":  # credentials stored first, in Quay
        mirror.change_in_quay(
            emulator, external_registry_username="svc", external_registry_password="old"
        )
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data.update(external_registry_password="hunter2-secret", sync_interval_value="3")
    post_form(client, mirror.settings_url, data)

    entry = mirror.audit().get()
    assert entry.username == mirror.admin
    assert entry.action == "update"
    assert entry.changes["external_registry_password"] == {
        "from": None,
        "to": "changed",
        "applied": True,
    }
    assert entry.changes["sync_interval"] == {"from": interval_was, "to": 10800, "applied": True}
    assert "hunter2-secret" not in json.dumps(entry.changes) + entry.message
    audit_page = text(client.get("/audit/"))
    assert "password changed" in audit_page
    assert "hunter2-secret" not in audit_page


def test_a_refused_save_is_recorded_as_failed_with_quays_reason(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "10.0.0.8/library/nginx"
    save(alice, "acme", "nginx", data)

    entry = AuditEntry.objects.get(repository="nginx")
    assert entry.ok is False
    assert "not allow" in entry.message  # Quay's reason, in Quay's words or plainer ones


def seed_entries() -> None:
    for username, namespace, repository in [
        ("alice", "acme", "nginx"),
        ("bob", "acme", "redis"),
        ("alice", "globex", "mysql"),
        ("alice", "initech", "grafana"),
        ("bob", "acme", "nginx"),
    ]:
        AuditEntry.objects.create(
            username=username,
            namespace=namespace,
            repository=repository,
            action="update",
            changes={"sync_interval": {"from": 3600, "to": 7200, "applied": True}},
        )


def listed(body: str) -> list[str]:
    import re

    return re.findall(r'<a href="/repo/([^"]+)/">', body.split('class="audit-list"', 1)[-1])


def test_the_audit_page_filters_by_namespace_repository_and_person(client_as, emulator):
    seed_entries()
    alice = client_as("alice")

    assert sorted(listed(text(alice.get("/audit/")))) == sorted(
        ["acme/nginx", "acme/redis", "globex/mysql", "initech/grafana", "acme/nginx"]
    )
    assert sorted(listed(text(alice.get("/audit/?namespace=acme")))) == [
        "acme/nginx",
        "acme/nginx",
        "acme/redis",
    ]
    assert listed(text(alice.get("/audit/?repository=nginx&person=bob"))) == ["acme/nginx"]
    assert listed(text(alice.get("/audit/?person=alice&namespace=globex"))) == ["globex/mysql"]
    body = text(alice.get("/audit/?person=carol"))
    assert "No entries match these filters" in body


def test_people_see_only_the_entries_of_their_namespaces(client_as, emulator):
    seed_entries()
    carol = client_as("carol")  # a member of acme only
    assert sorted(set(listed(text(carol.get("/audit/"))))) == ["acme/nginx", "acme/redis"]


def test_a_read_only_superuser_sees_every_namespaces_entries(client_as, emulator):
    # Quay does not say who is a superuser in GET /user/; its global mirror health does.
    seed_entries()
    dave = client_as("dave")  # member of nothing, global read-only superuser
    assert sorted(set(listed(text(dave.get("/audit/"))))) == [
        "acme/nginx",
        "acme/redis",
        "globex/mysql",
        "initech/grafana",
    ]


def test_the_audit_page_is_paginated(client_as, emulator):
    # Entries of repositories Quay lists to alice (an entry of any other is not shown).
    repos = ["nginx", "redis", "etcd", "postgres", "alpine", "busybox"]
    AuditEntry.objects.bulk_create(
        AuditEntry(username="alice", namespace="acme", repository=repos[i % 6], action="update")
        for i in range(60)
    )
    alice = client_as("alice")

    first = text(alice.get("/audit/?namespace=acme"))
    second = text(alice.get("/audit/?namespace=acme&page=2"))

    assert "Page 1 of 2 (60 entries)" in first
    assert 'href="?namespace=acme&amp;page=2"' in first
    assert len(listed(first)) == 50 and len(listed(second)) == 10


def test_the_audit_page_is_in_the_navigation(client_as, emulator):
    body = text(client_as("alice").get("/"))
    assert 'href="/audit/"' in body


def test_the_audit_page_needs_sign_in(client, emulator):
    assert client.get("/audit/").status_code == 302


def test_a_refused_save_is_listed_as_refused_in_the_audit(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "10.1.2.3:5000/library/hello"
    save(alice, "acme", "nginx", data)

    body = text(page(alice, "acme", "nginx"))

    audit = body.split('class="audit-list"', 1)[1]
    assert "refused by Quay" in audit
    assert "not fully applied" not in audit
    assert "This Quay does not allow mirroring from 10.1.2.3:5000" in audit
