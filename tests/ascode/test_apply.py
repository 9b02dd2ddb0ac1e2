"""``manage.py mirrors apply FILE``: exactly the plan, each mirror through the one save
(only what changed is sent, read back, audited); idempotent: an export applied sends no
write, and a file applied twice sends nothing the second time (counted at the emulator)."""

from __future__ import annotations

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.received import clear_log

from .conftest import SEED, entry

pytestmark = pytest.mark.django_db


def writes(emulator) -> list[tuple[str, object]]:
    return [
        (f"{r['method']} {r['path'].removeprefix('/api/v1/')}", r.get("json"))
        for r in emulator.requests_log()
        if r["method"] != "GET" and r["path"].startswith("/api/v1/")
    ]


@pytest.fixture
def applied(mirrors, tmp_path):
    """Write ``data`` to a file and apply it: the command's output (a CommandError's too)."""
    import yaml

    def apply(data, user="alice", *options, **env):
        path = tmp_path / "mirrors.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return mirrors("apply", str(path), *options, user=user, env=env, fails=True)

    return apply


@pytest.mark.parametrize("user", list(SEED))
def test_an_export_applied_sends_no_write(user, exported, applied, emulator):
    data = exported(*SEED[user], user=user)
    clear_log(emulator)
    said = applied(data, user)
    assert writes(emulator) == []
    assert f"0 not sent; {len(data['mirrors'])} unchanged (nothing sent)." in said


def test_two_intervals_changed_are_exactly_two_puts_of_the_interval(exported, applied, emulator):
    data = exported("acme", "globex")
    entry(data, "acme/nginx")["sync_interval"] = 43200
    entry(data, "globex/mysql")["sync_interval"] = 3600
    clear_log(emulator)
    said = applied(data)
    assert writes(emulator) == [
        ("PUT repository/acme/nginx/mirror", {"sync_interval": 43200}),
        ("PUT repository/globex/mysql/mirror", {"sync_interval": 3600}),
    ]
    assert "acme/nginx: applied: Saved: interval: 6 hours → 12 hours." in said
    assert "2 applied, 0 partly applied, 0 refused by Quay, 0 not sent; 13 unchanged" in said
    assert emulator.mirror("globex", "mysql")["sync_interval"] == 3600
    # Audited as a save from the page is.
    assert AuditEntry.objects.filter(namespace="acme", repository="nginx").count() == 1
    clear_log(emulator)
    again = applied(data)  # the same file again: nothing to do
    assert writes(emulator) == [] and "15 unchanged (nothing sent)" in again


def test_one_invalid_entry_is_not_sent_and_the_others_are_applied(exported, applied, emulator):
    data = exported("acme", "globex")
    entry(data, "acme/redis")["skopeo_timeout_interval"] = 60
    entry(data, "globex/mysql")["sync_interval"] = 3600
    clear_log(emulator)
    said = applied(data)
    assert [path for path, _ in writes(emulator)] == ["PUT repository/globex/mysql/mirror"]
    assert "acme/redis: not sent: refused (not sent): line " in said
    assert "The timeout must be at least 5 minutes" in said
    assert "1 applied, 0 partly applied, 0 refused by Quay, 1 not sent" in said
    assert "CommandError: 1 of the mirrors to change were not applied" in said


def test_a_repository_is_switched_to_mirror_state_and_its_mirror_created(applied, emulator):
    new = {
        "kind": "repository",
        "namespace": "acme",
        "repository": "app",
        "state": "MIRROR",
        "external_reference": "docker.io/library/hello-world",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]},
        "robot_username": "acme+mirror",
        "sync_start_date": "2030-01-01T00:00:00Z",
        "sync_interval": 86400,
        "skopeo_timeout_interval": 300,
    }
    clear_log(emulator)
    said = applied({"version": 1, "mirrors": [new]})
    assert writes(emulator) == []  # as on the page, the switch is confirmed first
    assert "acme/app: not sent: switching acme/app to mirror state refuses pushes" in said
    said = applied({"version": 1, "mirrors": [new]}, "alice", "--confirm")
    made = [path for path, _ in writes(emulator)]
    assert made == ["PUT repository/acme/app/changestate", "POST repository/acme/app/mirror"]
    # The first sync deletes the repository's tags that "latest" leaves out: confirmed too.
    assert "acme/app: applied: Mirror created" in said
    assert emulator.mirror("acme", "app")["external_reference"] == "docker.io/library/hello-world"
    clear_log(emulator)
    assert "1 unchanged" in applied({"version": 1, "mirrors": [new]})
    assert writes(emulator) == []


def test_an_organization_mirror_is_updated_field_by_field(exported, applied, emulator):
    data = exported("orgnew", user="olivia")
    entry(data, "orgnew")["sync_interval"] = 7200
    clear_log(emulator)
    said = applied(data, "olivia")
    assert writes(emulator) == [("PUT organization/orgnew/mirror", {"sync_interval": 7200})]
    assert "orgnew: applied" in said


def test_a_rotated_password_is_sent_with_its_username_and_never_shown(exported, applied, emulator):
    data = exported("acme")
    entry(data, "acme/flaky")["external_registry_password"] = {"env": "FLAKY_PASSWORD"}
    clear_log(emulator)
    said = applied(data, "alice", FLAKY_PASSWORD="rotated-secret")
    assert writes(emulator) == [
        (
            "PUT repository/acme/flaky/mirror",
            {
                "external_registry_username": "svc-flaky",
                "external_registry_password": "rotated-secret",
            },
        )
    ]
    assert "rotated-secret" not in said
    assert "rotated-secret" not in str(list(AuditEntry.objects.values_list("changes", "message")))


def test_two_intervals_changed_in_a_200_mirror_file_are_exactly_two_puts(
    exported, planned, applied, emulator
):
    """The issue's target: a file of over 200 mirrors, 2 intervals changed."""
    emulator.reset(repos=200)
    data = exported(*SEED["alice"])
    assert len(data["mirrors"]) > 200
    entry(data, "acme/bulk-0001")["sync_interval"] = 3600
    entry(data, "globex/bulk-0002")["sync_interval"] = 7200
    plan = planned(data)
    assert plan.count(": update") == 2 and f"{len(data['mirrors']) - 2} unchanged" in plan
    clear_log(emulator)
    applied(data)
    assert writes(emulator) == [
        ("PUT repository/acme/bulk-0001/mirror", {"sync_interval": 3600}),
        ("PUT repository/globex/bulk-0002/mirror", {"sync_interval": 7200}),
    ]
