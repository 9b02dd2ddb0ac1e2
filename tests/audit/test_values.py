"""Who may read the values of an audit entry: only people Quay shows the mirror's settings to."""

from __future__ import annotations

import json

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, post_form
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

SOURCE_FROM = "docker.io/library/nginx"
SOURCE_TO = "registry.example.com/private/nginx"
PROXY_TO = "http://proxy.example.com:3128"


@pytest.fixture
def alices_change(db) -> AuditEntry:
    return AuditEntry.objects.create(
        username="alice",
        namespace="acme",
        repository="nginx",
        action=AuditEntry.Action.UPDATE,
        changes={
            "external_reference": {"from": SOURCE_FROM, "to": SOURCE_TO, "applied": True},
            "http_proxy": {"from": None, "to": PROXY_TO, "applied": False},
            "external_registry_username": {"from": None, "to": "svc-mirror", "applied": True},
        },
        ok=False,
        message=f"Not applied by Quay: HTTP proxy (asked for {PROXY_TO}, Quay still has none)",
    )


def test_a_member_without_admin_rights_sees_on_the_audit_page_what_changed_but_no_values(
    client_as, emulator, alices_change
):
    body = text(client_as("carol").get("/audit/"))

    assert "changed settings" in body
    assert "(source, HTTP proxy <strong" in body and "username)" in body
    for secret in (SOURCE_TO, SOURCE_FROM, PROXY_TO, "svc-mirror"):
        assert secret not in body
    assert "shown only to people who may read this mirror" in body


def test_a_member_without_admin_rights_sees_on_the_repo_page_what_changed_but_no_values(
    client_as, emulator, alices_change
):
    body = text(page(client_as("carol"), "acme", "nginx"))

    assert "Changes made through this dashboard" in body
    assert "(source, HTTP proxy" in body
    for secret in (SOURCE_TO, PROXY_TO, "svc-mirror"):
        assert secret not in body


def test_an_admin_sees_the_values_on_the_audit_page_and_the_repo_page(
    client_as, emulator, alices_change
):
    alice = client_as("alice")
    for body in (text(alice.get("/audit/")), text(page(alice, "acme", "nginx"))):
        assert f"source: {SOURCE_FROM} → {SOURCE_TO}" in body
        assert f"HTTP proxy: none → {PROXY_TO}" in body
        assert "username: none → svc-mirror" in body
        assert "Not applied by Quay: HTTP proxy" in body
        assert "shown only to people who may read" not in body


def test_the_audit_page_asks_quay_once_per_repository_shown(client_as, emulator, alices_change):
    AuditEntry.objects.create(username="bob", namespace="acme", repository="nginx", action="update")
    AuditEntry.objects.create(username="bob", namespace="acme", repository="redis", action="update")
    carol = client_as("carol")
    emulator.control("DELETE", "requests")

    carol.get("/audit/")

    asked = [r["path"] for r in emulator.requests_log() if r["path"].endswith("/mirror")]
    assert sorted(asked) == [
        "/api/v1/repository/acme/nginx/mirror",
        "/api/v1/repository/acme/redis/mirror",
    ]


def test_a_401_while_checking_the_audit_values_sends_the_person_to_sign_in_again(
    client_as, emulator, alices_change
):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 401})

    response = alice.get("/audit/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_when_quay_cannot_say_who_may_read_the_values_they_are_not_shown(
    client_as, emulator, alices_change
):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 503})

    body = text(alice.get("/audit/"))

    assert "(source, HTTP proxy" in body
    assert SOURCE_TO not in body


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_proxy_credentials_are_never_stored_in_the_audit_trail(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["http_proxy"] = "http://proxyuser:s3cret-pw@proxy.example.com:3128"
    data["https_proxy"] = "http://proxyuser:s3cret-pw@proxy.example.com:3129"
    response = post_form(client, mirror.settings_url, data)
    assert response.status_code == 302

    entry = mirror.audit().get()
    stored = json.dumps(entry.changes) + entry.message
    assert "s3cret-pw" not in stored and "proxyuser" not in stored
    assert entry.changes["http_proxy"]["to"] == "http://***@proxy.example.com:3128"
    assert entry.changes["https_proxy"]["to"] == "http://***@proxy.example.com:3129"
    audit_page = text(client.get("/audit/"))
    assert "http://***@proxy.example.com:3128" in audit_page
    assert "s3cret-pw" not in audit_page


def test_proxy_credentials_already_in_the_trail_are_not_shown(client_as, emulator):
    AuditEntry.objects.create(
        username="alice",
        namespace="acme",
        repository="nginx",
        action="update",
        changes={"https_proxy": {"from": "http://u:old-pw@p:1", "to": "http://u:new-pw@p:1"}},
    )
    body = text(client_as("alice").get("/audit/"))
    assert "HTTPS proxy: http://***@p:1 → http://***@p:1" in body
    assert "old-pw" not in body and "new-pw" not in body


@for_each_kind(
    "mirror",
    repository=repo("acme", "nginx"),
    organization=org("orgnew"),
)
def test_the_pages_words_hide_a_proxys_credentials(client_as, emulator, mirror):
    secret = "http://proxyuser:s3cret-pw@proxy.example.com:3128"
    client = client_as(mirror.admin)
    # Both proxies: real Quay drops the first proxy value set on a repository mirror's config
    # that has none yet (the HTTP one, here).
    data = {**form_data(client.get(mirror.url)), "http_proxy": secret, "https_proxy": secret}
    assert post_form(client, mirror.settings_url, data).status_code == 302
    page = client.get(mirror.url)
    assert page.context["form"]["https_proxy"].value() == secret  # the form keeps it editable
    words = text_of(page)
    assert "http://***@proxy.example.com:3128" in words
    assert "s3cret-pw" not in words
