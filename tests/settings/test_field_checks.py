"""Each rule the form checks before sending (a repository's and an organization mirror's), and
each of Quay's 400s shown by its field."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.forms.repository import check_reference
from dashboard.mirrors.rules.refusals import field_for, quay_reason
from tests.support.forms import change, form_data, page, save
from tests.support.pages import text, text_of
from tests.support.received import clear_log, mirror_puts, writes

pytestmark = pytest.mark.django_db


def field_errors(body: str, field_id: str) -> str:
    """The error list Django renders for a field (``id="<field>_error"``)."""
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', body, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "kept"),
    [
        (
            {"sync_interval_value": "0", "sync_interval_unit": "minutes"},
            "id_sync_interval_value",
            "at least 1 minute",
            'name="sync_interval_value" value="0"',
        ),
        (
            {"skopeo_timeout_value": "4", "skopeo_timeout_unit": "minutes"},
            "id_skopeo_timeout_value",
            "at least 5 minutes (300 seconds)",
            'name="skopeo_timeout_value" value="4"',
        ),
        (
            {"external_reference": ""},
            "id_external_reference",
            "This field is required",
            'name="external_reference"',
        ),
        (
            {"external_reference": "https://docker.io/library/nginx"},
            "id_external_reference",
            "Leave out the scheme",
            'value="https://docker.io/library/nginx"',
        ),
        (
            {"external_reference": "docker.io/library/my nginx"},
            "id_external_reference",
            "cannot contain spaces",
            'value="docker.io/library/my nginx"',
        ),
        (
            {"external_reference": "nginx"},
            "id_external_reference",
            "registry/repository",
            'value="nginx"',
        ),
        (
            {"external_reference": "bad_host!/library/nginx"},
            "id_external_reference",
            "not a valid",
            'value="bad_host!/library/nginx"',
        ),
        (
            {"robot_username": "globex+mirror"},
            "id_robot_username",
            "is not one of the acme namespace&#x27;s robots",
            "",
        ),
        (
            {"sync_start_date": "next tuesday"},
            "id_sync_start_date",
            "Enter a valid date/time",
            'value="next tuesday"',
        ),
        (
            {"http_proxy": "http://proxy .acme:3128"},
            "id_http_proxy",
            "cannot contain spaces",
            'value="http://proxy .acme:3128"',
        ),
        (
            {"external_registry_password": "secret-no-user"},
            "id_external_registry_username",
            "needs the username together with a new password",
            "",
        ),
    ],
)
def test_invalid_input_is_refused_by_its_field_and_kept(
    client_as, emulator, changes, field_id, message, kept
):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data.update(changes)
    clear_log(emulator)

    response = save(alice, "acme", "nginx", data)

    assert response.status_code == 200
    body = text(response)
    assert message in field_errors(body, field_id), field_errors(body, field_id) or body[:0]
    assert "Nothing was saved" in body
    assert kept in body
    assert mirror_puts(emulator, "acme", "nginx") == []
    assert "secret-no-user" not in body


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([""], "Add at least one tag pattern"),
        (["1.2*,latest"], "cannot contain a comma"),
        (["1.2 *"], "cannot contain spaces"),
        (["nginx:1.2*"], "A pattern cannot contain “:”: tags never do (the rule matches the tag"),
    ],
)
def test_invalid_tag_rules_are_refused_and_kept(client_as, emulator, rows, message):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = rows
    clear_log(emulator)

    response = save(alice, "acme", "nginx", data)

    body = text(response)
    rules_errors = re.search(r'id="rules-errors">(.*?)</ul>', body, re.S)
    assert rules_errors and message in rules_errors.group(1)
    for row in rows:
        assert f'name="root_rule" value="{row}"' in body
    assert mirror_puts(emulator, "acme", "nginx") == []


# -- Quay's 400s -----------------------------------------------------------------------------


def test_quay_refusing_a_typed_robot_shows_its_reason_by_the_robot(client_as, emulator):
    """Without the robot list (no org:admin), the robot is typed; Quay's answer goes by it."""
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/organization/acme/robots": 403})
    first = page(alice, "acme", "nginx")
    assert "org:admin" in text(first)
    data = form_data(first)
    data["robot_username"] = "acme+nosuchbot"

    response = save(alice, "acme", "nginx", data)

    body = text(response)
    assert "Quay has no robot account acme+nosuchbot" in field_errors(body, "id_robot_username")
    assert 'value="acme+nosuchbot"' in body


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Incorrect DateTime format for sync_start_date.", "sync_start_date"),
        (
            "299 is less than the minimum of 300\n\nFailed validating 'minimum' in "
            "schema['properties']['skopeo_timeout_interval']:\n    {...}",
            "skopeo_timeout_value",
        ),
        (
            "-1 is less than the minimum of 0\n\nFailed validating in schema['properties']"
            "['sync_interval']",
            "sync_interval_value",
        ),
        ("Invalid robot", "robot_username"),
        ("Could not find robot with specified username", "robot_username"),
        ("The provided registry location is not allowed", "external_reference"),
        ("Cannot resolve hostname 'quay.io'", "external_reference"),
        ("External registry reference must include a repository path", "external_reference"),
        (
            "Unable to set a new password without also specifying a username.",
            "external_registry_username",
        ),
        ("Unable to delete username while setting a password.", "external_registry_username"),
        ("Invalid architectures: mips", "architecture_filter"),
        ("Architecture filtering requires sparse manifest support", "architecture_filter"),
        (
            "'regex' is not one of ['tag_glob_csv']\n\nFailed validating 'enum' in "
            "schema['properties']['root_rule']",
            "root_rule",
        ),
        ("Something unexpected happened", None),
    ],
)
def test_quay_400_messages_map_to_their_field(message, field):
    assert field_for(message) == field


