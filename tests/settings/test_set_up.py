"""Setting up a mirror, for both kinds: the defaults stored in Quay and audited, a set-up Quay
refuses; a repository's create form, its robot check and the NORMAL -> MIRROR switch."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.mirrors.models import AuditEntry
from dashboard.quay.dates import parse_quay_datetime
from tests.support.forms import form_data, page, post_form, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of
from tests.support.received import clear_log, mirror_posts

pytestmark = pytest.mark.django_db


def test_a_mirror_repo_without_config_offers_the_create_form_with_defaults(client_as, emulator):
    response = page(client_as("alice"), "acme", "node")

    body = text(response)
    assert "has no mirror config yet" in body
    assert "Create mirror" in body
    form = response.context["form"]
    assert form.initial["verify_tls"] is True
    assert form.initial["is_enabled"] is True
    interval = (form.initial["sync_interval_value"], form.initial["sync_interval_unit"])
    assert interval == (24, "hours")
    timeout = (form.initial["skopeo_timeout_value"], form.initial["skopeo_timeout_unit"])
    assert timeout == (5, "minutes")
    assert abs(form.initial["sync_start_date"] - datetime.now(UTC)) < timedelta(minutes=2)
    assert form.initial["robot_username"] == "acme+mirror"
    assert '<option value="acme+ci"' in body and '<option value="acme+mirror" selected' in body


#: Each kind's set-up: the mirror without config, the form filled in (a repository's from its
#: create form; an organization's: setup_data), what Quay is sent and then stores, what the
#: page says, and a value the audit entry records.
SET_UP = for_each_kind(
    "mirror, filled_in, sent, starts_in, said, audited",
    repository=(
        repo("acme", "node"),  # MIRROR state, no config
        {"external_reference": "docker.io/library/node", "root_rule": ["22*", "lts", ""]},
        {
            "external_reference": "docker.io/library/node",
            "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["22*", "lts"]},
            "robot_username": "acme+mirror",
            "sync_interval": 86400,
            "skopeo_timeout_interval": 300,
            "is_enabled": True,
        },
        timedelta(0),  # now: the first sync right away
        ["Mirror created: docker.io/library/node, tags 22*, lts, every 1 day"],
        ("external_reference", "docker.io/library/node"),
    ),
    organization=(
        org("orgempty"),  # empty, no organization mirror yet
        {
            "external_registry_type": "quay",
            "external_registry_url": "https://quay.example.com",
            "external_namespace": "upstreamorg",
            "repository_filters": ["alpha", "beta", ""],  # the editor's rows, a spare one
        },
        {
            "external_namespace": "upstreamorg",
            "repository_filters": ["alpha", "beta"],
            "robot_username": "orgempty+mirror",
            "sync_interval": 86400,
            "skopeo_timeout": 300,
            "is_enabled": True,
        },
        timedelta(minutes=5),  # five minutes from now
        [
            "Organization mirror of orgempty set up.",
            "organization mirror of https://quay.example.com/upstreamorg",
        ],
        ("external_namespace", "upstreamorg"),
    ),
)


@SET_UP
def test_setting_up_with_the_defaults_stores_them_in_quay_and_is_audited(
    client_as, emulator, mirror, filled_in, sent, starts_in, said, audited
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **filled_in}
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 302
    ((method, body),) = mirror.writes(emulator)
    assert method == "POST"
    for field, value in sent.items():
        assert body[field] == value, field
    assert body["external_registry_config"]["verify_tls"] is True
    assert not body.get("external_registry_password")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", body["sync_start_date"])
    stored = mirror.in_quay(emulator)
    for field, value in sent.items():
        assert stored[field] == value, field
    start = parse_quay_datetime(stored["sync_start_date"])
    assert abs(start - datetime.now(UTC) - starts_in) < timedelta(minutes=2)
    page = text_of(client.get(response["Location"]))
    for words in said:
        assert words in page
    entry = mirror.audit(action="create").get()
    assert entry.ok and entry.outcome == "done"
    field, value = audited
    assert entry.changes[field]["to"] == value
    # Empty values are left out of the audit entry.
    assert "external_registry_username" not in entry.changes
    assert "http_proxy" not in entry.changes


@for_each_kind(
    "mirror, filled_in, field, refused",
    repository=(
        repo("acme", "node"),
        {"external_reference": "10.1.2.3/library/node", "root_rule": ["22*"]},
        "external_reference",
        "Quay refused this: This Quay does not allow mirroring from 10.1.2.3",
    ),
    organization=(
        org("orgempty"),
        {
            "external_registry_type": "quay",
            "external_registry_url": "https://no-such-host.invalid",
            "external_namespace": "upstreamorg",
        },
        "external_registry_url",
        "Quay refused this: Cannot resolve hostname 'no-such-host.invalid'",
    ),
)
def test_a_set_up_refused_by_quay_says_why_at_the_field_and_is_audited_as_refused(
    client_as, emulator, mirror, filled_in, field, refused
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **filled_in}

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    assert refused in text_of(response)
    assert refused in " ".join(response.context["form"].errors[field])
    assert mirror.audit(action="create").get().outcome == "refused"
    assert emulator.api("GET", mirror.api, user=mirror.admin).status_code == 404  # still none


def test_create_refuses_a_robot_that_is_not_among_the_namespace_robots(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "node"))
    data.update(external_reference="docker.io/library/node", root_rule=["22*"])
    data["robot_username"] = "acme+nosuchbot"
    clear_log(emulator)

    body = text(save(alice, "acme", "node", data))

    assert "acme+nosuchbot is not one of the acme namespace" in body
    assert mirror_posts(emulator, "acme", "node") == []
    assert emulator.mirror("acme", "node")["rules"] == []  # no orphan rule left in Quay


def test_create_without_the_robot_list_takes_a_typed_robot(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/organization/acme/robots": 403})
    first = page(alice, "acme", "node")
    assert "org:admin scope" in text(first)  # the scope the robot list needs
    data = form_data(first)
    data.update(external_reference="docker.io/library/node", root_rule=["22*"])
    data["robot_username"] = "acme+mirror"
    clear_log(emulator)

    save(alice, "acme", "node", data)

    (created,) = mirror_posts(emulator, "acme", "node")
    assert created["robot_username"] == "acme+mirror"


def test_a_typed_robot_of_another_namespace_is_refused_before_quay(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/organization/acme/robots": 403})
    data = form_data(page(alice, "acme", "node"))
    data.update(external_reference="docker.io/library/node", root_rule=["22*"])
    data["robot_username"] = "globex+mirror"
    clear_log(emulator)

    body = text(save(alice, "acme", "node", data))

    assert "acme+name" in body
    assert mirror_posts(emulator, "acme", "node") == []
    assert 'value="docker.io/library/node"' in body


def test_a_normal_repo_explains_mirror_state_and_offers_the_switch(client_as, emulator):
    body = text(page(client_as("alice"), "acme", "app"))

    assert "Pushes are refused" in body
    assert "gets write access" in body
    assert 'action="/repo/acme/app/state/"' in body
    assert 'name="confirm" value="yes" required' in body
    assert "Create mirror" not in body


def test_the_switch_needs_the_confirmation(client_as, emulator):
    alice = client_as("alice")

    response = alice.post("/repo/acme/app/state/", {}, follow=True)

    assert "tick the box to confirm" in text(response)
    assert emulator.mirror("acme", "app")["state"] == "NORMAL"


def test_switching_to_mirror_state_then_offers_the_create_form(client_as, emulator):
    alice = client_as("alice")

    response = alice.post("/repo/acme/app/state/", {"confirm": "yes"}, follow=True)

    assert emulator.mirror("acme", "app")["state"] == "MIRROR"
    body = text(response)
    assert "is now in mirror state" in body
    assert "Create mirror" in body
    entry = AuditEntry.objects.get(repository="app")
    assert entry.action == "state"
    assert entry.changes == {"state": {"from": "NORMAL", "to": "MIRROR", "applied": True}}


def test_a_switch_quay_refuses_is_a_message(client_as, emulator):
    carol = client_as("carol")

    response = carol.post("/repo/acme/app/state/", {"confirm": "yes"}, follow=True)

    assert response.status_code == 200
    assert "was not switched to mirror state" in text(response)
    assert emulator.mirror("acme", "app")["state"] == "NORMAL"


def test_a_typed_robot_name_must_look_like_a_robot(client_as, emulator):
    alice = client_as("alice")
    emulator.configure(fail={"/api/v1/organization/acme/robots": 403})
    data = form_data(page(alice, "acme", "node"))
    data.update(external_reference="docker.io/library/node", root_rule=["22*"])
    data["robot_username"] = "acme+Not A Robot"
    clear_log(emulator)

    body = text(save(alice, "acme", "node", data))

    assert "lower-case letters, digits and underscores" in body
    assert mirror_posts(emulator, "acme", "node") == []
