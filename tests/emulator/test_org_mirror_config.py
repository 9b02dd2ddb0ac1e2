"""``/api/v1/organization/{org}/mirror``: GET, POST, PUT, DELETE as real Quay answers them
(``shared/reference/quay-org-mirror-observed.md``)."""

from __future__ import annotations

import pytest

from tests.support.emulator import Emulator
from tests.support.org_api import config, create, org_api, org_payload, record
from tests.support.quay_api import NOT_FOUND, UNAUTHORIZED, without_type

CONFIG_KEYS = [
    "is_enabled", "external_registry_type", "external_registry_url", "external_namespace",
    "external_registry_username", "has_external_registry_password", "external_registry_config",
    "repository_filters", "robot_username", "visibility", "sync_interval", "sync_start_date",
    "sync_expiration_date", "sync_status", "sync_retries_remaining", "repo_sync_status_counts",
    "skopeo_timeout", "creation_date",
]  # fmt: skip
NOT_EMPTY = (
    "Cannot create organization mirror: the organization already contains repositories. "
    "Organization mirroring requires an empty organization."
)


def test_get_without_config_is_404_and_every_verb_too(emulator: Emulator) -> None:
    for method, verb in (
        ("GET", ""), ("GET", "repositories"), ("POST", "verify"), ("POST", "sync-now"),
        ("POST", "sync-cancel"), ("DELETE", ""),
    ):  # fmt: skip
        response = org_api(emulator, method, "orgempty", verb)
        assert response.status_code == 404, (method, verb)
        assert without_type(response.json()) == NOT_FOUND
    assert org_api(emulator, "PUT", "orgempty", json={"is_enabled": False}).status_code == 404


def test_create_answers_201_with_the_json_empty_string_and_get_reads_it_back(
    emulator: Emulator,
) -> None:
    response = org_api(emulator, "POST", "orgempty", json=org_payload())
    assert response.status_code == 201
    assert response.content == b'""\n'
    body = config(emulator, "orgempty")
    assert list(body) == CONFIG_KEYS
    assert body["sync_status"] == "NEVER_RUN"
    assert body["sync_start_date"] == "2030-01-01T00:00:00Z"
    assert body["external_registry_username"] is None
    assert body["has_external_registry_password"] is False
    assert body["repository_filters"] == []
    assert body["repo_sync_status_counts"] == {
        "CANCEL": 0, "FAIL": 0, "NEVER_RUN": 0, "SUCCESS": 0, "SYNCING": 0, "SYNC_NOW": 0,
        "SKIP": 0,
    }  # fmt: skip
    assert body["creation_date"].endswith("Z")
    assert record(emulator, "orgempty")["logs"][0]["kind"] == "org_mirror_enabled"


@pytest.mark.parametrize(
    ("overrides", "starts"),
    [
        ({"external_registry_type": "ftp"}, "'ftp' is not one of ['harbor', 'quay']"),
        ({"external_registry_type": "QUAY"}, "'QUAY' is not one of ['harbor', 'quay']"),
        ({"visibility": "internal"}, "'internal' is not one of ['public', 'private']"),
        ({"sync_interval": 59}, "59 is less than the minimum of 60"),
        ({"sync_interval": "3600"}, "'3600' is not of type 'integer'"),
        ({"skopeo_timeout": 29}, "29 is less than the minimum of 30"),
        ({"skopeo_timeout": 3601}, "3601 is greater than the maximum of 3600"),
        ({"external_namespace": "x" * 256}, f"'{'x' * 256}' is too long"),
        ({"repository_filters": "alpha"}, "'alpha' is not of type 'array'"),
        # Two errors: the schema's wins over the robot's.
        ({"sync_interval": 59, "robot_username": "orgempty+nosuch"}, "59 is less than"),
    ],
)
def test_create_refuses_schema_errors_with_jsonschemas_text(
    emulator: Emulator, overrides: dict, starts: str
) -> None:
    response = org_api(emulator, "POST", "orgempty", json=org_payload(**overrides))
    assert response.status_code == 400
    body = response.json()
    assert body["error_type"] == "invalid_request"
    assert body["detail"].startswith(starts)
    assert "Failed validating" in body["detail"]