def test_quay_schema_dumps_are_cut_to_their_first_line():
    detail = (
        "299 is less than the minimum of 300\n\nFailed validating 'minimum' in schema"
        "['properties']['skopeo_timeout_interval']:\n    {'minimum': 300}"
    )
    assert quay_reason(detail) == "299 is less than the minimum of 300"


@pytest.mark.parametrize(
    "source",
    ["docker.io/library/nginx:latest", "docker.io/library/nginx@sha256:" + "a" * 64],
)
def test_a_source_with_a_tag_or_digest_is_refused(source):
    assert check_reference(source) == "Leave out the tag; choose tags under Tags to mirror."


def test_a_registry_port_is_not_a_tag():
    assert check_reference("registry.example.com:5000/ns/repo") is None


def test_a_tagged_source_is_refused_by_the_field(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "docker.io/library/nginx:latest"
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert "Leave out the tag" in field_errors(body, "id_external_reference")
    assert mirror_puts(emulator, "acme", "nginx") == []


def test_a_refused_save_says_quay_refused_this_once(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data["sync_interval_value"] = "12"
    dave = client_as("dave")

    body = text(save(dave, "acme", "nginx", data))

    assert "Quay refused this" in body
    assert "Quay refused this: Quay refused this" not in body
    assert "refused this: Quay refused" not in body


def test_the_form_checks_what_quay_would_refuse_before_sending(client_as, emulator):
    client = client_as("olivia")
    clear_log(emulator)
    response, _ = change(
        client,
        "/org/orgnew/mirror/",
        sync_interval_value="30",
        sync_interval_unit="seconds",
        skopeo_timeout_value="2",
        skopeo_timeout_unit="hours",
        robot_username="acme+mirror",
        external_registry_url="ftp://x",
    )
    body = text_of(response)
    assert "Nothing was saved: correct the fields marked below." in body
    assert "Quay syncs at most once a minute." in body
    assert "Quay takes a timeout from 30 seconds to 1 hour." in body
    assert "The robot must belong to orgnew" in body
    assert "with http:// or https://" in body
    assert writes(emulator, "orgnew") == []
