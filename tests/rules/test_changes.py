"""Config snapshots, what to send, and Quay's log entries in words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.rules import changes, history
from dashboard.quay.models import LogEntry, MirrorConfig, SyncStatus

WHEN = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def config(**overrides) -> MirrorConfig:
    values = {
        "is_enabled": True,
        "external_reference": "docker.io/library/nginx",
        "sync_interval": 21600,
        "sync_start_date": datetime(2026, 11, 27, 17, 0, 0, 268812, tzinfo=UTC),
        "sync_status": SyncStatus.SUCCESS,
        "root_rule": ("1.2*", "latest"),
        "robot_username": "acme+mirror",
    }
    return MirrorConfig(**{**values, **overrides})


def test_a_snapshot_drops_quays_microseconds():
    assert changes.snapshot(config())["sync_start_date"] == "2026-11-27T17:00:00Z"


def test_a_signed_snapshot_only_opens_for_its_own_repository():
    token = changes.sign("acme", "nginx", changes.snapshot(config()))
    assert changes.unsign("acme", "nginx", token) == changes.snapshot(config())
    assert changes.unsign("acme", "redis", token) is None
    assert changes.unsign("acme", "nginx", token[:-2] + "xx") is None
    assert changes.unsign("acme", "nginx", "") is None


def test_diff_and_the_update_it_sends():
    old = changes.snapshot(config())
    new = {**old, "sync_interval": 43200, "root_rule": ["1.2*", "latest", "v2.*"]}
    found = changes.diff(old, new)
    assert [c.field for c in found] == ["root_rule", "sync_interval"]
    assert changes.summary(found) == "tags: + v2.*; interval: 6 hours → 12 hours"
    values = {change.field: change.new for change in found}
    assert RepoTarget("acme", "nginx").payload(values, config(), {}) == {
        "root_rule": ["1.2*", "latest", "v2.*"],
        "sync_interval": 43200,
    }


def test_credentials_are_sent_only_when_a_password_is_typed_or_removed():
    assert changes.credentials_update(username="u", password="", remove=False) == ({}, "")
    assert changes.credentials_update(username="u", password="p", remove=False) == (
        {"external_registry_username": "u", "external_registry_password": "p"},
        "changed",
    )
    assert changes.credentials_update(username="u", password="", remove=True) == (
        {"external_registry_username": None, "external_registry_password": None},
        "removed",
    )


def test_verify_separates_applied_from_dropped_changes():
    asked = [changes.Change("sync_interval", 1, 2), changes.Change("http_proxy", None, "p")]
    result = changes.verify(asked, {"sync_interval": 2, "http_proxy": None})
    assert [c.field for c in result.applied] == ["sync_interval"]
    assert [(c.field, kept) for c, kept in result.not_applied] == [("http_proxy", None)]
    assert not result.ok


def test_the_audit_record_never_holds_a_password():
    record = changes.audit_changes([changes.Change("sync_interval", 1, 2)], "changed")
    assert record["external_registry_password"] == {"from": None, "to": "changed", "applied": True}


def log(kind: str, **metadata) -> LogEntry:
    return LogEntry(kind=kind, datetime=WHEN, performer="bob", metadata=metadata)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (log("repo_mirror_sync_started", message="x"), "Sync started"),
        (log("repo_mirror_sync_success", tags="1.24, latest"), "Sync succeeded: 1.24, latest"),
        (log("repo_mirror_sync_failed", message="skopeo: boom"), "Sync failed: skopeo: boom"),
        (
            log("repo_mirror_config_changed", changed="sync_interval", to=43200),
            "bob changed interval → 12 hours",
        ),
        (
            log("repo_mirror_config_changed", changed="mirror_rule", to=["v2.*"]),
            "bob changed tags → v2.*",
        ),
        (
            log("repo_mirror_config_changed", changed="sync_status", to="SYNC_NOW"),
            "bob pressed Sync now",
        ),
        (
            log("repo_mirror_config_changed", changed="sync_status", to="SYNC_CANCEL"),
            "bob cancelled the sync",
        ),
        (
            log("repo_mirror_config_changed", changed="external_registry_password", to="********"),
            "bob changed the password",
        ),
        (
            log("repo_mirror_config_changed", changed="is_enabled", to=False),
            "bob turned scheduled syncs off",
        ),
        (
            log("repo_mirror_config_changed", changed="sync_start_date", to=1906545600),
            "bob changed start date → 2030-06-01 12:00 UTC",
        ),
    ],
)
def test_log_entries_read_as_history(entry, words):
    assert history.describe_log(entry).text == words


def test_the_last_successful_sync_lists_its_tags():
    logs = [log("repo_mirror_sync_failed"), log("repo_mirror_sync_success", tags="a, b")]
    assert history.last_synced_tags(logs).tags == {"a", "b"}
    assert history.last_synced_tags([log("repo_mirror_sync_failed")]) is None
    none = history.last_synced_tags([log("repo_mirror_sync_success", tags="No tags matched")])
    assert none.tags == frozenset()