@pytest.mark.parametrize(
    "missing",
    [
        "external_registry_type", "external_registry_url", "external_namespace",
        "robot_username", "visibility", "sync_interval", "sync_start_date",
    ],
)  # fmt: skip
def test_create_names_each_missing_required_field(emulator: Emulator, missing: str) -> None:
    body = org_payload()
    del body[missing]
    response = org_api(emulator, "POST", "orgempty", json=body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"'{missing}' is a required property")


def test_create_with_a_body_that_is_not_json_answers_flasks_message(emulator: Emulator) -> None:
    response = org_api(
        emulator,
        "POST",
        "orgempty",
        data="not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "The browser (or proxy) sent a request that this server could not understand."
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"robot_username": "acme+mirror"}, "Robot account must belong to the organization"),
        ({"robot_username": "orgempty+nosuch"}, "Invalid robot account: orgempty+nosuch"),
        ({"robot_username": "olivia"}, "Invalid robot account: olivia"),
        ({"sync_start_date": "2030-01-01"}, "Invalid sync_start_date format. Use ISO 8601: "
         "YYYY-MM-DDTHH:MM:SSZ"),
        ({"sync_start_date": "2030-01-01T00:00:00.000Z"}, "Invalid sync_start_date format. "
         "Use ISO 8601: YYYY-MM-DDTHH:MM:SSZ"),
        ({"sync_start_date": "2030-01-01T00:00:00+00:00"}, "Invalid sync_start_date format. "
         "Use ISO 8601: YYYY-MM-DDTHH:MM:SSZ"),
        ({"external_registry_url": "http://10.1.2.3"}, "The provided registry URL is not allowed"),
        ({"external_registry_url": "http://169.254.169.254"},
         "The provided registry URL is not allowed"),
        ({"external_registry_url": "http://localhost:8080"},
         "The provided registry URL is not allowed"),
        ({"external_registry_url": "ftp://quay.example.com"},
         "Invalid URL scheme 'ftp': only HTTP and HTTPS are allowed"),
        ({"external_registry_url": "127.0.0.1:8080"},
         "Invalid URL scheme '': only HTTP and HTTPS are allowed"),
        ({"external_registry_url": "https://user:pw@quay.example.com"},
         "URLs with embedded credentials are not allowed"),
        ({"external_registry_url": "https://no-such-host.invalid"},
         "Cannot resolve hostname 'no-such-host.invalid'"),
    ],
)  # fmt: skip
def test_create_refuses_with_quays_messages(
    emulator: Emulator, overrides: dict, message: str
) -> None:
    response = org_api(emulator, "POST", "orgempty", json=org_payload(**overrides))
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert org_api(emulator, "GET", "orgempty").status_code == 404


