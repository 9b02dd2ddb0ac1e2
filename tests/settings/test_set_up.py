"""Setting up a mirror: the create form's defaults, the robot check, the NORMAL -> MIRROR switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.mirrors.models import AuditEntry
from dashboard.quay.dates import parse_quay_datetime
from tests.support.forms import form_data, page, save
from tests.support.pages import text
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


def test_creating_with_the_defaults_stores_them_in_quay(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "node"))
    data.update(external_reference="docker.io/library/node", root_rule=["22*", "lts", ""])
    clear_log(emulator)

    response = save(alice, "acme", "node", data, follow=True)

    (posted,) = mirror_posts(emulator, "acme", "node")
    assert posted["external_registry_config"]["verify_tls"] is True
    stored = emulator.mirror("acme", "node")
    assert stored["configured"] is True
    assert stored["external_reference"] == "docker.io/library/node"
    assert stored["root_rule"]["rule_value"] == ["22*", "lts"]
    assert stored["sync_interval"] == 86400
    assert stored["skopeo_timeout_interval"] == 300
    assert stored["is_enabled"] is True
    assert stored["robot_username"] == "acme+mirror"
    start = parse_quay_datetime(stored["sync_start_date"])
    assert abs(start - datetime.now(UTC)) < timedelta(minutes=2)
    assert "Mirror created: docker.io/library/node, tags 22*, lts, every 1 day" in text(response)
    entry = AuditEntry.objects.get(repository="node")
    assert entry.action == "create" and entry.ok
    assert entry.changes["external_reference"]["to"] == "docker.io/library/node"


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


def test_the_audit_of_a_create_leaves_out_empty_values(alice, emulator):
    data = form_data(page(alice, "acme", "node"))
    data.update(external_reference="docker.io/library/node", root_rule=["22*"])

    save(alice, "acme", "node", data)

    entry = AuditEntry.objects.get(repository="node", action="create")
    assert "external_registry_username" not in entry.changes
    assert "http_proxy" not in entry.changes
    assert entry.changes["external_reference"]["to"] == "docker.io/library/node"


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
