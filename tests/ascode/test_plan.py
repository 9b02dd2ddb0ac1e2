"""``manage.py mirrors plan FILE``: per mirror, create, update (field by field), unchanged,
conflict, refused (the settings form's checks), and what the file leaves out; a bad file
said with its line and field, never a traceback. A plan writes nothing."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from tests.support.received import calls, clear_log

from .conftest import SEED, entry, step

pytestmark = pytest.mark.django_db


def writes(emulator) -> list[str]:
    return [c for c in calls(emulator) if not c.startswith("GET ")]


@pytest.mark.parametrize("user", list(SEED))
def test_an_export_planned_again_is_all_unchanged_at_no_write(user, exported, planned, emulator):
    """The emulator's whole seed: alice's namespaces, olivia's organization mirrors."""
    data = exported(*SEED[user], user=user)
    assert data["mirrors"]
    clear_log(emulator)
    plan = planned(data, user=user)
    assert plan.count(": unchanged") == len(data["mirrors"]), plan
    assert f"Plan: 0 to create, 0 to update, {len(data['mirrors'])} unchanged" in plan
    assert writes(emulator) == []


def test_two_intervals_changed_are_exactly_two_updates(exported, planned):
    data = exported("acme", "globex")
    entry(data, "acme/nginx")["sync_interval"] = 43200
    entry(data, "globex/mysql")["sync_interval"] = 3600
    plan = planned(data)
    assert "Plan: 0 to create, 2 to update, 13 unchanged, 0 conflicts, 0 refused" in plan
    assert step(plan, "acme/nginx").splitlines()[1:] == ["interval: 6 hours → 12 hours"]
    assert step(plan, "globex/mysql").splitlines()[1:] == ["interval: 6 hours → 1 hour"]


def test_an_organization_mirrors_change_is_planned_field_by_field(exported, planned):
    data = exported("orgnew", user="olivia")
    entry(data, "orgnew")["repository_filters"] = ["api"]
    entry(data, "orgnew")["external_registry_config"]["verify_tls"] = False
    plan = planned(data, user="olivia")
    lines = step(plan, "orgnew").splitlines()
    assert lines[0].endswith(": update")
    assert any(line.startswith("repositories to mirror:") for line in lines[1:])
    assert "verify TLS: yes → no" in lines


def test_one_invalid_entry_among_many_is_refused_with_its_reason(exported, planned):
    data = exported("acme", "globex")
    entry(data, "acme/redis")["skopeo_timeout_interval"] = 60
    entry(data, "acme/etcd")["sync_interval"] = 7200
    plan = planned(data)
    refused = step(plan, "acme/redis")
    assert "refused (not sent)" in refused
    assert "skopeo_timeout_interval: The timeout must be at least 5 minutes" in refused
    assert "line " in refused.splitlines()[1]
    assert step(plan, "acme/etcd").endswith("interval: 6 hours → 2 hours")
    assert "1 to update, 13 unchanged, 0 conflicts, 1 refused" in plan


def test_a_mirror_changed_in_quay_since_the_export_is_a_conflict(exported, planned, emulator):
    data = exported("acme")
    emulator.api("PUT", "/repository/acme/redis/mirror", json={"sync_interval": 7200})
    entry(data, "acme/redis")["sync_interval"] = 3600
    plan = planned(data)
    said = step(plan, "acme/redis")
    assert "conflict: changed in Quay since the file was exported" in said
    assert "interval: Quay has 2 hours, the file 1 hour" in said
    # Without the fingerprint the file is what is wanted: an update.
    del entry(data, "acme/redis")["fingerprint"]
    assert step(planned(data), "acme/redis").endswith("interval: 2 hours → 1 hour")


def test_a_start_date_the_worker_moved_on_is_no_change(exported, planned, emulator):
    data = exported("acme")
    before = entry(data, "acme/redis")["sync_start_date"]
    moved = before.replace(before[:4], str(int(before[:4]) + 1))  # one year: whole intervals
    emulator.api("PUT", "/repository/acme/redis/mirror", json={"sync_start_date": moved})
    assert ": unchanged" in step(planned(data), "acme/redis")


def test_a_repository_is_switched_to_mirror_state_only_where_the_file_says(planned):
    new = {
        "kind": "repository",
        "namespace": "acme",
        "repository": "app",
        "external_reference": "docker.io/library/hello-world",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]},
        "robot_username": "acme+mirror",
        "sync_start_date": "2030-01-01T00:00:00Z",
        "sync_interval": 86400,
        "skopeo_timeout_interval": 300,
    }
    plan = planned({"version": 1, "mirrors": [new]})
    assert "acme/app is in state NORMAL: write state: MIRROR in its entry" in step(plan, "acme/app")
    plan = planned({"version": 1, "mirrors": [{**new, "state": "MIRROR"}]})
    said = step(plan, "acme/app").splitlines()
    assert said[0].endswith(": create")
    assert said[1] == "state: switched to MIRROR first (pushes refused from then on; apply " + (
        "--confirm)"
    )
    assert "source: docker.io/library/hello-world" in said and "verify TLS: yes" in said
    # acme/node is in mirror state already: a create, no switch.
    plan = planned({"version": 1, "mirrors": [{**new, "repository": "node"}]})
    assert "state:" not in step(plan, "acme/node") and ": create" in step(plan, "acme/node")
    # The others of acme are in Quay, not in the file: left alone.
    assert "acme/nginx: not in the file (left alone)" in plan


