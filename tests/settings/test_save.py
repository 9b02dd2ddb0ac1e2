"""Saving mirror settings: what Quay receives, what it stores, and what the person is told (for
both kinds: only the changed field; for repositories, every field's round trip and what Quay
silently does not apply)."""

from __future__ import annotations

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import change, form_data, page, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of
from tests.support.received import clear_log, mirror_puts

pytestmark = pytest.mark.django_db


@for_each_kind(
    "mirror, changes, sent, said, audited",
    repository=(
        repo("acme", "nginx"),
        {"sync_interval_value": "12", "sync_interval_unit": "hours"},
        {"sync_interval": 43200},
        "interval: 6 hours → 12 hours",
        {"sync_interval": {"from": 21600, "to": 43200, "applied": True}},
    ),
    organization=(
        org("orgnew"),
        {"repository_filters": ["api", "front*", "docs-*"]},
        {"repository_filters": ["api", "front*", "docs-*"]},
        "Saved: repositories to mirror: + docs-*, - worker.",
        {
            "repository_filters": {
                "from": ["api", "worker", "front*"],
                "to": ["api", "front*", "docs-*"],
                "applied": True,
            }
        },
    ),
)
def test_a_save_sends_only_the_changed_field_and_reads_it_back(
    client_as, emulator, mirror, changes, sent, said, audited
):
    client = client_as(mirror.admin)
    clear_log(emulator)

    response, after = change(client, mirror.url, **changes)

    assert response.status_code == 302
    assert mirror.writes(emulator) == [("PUT", sent)]
    for field, value in sent.items():
        assert mirror.in_quay(emulator)[field] == value
    assert said in text_of(after)
    entry = mirror.audit(action="update").get()
    assert entry.outcome == "done"
    assert entry.changes == audited


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_a_form_saved_unchanged_sends_nothing(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    clear_log(emulator)

    _response, after = change(client, mirror.url)

    assert mirror.writes(emulator) == []
    assert "Nothing to save" in text_of(after)


def test_a_start_date_quay_returned_with_microseconds_is_not_sent_back(alice, emulator):
    stored = emulator.api("GET", "repository/acme/nginx/mirror").json()["sync_start_date"]
    assert "." in stored  # Quay's after-sync form, which it refuses when written
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["1.2*", "latest", "mainline"]
    clear_log(emulator)

    save(alice, "acme", "nginx", data)

    (put,) = mirror_puts(emulator, "acme", "nginx")
    assert "sync_start_date" not in put
    assert put["root_rule"] == {
        "rule_kind": "tag_glob_csv",
        "rule_value": ["1.2*", "latest", "mainline"],
    }


def test_every_field_round_trips_to_what_quay_stores(alice, emulator):
    emulator.configure(sparse_index=True)  # Quay refuses an architecture filter without it
    data = form_data(page(alice, "acme", "redis"))
    data.pop("is_enabled", None)
    data.pop("verify_tls", None)
    data.update(
        {
            "external_reference": "registry.example.com/mirror/redis",
            "root_rule": ["7.2*", "latest", "7.2*"],  # the duplicate is dropped
            "robot_username": "acme+ci",
            "sync_start_date": "2031-03-01T06:00:00",
            "sync_interval_value": "2",
            "sync_interval_unit": "days",
            "skopeo_timeout_value": "15",
            "skopeo_timeout_unit": "minutes",
            "external_registry_username": "puller",
            "external_registry_password": "pa55word",
            "unsigned_images": "on",
            "architecture_filter": ["amd64", "arm64"],
            "confirm_delete_tags": "7.0,7.4",  # the rule no longer keeps these
        }
    )

    response = save(alice, "acme", "redis", data, follow=True)

    stored = emulator.mirror("acme", "redis")
    assert stored["is_enabled"] is False
    assert stored["external_reference"] == "registry.example.com/mirror/redis"
    assert stored["root_rule"]["rule_value"] == ["7.2*", "latest"]
    assert stored["robot_username"] == "acme+ci"
    assert stored["sync_start_date"] == "2031-03-01T06:00:00Z"
    assert stored["sync_interval"] == 2 * 86400
    assert stored["skopeo_timeout_interval"] == 900
    assert stored["external_registry_username"] == "puller"
    assert stored["external_registry_password"] == "pa55word"
    assert stored["external_registry_config"]["verify_tls"] is False
    assert stored["external_registry_config"]["unsigned_images"] is True
    assert stored["architecture_filter"] == ["amd64", "arm64"]
    body = text(response)
    assert "but did not apply them" not in body
    assert "interval: 12 hours → 2 days" in body
    assert "pa55word" not in body


def test_a_proxy_quay_silently_drops_is_reported_as_not_applied(alice, emulator):
    """Real Quay drops the first proxy value set on a config that has no proxy object yet."""
    data = form_data(page(alice, "acme", "nginx"))
    data.update(http_proxy="http://proxy.acme:3128", https_proxy="http://proxy.acme:3129")

    response = save(alice, "acme", "nginx", data, follow=True)

    body = text(response)
    assert "accepted these changes but did not apply them: HTTP proxy" in body
    assert "HTTPS proxy: none → http://proxy.acme:3129" in body
    stored = emulator.mirror("acme", "nginx")["external_registry_config"]["proxy"]
    assert stored.get("http_proxy") is None
    assert stored["https_proxy"] == "http://proxy.acme:3129"
    entry = AuditEntry.objects.get(repository="nginx", action="update")
    assert entry.ok is False
    assert entry.changes["http_proxy"]["applied"] is False
    assert entry.changes["https_proxy"]["applied"] is True

    # Saving again now applies it: only the dropped field is still different.
    data = form_data(page(alice, "acme", "nginx"))
    data["http_proxy"] = "http://proxy.acme:3128"
    clear_log(emulator)
    response = save(alice, "acme", "nginx", data, follow=True)
    assert mirror_puts(emulator, "acme", "nginx") == [
        {"external_registry_config": {"proxy": {"http_proxy": "http://proxy.acme:3128"}}}
    ]
    assert "but did not apply them" not in text(response)
    proxy = emulator.mirror("acme", "nginx")["external_registry_config"]["proxy"]
    assert proxy["http_proxy"] == "http://proxy.acme:3128"


def test_a_tag_rule_quay_ignores_is_reported_as_not_applied(alice, emulator):
    """acme/orphan: a failed create left an orphan rule; Quay updates that one instead."""
    data = form_data(page(alice, "acme", "orphan"))
    data["root_rule"] = ["1.6*", "latest", "alpine"]

    response = save(alice, "acme", "orphan", data, follow=True)

    body = text(response)
    assert "accepted these changes but did not apply them: tags" in body
    assert "Quay still has 1.6*, latest" in body
    assert emulator.mirror("acme", "orphan")["root_rule"]["rule_value"] == ["1.6*", "latest"]
    entry = AuditEntry.objects.get(repository="orphan")
    assert entry.ok is False
    assert entry.changes["root_rule"] == {
        "from": ["1.6*", "latest"],
        "to": ["1.6*", "latest", "alpine"],
        "applied": False,
    }


# -- credentials ---------------------------------------------------------------------------------


# -- concurrent changes, running syncs -------------------------------------------------------------


# -- upstream failures while saving ----------------------------------------------------------------