def test_create_on_an_organization_with_repositories_is_400_not_409(emulator: Emulator) -> None:
    body = org_payload(robot_username="acme+mirror")
    response = org_api(emulator, "POST", "acme", user="alice", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == NOT_EMPTY


def test_a_second_create_is_400_and_a_bad_robot_is_reported_first(emulator: Emulator) -> None:
    create(emulator)
    again = org_api(emulator, "POST", "orgempty", json=org_payload())
    assert (again.status_code, again.json()["detail"]) == (
        400,
        "Mirror configuration already exists for this organization",
    )
    bad_robot = org_api(emulator, "POST", "orgempty", json=org_payload(robot_username="x"))
    assert bad_robot.json()["detail"] == "Invalid robot account: x"


def test_loopback_source_is_accepted_when_allow_listed(emulator: Emulator) -> None:
    emulator.configure(allowed_hosts=["127.0.0.0/8", "localhost"])
    url = "http://localhost:8080"
    assert org_api(emulator, "POST", "orgempty", json=org_payload(external_registry_url=url)).ok


def test_put_answers_200_and_changes_only_what_it_names(emulator: Emulator) -> None:
    create(emulator)
    response = org_api(emulator, "PUT", "orgempty", json={"visibility": "public"})
    assert (response.status_code, response.content) == (200, b'""\n')
    body = config(emulator, "orgempty")
    assert (body["visibility"], body["sync_interval"]) == ("public", 3600)
    entry = record(emulator, "orgempty")["logs"][-1]
    assert entry["kind"] == "org_mirror_config_changed"
    assert entry["metadata"]["updated_fields"] == ["visibility"]


def test_put_with_one_bad_field_changes_nothing(emulator: Emulator) -> None:
    create(emulator)
    response = org_api(
        emulator, "PUT", "orgempty", json={"sync_interval": 59, "visibility": "public"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("59 is less than the minimum of 60")
    assert config(emulator, "orgempty")["visibility"] == "private"
    bad_robot = org_api(
        emulator, "PUT", "orgempty", json={"robot_username": "acme+mirror", "visibility": "public"}
    )
    assert bad_robot.json()["detail"] == "Robot account must belong to the organization"
    assert config(emulator, "orgempty")["visibility"] == "private"


def test_put_ignores_the_source_type_unknown_fields_and_an_empty_body(emulator: Emulator) -> None:
    create(emulator)
    for body in ({"external_registry_type": "harbor"}, {}, {"bogus_field": 1}):
        assert org_api(emulator, "PUT", "orgempty", json=body).status_code == 200
    assert config(emulator, "orgempty")["external_registry_type"] == "quay"
    fields = [e["metadata"]["updated_fields"] for e in record(emulator, "orgempty")["logs"][1:]]
    assert fields == [["external_registry_type"], [], ["bogus_field"]]


def test_put_url_empty_is_refused_namespace_empty_is_not(emulator: Emulator) -> None:
    create(emulator)
    response = org_api(emulator, "PUT", "orgempty", json={"external_registry_url": ""})
    assert response.json()["detail"] == "External registry URL is required"
    assert org_api(emulator, "PUT", "orgempty", json={"external_namespace": ""}).ok
    assert config(emulator, "orgempty")["external_namespace"] == ""


def test_put_keeps_the_password_write_only_and_empty_credentials_become_null(
    emulator: Emulator,
) -> None:
    create(emulator)
    creds = {"external_registry_username": "someuser", "external_registry_password": "dummy"}
    assert org_api(emulator, "PUT", "orgempty", json=creds).ok
    body = config(emulator, "orgempty")
    assert body["external_registry_username"] == "someuser"
    assert body["has_external_registry_password"] is True
    assert "dummy" not in org_api(emulator, "GET", "orgempty").text
    assert record(emulator, "orgempty")["external_registry_password"] == "dummy"
    cleared = {"external_registry_username": "", "external_registry_password": None}
    assert org_api(emulator, "PUT", "orgempty", json=cleared).ok
    body = config(emulator, "orgempty")
    assert (body["external_registry_username"], body["has_external_registry_password"]) == (
        None,
        False,
    )


def test_put_date_must_be_quays_one_format(emulator: Emulator) -> None:
    create(emulator)
    for value in ("tomorrow", "2030-01-01T00:00:00.000Z"):
        response = org_api(emulator, "PUT", "orgempty", json={"sync_start_date": value})
        assert response.json()["detail"].startswith("Invalid sync_start_date format")
    assert org_api(emulator, "PUT", "orgempty", json={"sync_start_date": "2031-06-01T12:00:00Z"})
    assert config(emulator, "orgempty")["sync_start_date"] == "2031-06-01T12:00:00Z"


def test_delete_is_204_then_404_and_the_repositories_stay_normal(emulator: Emulator) -> None:
    assert (
        emulator.api("GET", "repository/orgmirror/alpha", user="olivia").json()["state"]
        == "ORG_MIRROR"
    )
    response = org_api(emulator, "DELETE", "orgmirror")
    assert (response.status_code, response.content) == (204, b"")
    assert org_api(emulator, "DELETE", "orgmirror").status_code == 404
    assert org_api(emulator, "GET", "orgmirror").status_code == 404
    assert org_api(emulator, "GET", "orgmirror", "repositories").status_code == 404
    logs = emulator.api("GET", "organization/orgmirror/logs", user="olivia").json()["logs"]
    assert logs[0]["kind"] == "org_mirror_disabled"
    assert logs[0]["performer"]["name"] == "olivia"
    alpha = emulator.api("GET", "repository/orgmirror/alpha", user="olivia").json()
    assert alpha["state"] == "NORMAL"
    assert sorted(alpha["tags"]) == ["1.0", "latest"]
    again = org_api(
        emulator, "POST", "orgmirror", json=org_payload(robot_username="orgmirror+mirror")
    )
    assert again.json()["detail"] == NOT_EMPTY


@pytest.mark.parametrize(
    ("method", "verb"),
    [("GET", ""), ("GET", "repositories"), ("PUT", ""), ("DELETE", ""), ("POST", "verify"),
     ("POST", "sync-now"), ("POST", "sync-cancel")],
)  # fmt: skip
def test_a_member_who_is_not_admin_gets_403_everywhere(
    emulator: Emulator, method: str, verb: str
) -> None:
    kwargs = {"json": {"is_enabled": False}} if method == "PUT" else {}
    response = org_api(emulator, method, "orgmirror", verb, user="oscar", **kwargs)
    assert response.status_code == 403
    assert without_type(response.json()) == UNAUTHORIZED


def test_a_token_without_org_admin_gets_403(emulator: Emulator) -> None:
    for method, verb in (("GET", ""), ("GET", "repositories"), ("POST", "sync-now")):
        response = org_api(emulator, method, "orgmirror", verb, user="alice-limited")
        assert response.status_code == 403


def test_the_read_only_superuser_may_read_not_change(emulator: Emulator) -> None:
    assert org_api(emulator, "GET", "orgmirror", user="dave").status_code == 200
    assert org_api(emulator, "GET", "orgmirror", "repositories", user="dave").status_code == 200
    assert org_api(emulator, "POST", "orgmirror", "sync-cancel", user="dave").status_code == 403
    assert org_api(emulator, "GET", "nosuchorg", user="dave").status_code == 404


def test_an_admin_gets_403_for_an_organization_that_does_not_exist(emulator: Emulator) -> None:
    assert org_api(emulator, "GET", "nosuchorg").status_code == 403
    body = org_payload(robot_username="nosuchorg+x")
    assert org_api(emulator, "POST", "nosuchorg", json=body).status_code == 403


def test_no_token_is_401_for_a_read_and_quays_csrf_403_for_a_write(emulator: Emulator) -> None:
    read = org_api(emulator, "GET", "orgmirror", user="")
    assert (read.status_code, read.json()["error_type"]) == (401, "invalid_token")
    write = org_api(emulator, "PUT", "orgmirror", user="", json={"is_enabled": False})
    assert (write.status_code, write.json()) == (
        403,
        {"error": "CSRF token was invalid or missing."},
    )
    bad = org_api(emulator, "GET", "orgmirror", headers={"Authorization": "Bearer nope"}, user="")
    assert bad.status_code == 401


def test_without_the_feature_every_endpoint_is_404(emulator: Emulator) -> None:
    emulator.configure(org_mirror=False)
    for method, verb in (("GET", ""), ("GET", "repositories"), ("POST", "sync-now")):
        response = org_api(emulator, method, "orgmirror", verb)
        assert response.status_code == 404
        assert without_type(response.json()) == NOT_FOUND
    assert org_api(emulator, "POST", "orgempty", json=org_payload()).status_code == 404


def test_quays_anonymous_config_says_whether_the_feature_is_on(emulator: Emulator) -> None:
    assert emulator.http.get(f"{emulator.url}/config").json()["features"]["ORG_MIRROR"] is True
    emulator.configure(org_mirror=False)
    assert emulator.http.get(f"{emulator.url}/config").json()["features"]["ORG_MIRROR"] is False