def test_an_organization_mirror_is_created_in_an_empty_organization(planned):
    new = {
        "kind": "organization",
        "namespace": "orgempty",
        "external_registry_type": "quay",
        "external_registry_url": "https://quay.example.com",
        "external_namespace": "upstreamorg",
        "robot_username": "orgempty+mirror",
        "visibility": "private",
        "sync_start_date": "2030-01-01T00:00:00Z",
        "sync_interval": 86400,
        "skopeo_timeout": 300,
    }
    said = step(planned({"version": 1, "mirrors": [new]}, user="olivia"), "orgempty")
    assert said.splitlines()[0].endswith(": create"), said


def test_a_password_is_read_where_the_plan_runs(exported, planned):
    data = exported("acme")
    entry(data, "acme/flaky")["external_registry_password"] = {"env": "FLAKY_PASSWORD"}
    said = step(planned(data), "acme/flaky")
    assert "refused" in said and "the environment variable FLAKY_PASSWORD is not set" in said
    said = step(planned(data, env={"FLAKY_PASSWORD": "rotated"}), "acme/flaky")
    assert said.splitlines()[0].endswith(": update")
    assert "password: set from $FLAKY_PASSWORD" in said and "rotated" not in said


def test_it_costs_one_listing_a_namespace_and_one_read_a_mirror(exported, planned, emulator):
    data = exported("acme")
    clear_log(emulator)
    planned(data)
    made = calls(emulator)
    assert made.count("GET repository") == 1
    assert len([c for c in made if c.endswith("/mirror")]) == 14  # acme/node's too
    assert len(made) == 16  # and who the person is


# -- bad files -----------------------------------------------------------------------------


def refusal(planned, text: str) -> str:
    with pytest.raises(CommandError) as refused:
        planned(text)
    said = str(refused.value)
    assert "Traceback" not in said
    return said


def test_a_yaml_syntax_error_is_said_with_its_line(planned):
    said = refusal(planned, "version: 1\nmirrors:\n  - kind: repository\n   namespace: [acme\n")
    assert "cannot be used" in said and "line 4" in said and "not valid YAML" in said


def test_a_json_syntax_error_is_said_with_its_line(planned):
    said = refusal(planned, '{\n  "version": 1,\n  "mirrors": [\n    {"kind": }\n  ]\n}\n')
    assert "line 4: not valid JSON" in said


def test_a_password_written_in_the_file_refuses_the_whole_file(exported, planned):
    data = exported("acme")
    entry(data, "acme/flaky")["external_registry_password"] = "s3cr3t"
    import yaml

    said = refusal(planned, yaml.safe_dump(data, sort_keys=False))
    assert "write the password as {env: NAME}" in said
    assert "s3cr3t" not in said


def test_unknown_fields_and_wrong_types_are_said_with_line_and_field(exported, planned):
    text = (
        "version: 1\n"
        "mirrors:\n"
        "- kind: repository\n"
        "  namespace: acme\n"
        "  repository: redis\n"
        "  sync_intervl: 3600\n"
        "- kind: repository\n"
        "  namespace: acme\n"
        "  repository: nginx\n"
        "  is_enabled: maybe\n"
        "  external_registry_config: {verify_tls: true, proxy: {ftp_proxy: x}}\n"
    )
    plan = planned(text)
    assert "line 6: acme/redis: unknown field 'sync_intervl' for a repository mirror" in plan
    nginx = step(plan, "acme/nginx")
    assert "line 10: acme/nginx: is_enabled must be true or false, got 'maybe'" in nginx
    assert "unknown field external_registry_config.proxy.ftp_proxy" in nginx


def test_a_file_without_version_or_mirrors_is_refused(planned):
    said = refusal(planned, "mirror:\n- kind: repository\n")
    assert "unknown field 'mirror'" in said and "version must be 1" in said


def test_a_file_that_refers_to_itself_is_refused_not_a_crash(planned):
    said = planned("version: 1\nmirrors: &m\n- *m\n")
    assert "entry 1 (line 2): refused (not sent)" in said
    assert "line 2: a mirror must be a mapping of its fields" in said


def test_a_robot_the_namespace_does_not_have_is_refused_at_one_call_a_namespace(
    exported, planned, emulator
):
    data = exported("acme")
    entry(data, "acme/nginx")["robot_username"] = "acme+nosuch"
    entry(data, "acme/redis")["robot_username"] = "acme+ci"
    clear_log(emulator)
    plan = planned(data)
    assert "acme+nosuch is not one of the acme namespace's robots" in step(plan, "acme/nginx")
    assert step(plan, "acme/redis").endswith("robot: acme+mirror → acme+ci")
    assert calls(emulator).count("GET organization/acme/robots") == 1
