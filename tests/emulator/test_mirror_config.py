"""GET/POST/PUT of a mirror configuration: status codes, bodies and validation messages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.emulator import Emulator
from tests.support.quay_api import NOT_FOUND, detail, logs, mirror_payload, without_type

APP = "repository/acme/app/mirror"
NGINX = "repository/acme/nginx/mirror"
NOT_ALLOWED = "The provided registry location is not allowed"


def post(emulator: Emulator, **overrides: Any) -> Any:
    return emulator.api("POST", APP, json=mirror_payload(**overrides))


def put(emulator: Emulator, body: dict[str, Any], path: str = NGINX) -> Any:
    return emulator.api("PUT", path, json=body)


# ------------------------------------------------------------------------- GET


def test_get_mirror_returns_quay_fields_without_password(emulator: Emulator) -> None:
    body = emulator.api("GET", "repository/acme/flaky/mirror").json()
    assert list(body) == [
        "is_enabled",
        "mirror_type",
        "external_reference",
        "external_registry_username",
        "external_registry_config",
        "sync_interval",
        "sync_start_date",
        "sync_expiration_date",
        "sync_retries_remaining",
        "sync_status",
        "root_rule",
        "robot_username",
        "skopeo_timeout_interval",
        "architecture_filter",
    ]
    assert body["external_registry_username"] == "svc-flaky"
    assert "external_registry_password" not in body
    assert emulator.mirror("acme", "flaky")["external_registry_password"] == "s3cr3t-flaky"


def test_get_mirror_without_config_answers_404(emulator: Emulator) -> None:
    response = emulator.api("GET", "repository/acme/node/mirror")
    assert response.status_code == 404
    assert without_type(response.json()) == NOT_FOUND


# ------------------------------------------------------------------------ POST


def test_post_mirror_answers_201_with_empty_string_and_flips_state(emulator: Emulator) -> None:
    response = post(emulator)
    assert response.status_code == 201
    assert response.json() == ""
    record = emulator.mirror("acme", "app")
    assert record["state"] == "MIRROR"
    assert record["sync_status"] == "NEVER_RUN"
    assert record["sync_start_date"] == "2030-01-01T00:00:00Z"
    assert record["root_rule"] == {"rule_kind": "tag_glob_csv", "rule_value": ["1.2*"]}


def test_post_mirror_twice_answers_409_with_quays_typo(emulator: Emulator) -> None:
    post(emulator)
    response = post(emulator)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Mirror configuration already exits for repository acme/app"
    }


def test_post_mirror_logs_the_external_reference(emulator: Emulator) -> None:
    post(emulator)
    entry = logs(emulator, "acme", "app")[0]
    assert entry["kind"] == "repo_mirror_config_changed"
    assert entry["metadata"]["changed"] == "external_reference"
    assert entry["metadata"]["to"] == "docker.io/library/nginx"
    assert entry["metadata"]["username"] == "alice"
    assert entry["performer"]["name"] == "alice"


def test_post_mirror_with_missing_field_answers_required_property(emulator: Emulator) -> None:
    response = emulator.api(
        "POST",
        APP,
        json={"external_reference": "docker.io/library/nginx", "sync_interval": 3600},
    )
    assert response.status_code == 400
    assert detail(response).startswith(
        "'sync_start_date' is a required property\n\nFailed validating 'required' in schema:\n"
        "    {'description': 'Create the repository mirroring configuration.',\n"
    )
    assert response.json()["error_type"] == "invalid_request"


@pytest.mark.parametrize(
    "value",
    ["2030-01-01T00:00:00.000Z", "2026-11-27T17:00:00.268812Z", "2030-01-01 00:00:00", "tomorrow"],
)
def test_post_mirror_with_malformed_start_date_answers_bare_detail(
    emulator: Emulator, value: str
) -> None:
    response = post(emulator, sync_start_date=value)
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect DateTime format for sync_start_date."}


def test_post_mirror_with_short_skopeo_timeout_answers_jsonschema_400(
    emulator: Emulator,
) -> None:
    response = post(emulator, skopeo_timeout_interval=100)
    assert response.status_code == 400
    assert without_type(response.json()) == {
        "detail": (
            "100 is less than the minimum of 300\n\n"
            "Failed validating 'minimum' in schema['properties']['skopeo_timeout_interval']:\n"
            "    {'description': 'Number of seconds mirroring job will run before '\n"
            "                    'timing out.',\n"
            "     'minimum': 300,\n"
            "     'type': 'integer'}\n\n"
            "On instance['skopeo_timeout_interval']:\n"
            "    100"
        ),
        "error_message": (
            "100 is less than the minimum of 300\n\n"
            "Failed validating 'minimum' in schema['properties']['skopeo_timeout_interval']:\n"
            "    {'description': 'Number of seconds mirroring job will run before '\n"
            "                    'timing out.',\n"
            "     'minimum': 300,\n"
            "     'type': 'integer'}\n\n"
            "On instance['skopeo_timeout_interval']:\n"
            "    100"
        ),
        "error_type": "invalid_request",
        "title": "invalid_request",
        "status": 400,
    }


def test_post_mirror_with_negative_interval_answers_jsonschema_400(emulator: Emulator) -> None:
    response = post(emulator, sync_interval=-1)
    assert response.status_code == 400
    assert detail(response).startswith(
        "-1 is less than the minimum of 0\n\n"
        "Failed validating 'minimum' in schema['properties']['sync_interval']:\n"
    )


def test_post_mirror_with_wrong_rule_kind_answers_jsonschema_400(emulator: Emulator) -> None:
    response = post(emulator, root_rule={"rule_kind": "regex", "rule_value": ["1.*"]})
    assert response.status_code == 400
    assert detail(response) == (
        "'regex' is not one of ['tag_glob_csv']\n\n"
        "Failed validating 'enum' in schema['properties']['root_rule']['properties']"
        "['rule_kind']:\n"
        "    {'description': 'The kind of rule type',\n"
        "     'enum': ['tag_glob_csv'],\n"
        "     'type': 'string'}\n\n"
        "On instance['root_rule']['rule_kind']:\n"
        "    'regex'"
    )


def test_post_mirror_with_empty_rule_value_answers_jsonschema_400(emulator: Emulator) -> None:
    response = post(emulator, root_rule={"rule_kind": "tag_glob_csv", "rule_value": []})
    assert response.status_code == 400
    assert detail(response).startswith(
        "[] is too short\n\nFailed validating 'minItems' in "
        "schema['properties']['root_rule']['properties']['rule_value']:\n"
    )


def test_post_mirror_with_unknown_robot_answers_message(emulator: Emulator) -> None:
    response = post(emulator, robot_username="acme+nosuchbot")
    assert response.status_code == 400
    assert response.json() == {"message": "Could not find robot with specified username"}


def test_post_mirror_with_robot_of_another_namespace_answers_invalid_robot(
    emulator: Emulator,
) -> None:
    response = post(emulator, robot_username="globex+mirror")
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid robot"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("is_enabled", "yes", "'yes' is not of type 'boolean'"),
        ("sync_interval", "3600", "'3600' is not of type 'integer'"),
        ("external_registry_username", 5, "5 is not of type 'string', 'null'"),
    ],
)
def test_post_mirror_with_wrong_types_answers_jsonschema_400(
    emulator: Emulator, field: str, value: Any, message: str
) -> None:
    response = post(emulator, **{field: value})
    assert response.status_code == 400
    assert detail(response).startswith(message + "\n\nFailed validating 'type' in")


@pytest.mark.parametrize("key", ["verify_tls", "unsigned_images"])
def test_non_boolean_registry_flag_answers_jsonschema_400(emulator: Emulator, key: str) -> None:
    response = put(emulator, {"external_registry_config": {key: "false"}})
    assert response.status_code == 400
    assert detail(response).startswith(
        "'false' is not of type 'boolean'\n\nFailed validating 'type' in "
        f"schema['properties']['external_registry_config']['properties']['{key}']:"
    )


@pytest.mark.parametrize(
    "reference",
    [
        "10.1.2.3:5000/library/hello",
        "127.0.0.1:5000/library/hello",
        "169.254.169.254/latest/meta-data",
        "192.168.1.10/team/app",
        "[::1]:5000/library/hello",
        "localhost:5000/library/hello",
        "metadata.google.internal/computeMetadata",
        "registry.local/team/app",
    ],
)
def test_post_mirror_to_a_private_location_is_not_allowed(
    emulator: Emulator, reference: str
) -> None:
    response = post(emulator, external_reference=reference)
    assert response.status_code == 400
    assert without_type(response.json()) == {
        "detail": NOT_ALLOWED,
        "error_message": NOT_ALLOWED,
        "error_type": "invalid_request",
        "title": "invalid_request",
        "status": 400,
    }


def test_external_reference_without_repository_path_is_refused(emulator: Emulator) -> None:
    response = post(emulator, external_reference="docker.io")
    assert response.status_code == 400
    assert detail(response) == "External registry reference must include a repository path"


def test_allowed_hosts_option_lets_a_private_registry_through(emulator: Emulator) -> None:
    emulator.configure(allowed_hosts=["10.0.0.0/8", "localhost"])
    assert post(emulator, external_reference="10.1.2.3:5000/library/hello").status_code == 201
    response = put(emulator, {"external_reference": "localhost:5000/x/y"}, path=APP)
    assert response.status_code == 201


def test_public_registry_hostnames_are_allowed(emulator: Emulator) -> None:
    assert post(emulator, external_reference="ghcr.io/example/tool").status_code == 201


def test_unknown_architecture_is_refused(emulator: Emulator) -> None:
    emulator.configure(sparse_index=True)
    response = post(emulator, architecture_filter=["amd64", "riscv64", "i386"])
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid architectures: i386, riscv64"}


def test_known_architectures_are_stored(emulator: Emulator) -> None:
    emulator.configure(sparse_index=True)
    assert put(emulator, {"architecture_filter": ["arm64", "s390x"]}).status_code == 201
    assert emulator.mirror("acme", "nginx")["architecture_filter"] == ["arm64", "s390x"]


# ------------------------------------------------------------------------- PUT


def test_put_answers_201_with_empty_string_and_applies_fields(emulator: Emulator) -> None:
    response = put(
        emulator,
        {
            "sync_interval": 7200,
            "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["1.27*"]},
            "is_enabled": False,
            "sync_start_date": "2030-06-01T12:00:00Z",
            "skopeo_timeout_interval": 600,
        },
    )
    assert response.status_code == 201
    assert response.json() == ""
    record = emulator.mirror("acme", "nginx")
    assert record["sync_interval"] == 7200
    assert record["root_rule"]["rule_value"] == ["1.27*"]
    assert record["is_enabled"] is False
    assert record["sync_start_date"] == "2030-06-01T12:00:00Z"
    assert record["skopeo_timeout_interval"] == 600


def test_put_logs_each_change_like_quay(emulator: Emulator) -> None:
    put(
        emulator,
        {
            "sync_start_date": "2030-06-01T12:00:00Z",
            "external_registry_username": "upstreamuser",
            "external_registry_password": "upstreampass",
            "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["1.*", "latest"]},
        },
    )
    changes = [
        (e["metadata"]["changed"], e["metadata"]["to"]) for e in logs(emulator, "acme", "nginx")[:4]
    ]
    assert changes == [
        ("mirror_rule", ["1.*", "latest"]),
        ("external_registry_password", "********"),
        ("external_registry_username", "upstreamuser"),
        ("sync_start_date", 1906545600),
    ]


def test_put_with_password_but_no_username_answers_bare_detail(emulator: Emulator) -> None:
    response = put(emulator, {"external_registry_password": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to set a new password without also specifying a username."
    }


def test_put_stores_password_with_username_and_get_hides_it(emulator: Emulator) -> None:
    body = {"external_registry_username": "u", "external_registry_password": "p"}
    assert put(emulator, body).status_code == 201
    assert emulator.mirror("acme", "nginx")["external_registry_password"] == "p"
    assert "external_registry_password" not in emulator.api("GET", NGINX).json()


def test_put_username_alone_keeps_the_stored_password(emulator: Emulator) -> None:
    put(emulator, {"external_registry_username": "new-user"}, path="repository/acme/flaky/mirror")
    record = emulator.mirror("acme", "flaky")
    assert record["external_registry_username"] == "new-user"
    assert record["external_registry_password"] == "s3cr3t-flaky"


def test_put_null_username_and_password_clears_credentials(emulator: Emulator) -> None:
    body = {"external_registry_username": None, "external_registry_password": None}
    assert put(emulator, body, path="repository/acme/flaky/mirror").status_code == 201
    record = emulator.mirror("acme", "flaky")
    assert record["external_registry_username"] is None
    assert record["external_registry_password"] is None


def test_put_checks_every_field_before_it_applies_any(emulator: Emulator) -> None:
    """Quay's ``put`` validates and normalises every requested change first (endpoints/api/
    mirror.py since the SSRF fix of July 2026): a refused field leaves all of them alone."""
    response = put(emulator, {"is_enabled": False, "sync_start_date": "2030-01-01"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect DateTime format for sync_start_date."}
    assert emulator.mirror("acme", "nginx")["is_enabled"] is True
    response = put(emulator, {"is_enabled": False, "external_reference": "10.1.2.3/x/y"})
    assert response.status_code == 400
    assert emulator.mirror("acme", "nginx")["is_enabled"] is True


def test_a_put_failing_half_way_keeps_the_fields_applied_before(emulator: Emulator) -> None:
    """The fault ``fail_put_at``: Quay failing (500) in the middle of applying an update, as a
    database error would, after the fields it applies before that one."""
    emulator.configure(fail_put_at={"/api/v1/repository/acme/nginx/mirror": "sync_interval"})
    response = put(emulator, {"is_enabled": False, "sync_interval": 7200})
    assert response.status_code == 500
    stored = emulator.mirror("acme", "nginx")
    assert stored["is_enabled"] is False  # applied before the failure
    assert stored["sync_interval"] != 7200  # not applied
    assert put(emulator, {"sync_interval": 60}).status_code == 500  # until configured away
    emulator.configure(fail_put_at={})
    assert put(emulator, {"sync_interval": 7200}).status_code == 201


def test_put_with_empty_external_reference_answers_bare_detail(emulator: Emulator) -> None:
    response = put(emulator, {"external_reference": ""})
    assert response.json() == {"detail": "Empty string is an invalid repository location."}


def test_put_with_short_skopeo_timeout_answers_jsonschema_400(emulator: Emulator) -> None:
    response = put(emulator, {"skopeo_timeout_interval": 299})
    assert response.status_code == 400
    assert detail(response).startswith("299 is less than the minimum of 300")


def test_put_robot_of_another_namespace_answers_invalid_robot(emulator: Emulator) -> None:
    response = put(emulator, {"robot_username": "alice+mirror"})
    assert response.json() == {"message": "Invalid robot"}
    assert emulator.mirror("acme", "nginx")["robot_username"] == "acme+mirror"


def test_put_changes_the_robot(emulator: Emulator) -> None:
    assert put(emulator, {"robot_username": "acme+ci"}).status_code == 201
    assert emulator.mirror("acme", "nginx")["robot_username"] == "acme+ci"


def test_put_on_repository_without_config_answers_404(emulator: Emulator) -> None:
    response = put(emulator, {"is_enabled": True}, path="repository/acme/node/mirror")
    assert response.status_code == 404


def test_config_calls_on_a_repository_not_in_mirror_state_answer_400(emulator: Emulator) -> None:
    emulator.api("PUT", "repository/acme/nginx/changestate", json={"state": "NORMAL"})
    for method, path, body in [
        ("PUT", NGINX, {"is_enabled": False}),
        ("POST", NGINX + "/sync-now", None),
        ("POST", "repository/acme/nginx/mirror/sync-cancel", None),
    ]:
        response = emulator.api(method, path, json=body)
        assert response.status_code == 400
        assert detail(response) == "Repository is not in MIRROR state"
