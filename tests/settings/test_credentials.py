"""The settings form after review: credentials, read-only people, confirmations, the editor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.mirrors.forms.repository import check_reference
from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, save
from tests.support.pages import text
from tests.support.received import clear_log, mirror_posts, mirror_puts

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/repo/acme/nginx/"}


def _errors(body: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}_error"[^>]*>(.*?)</ul>', body, re.S)
    return match.group(1) if match else ""


def _editor_data(response) -> dict:
    """The form as the browser posts it, with the editor's carried tag list."""
    data = form_data(response)
    match = re.search(r'name="editor_tags" value="([^"]*)"', text(response))
    data["editor_tags"] = match.group(1) if match else ""
    return data


def _quay_calls(emulator) -> list[str]:
    return [r["path"] for r in emulator.requests_log()]


# -- E1: a password typed into a form that came back ----------------------------------------------


def test_a_typed_password_is_asked_again_when_the_form_comes_back(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(
        external_registry_username="upstream",
        external_registry_password="hunter2",
        skopeo_timeout_value="2",
        skopeo_timeout_unit="minutes",
    )
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert "Nothing was saved" in body
    assert "Type the password again: it was not sent" in _errors(
        body, "id_external_registry_password"
    )
    assert "hunter2" not in body
    assert mirror_puts(emulator, "acme", "nginx") == []


def test_a_new_username_without_its_password_is_refused(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(external_registry_username="upstream")  # the password was lost on the way
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert "Type the password for upstream" in _errors(body, "id_external_registry_password")
    assert mirror_puts(emulator, "acme", "nginx") == []
    assert "stored — leave empty to keep it" not in body  # nothing is stored for acme/nginx


def test_a_new_username_with_its_password_is_sent_together(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(external_registry_username="upstream", external_registry_password="hunter2")
    clear_log(emulator)

    response = save(alice, "acme", "nginx", data, follow=True)

    assert mirror_puts(emulator, "acme", "nginx") == [
        {"external_registry_username": "upstream", "external_registry_password": "hunter2"}
    ]
    assert "password changed" in text(response)


# -- E5: remove the credentials and type a new username -------------------------------------------


def test_removing_credentials_and_typing_a_new_username_is_refused(alice, emulator):
    data = form_data(page(alice, "acme", "flaky"))
    data.update(external_registry_username="someone-else", remove_credentials="on")
    clear_log(emulator)

    body = text(save(alice, "acme", "flaky", data))

    assert "untick the box to change the credentials" in _errors(body, "id_remove_credentials")
    assert mirror_puts(emulator, "acme", "flaky") == []
    assert emulator.mirror("acme", "flaky")["external_registry_username"] == "svc-flaky"


# -- E3: people who may read but not change -------------------------------------------------------


def test_a_read_only_superuser_gets_the_settings_without_the_form(client_as, emulator):
    body = text(page(client_as("dave"), "acme", "nginx"))

    assert "You can read but not change this mirror" in body
    assert 'id="settings-form"' not in body
    assert "docker.io/library/nginx" in body  # the readable settings


def test_a_refused_save_says_quay_refused_this_once(client_as, emulator):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data["sync_interval_value"] = "12"
    dave = client_as("dave")

    body = text(save(dave, "acme", "nginx", data))

    assert "Quay refused this" in body
    assert "Quay refused this: Quay refused this" not in body
    assert "refused this: Quay refused" not in body


# -- E4: a source with a tag or a digest -------------------------------------------------------


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

    assert "Leave out the tag" in _errors(body, "id_external_reference")
    assert mirror_puts(emulator, "acme", "nginx") == []


# -- E7: tags the next sync would delete ---------------------------------------------------------


def test_a_rule_that_deletes_tags_needs_a_confirmation_naming_them(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["latest"]
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert mirror_puts(emulator, "acme", "nginx") == []
    match = re.search(r'name="confirm_delete_tags" value="([^"]+)"', body)
    assert match, body
    deleted = match.group(1).split(",")
    assert deleted and "latest" not in deleted
    assert f"I understand tags {', '.join(deleted[:3])}" in body
    assert f"and delete {len(deleted)} tags…" in body  # the save button says it too

    data["confirm_delete_tags"] = match.group(1)
    save(alice, "acme", "nginx", data)
    assert mirror_puts(emulator, "acme", "nginx") == [
        {"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]}}
    ]


def test_the_live_check_updates_the_save_button(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["latest"]

    body = text(alice.post("/repo/acme/nginx/rules/check/", data, **HTMX))

    assert re.search(r'<span id="save-deletes" hx-swap-oob="true"> and delete \d+ tags…', body)


# -- E8: folded sections with changes or errors ---------------------------------------------------


def test_the_network_section_opens_when_it_holds_a_change(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(http_proxy="http://proxy:3128", skopeo_timeout_value="1")

    body = text(save(alice, "acme", "nginx", data))

    assert '<details class="more" open>\n    <summary>Network (TLS, proxies)' in body
    assert '<details class="more">\n    <summary>Architectures' in body


# -- E10: a start date in the past -----------------------------------------------------------------


def test_a_start_date_in_the_past_asks_first(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    past = timezone.localtime(timezone.now() - timedelta(days=2))
    data["sync_start_date"] = past.strftime("%Y-%m-%dT%H:%M:%S")
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert "This is in the past: Quay will start a sync right away" in body
    assert mirror_puts(emulator, "acme", "nginx") == []

    data["confirm_past_start"] = "on"
    save(alice, "acme", "nginx", data)
    (put,) = mirror_puts(emulator, "acme", "nginx")
    assert "sync_start_date" in put


# -- E11/E12: creating ----------------------------------------------------------------------------


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


# -- E13/E14/E15: the glob editor -----------------------------------------------------------------


def test_typing_in_the_editor_costs_no_quay_call(alice, emulator):
    data = _editor_data(page(alice, "acme", "nginx"))
    assert data["editor_tags"]
    data["root_rule"] = ["1.2*"]
    clear_log(emulator)

    body = text(alice.post("/repo/acme/nginx/rules/check/", data, **HTMX))

    assert "Keeps" in body
    assert _quay_calls(emulator) == []


def test_a_forged_tag_list_is_not_believed(alice, emulator, no_read_cache):
    data = _editor_data(page(alice, "acme", "nginx"))
    data["editor_tags"] = data["editor_tags"][:-4] + "AAAA"
    clear_log(emulator)

    alice.post("/repo/acme/nginx/rules/check/", data, **HTMX)

    assert any(path.endswith("/tag/") for path in _quay_calls(emulator))


def test_removing_a_row_focuses_the_row_that_took_its_place(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["a*", "b*", "c*"]

    body = text(alice.post("/repo/acme/nginx/rules/", {**data, "rules_action": "remove-1"}, **HTMX))

    focused = re.findall(r'<input type="text" id="rule-(\d+)"[^>]*autofocus', body, re.S)
    assert focused == ["1"]
    assert 'value="c*"' in body.split('id="rule-1"', 1)[1][:40]


def test_the_editor_sends_the_whole_form():
    from pathlib import Path

    template = Path("templates/mirrors/settings_form.html").read_text()
    assert "hx-params" not in template
    assert template.count('hx-include="closest form"') == 3


def test_a_401_while_typing_in_the_editor_keeps_every_edit(
    client_as, emulator, client, no_read_cache
):
    alice = client_as("alice")
    data = form_data(page(alice, "acme", "nginx"))
    data.update(
        external_reference="docker.io/library/nginx-typed",
        sync_interval_value="7",
        sync_interval_unit="hours",
        root_rule=["1.2*"],
    )
    data.pop("editor_tags", None)  # the editor then asks Quay, which answers 401
    emulator.configure(fail={"/api/v1/repository/acme/nginx/tag/": 401})

    response = alice.post("/repo/acme/nginx/rules/check/", data, **HTMX)

    assert response.status_code in (200, 302)
    emulator.configure(fail={})
    client_as("alice")
    body = text(page(client, "acme", "nginx"))
    assert 'value="docker.io/library/nginx-typed"' in body
    assert re.search(r'name="sync_interval_value" value="7"', body)
    assert 'value="1.2*"' in body


def test_a_refused_save_is_listed_as_refused_in_the_audit(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["external_reference"] = "10.1.2.3:5000/library/hello"
    save(alice, "acme", "nginx", data)

    body = text(page(alice, "acme", "nginx"))

    audit = body.split('class="audit-list"', 1)[1]
    assert "refused by Quay" in audit
    assert "not fully applied" not in audit
    assert "This Quay does not allow mirroring from 10.1.2.3:5000" in audit
