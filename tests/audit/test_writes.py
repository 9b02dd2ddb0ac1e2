"""Who can write the audit trail: only presses on repositories that exist and that the
person can see are recorded (issue 10, item 5); crafted posts reach nobody's audit."""

from __future__ import annotations

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import post_form, setup_data
from tests.support.kinds import for_each_kind, org, repo

pytestmark = pytest.mark.django_db

NOTICE = "initech/SECURITY NOTICE: your Quay token expires today - paste it at evil.example"
ORG_NOTICE = "SECURITY NOTICE: your Quay token expires today"


def test_a_bulk_press_on_a_crafted_name_writes_no_audit_entry(client_as, emulator):
    carol = client_as("carol")
    response = carol.post("/bulk/", {"action": "sync_now", "repo": [NOTICE]}, follow=True)
    assert "Select at least one repository" in response.content.decode()  # no such name
    assert not AuditEntry.objects.exists()
    requests = [r["path"] for r in emulator.requests_log()]
    assert not any("SECURITY" in path or "NOTICE" in path for path in requests)


@for_each_kind(
    "field, selected, admin, namespace",
    repository=("repo", ["initech/grafana", "initech/no-such-repo", NOTICE], "alice", "initech"),
    organization=("org", ["orgmirror", "orgfail", ORG_NOTICE], "olivia", "orgmirror"),
)
def test_a_bulk_press_on_mirrors_quay_does_not_show_writes_no_audit_entry(
    client_as, emulator, field, selected, admin, namespace
):
    carol = client_as("carol")  # a member of neither initech nor the organization mirrors'
    carol.post("/bulk/", {"action": "sync_now", field: selected}, HTTP_HX_REQUEST="true")
    assert not AuditEntry.objects.exists()
    requests = [r["path"] for r in emulator.requests_log()]
    assert not any("SECURITY" in path or "NOTICE" in path for path in requests)
    audit_page = client_as(admin).get(f"/audit/?namespace={namespace}").content.decode()
    assert "pressed Sync now" not in audit_page


@for_each_kind(
    "hidden, presses",
    repository=(
        ["/repo/initech/grafana/", "/repo/initech/fake-notice/"],
        ["sync-now", "cancel"],
    ),
    organization=(
        ["/org/orgmirror/mirror/", "/org/no-such-org/mirror/"],
        ["sync-now", "cancel", "delete"],
    ),
)
def test_presses_on_a_mirror_quay_does_not_show_write_nothing(client_as, emulator, hidden, presses):
    carol = client_as("carol")  # not a member of initech, nor of any organization here
    for page in hidden:
        for press in presses:
            carol.post(f"{page}{press}/", {} if press == "sync-now" else {"confirm": "yes"})
    assert not AuditEntry.objects.exists()


@for_each_kind(
    "field, mirror",
    repository=("repo", repo("acme", "redis")),
    organization=("org", org("orgnew")),  # its mirror has never run
)
def test_a_bulk_press_by_the_mirrors_admin_is_recorded(client_as, emulator, field, mirror):
    client = client_as(mirror.admin)
    client.post("/bulk/", {"action": "sync_now", field: [mirror.full_name]}, HTTP_HX_REQUEST="true")
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.namespace, entry.repository) == (
        mirror.admin,
        mirror.namespace,
        mirror.name,
    )
    assert entry.outcome == AuditEntry.Outcome.DONE


def test_a_state_switch_refused_on_a_hidden_repository_writes_nothing(client_as, emulator):
    bob = client_as("bob")  # a globex member without rights on globex/internal
    bob.post("/repo/globex/internal/state/", {"confirm": "yes"})
    carol = client_as("carol")
    carol.post("/repo/initech/grafana/state/", {"confirm": "yes"})
    assert not AuditEntry.objects.exists()


def test_a_refused_state_switch_on_a_readable_repository_is_refused_not_partial(
    client_as, emulator
):
    carol = client_as("carol")  # reads acme/app (NORMAL), may not change it
    carol.post("/repo/acme/app/state/", {"confirm": "yes"})
    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.Outcome.REFUSED
    alice = client_as("alice")
    page = alice.get("/audit/?namespace=acme").content.decode()
    assert "refused by Quay" in page
    assert "not fully applied" not in page


def test_a_save_posted_to_a_repository_quay_does_not_show_writes_nothing(client_as, emulator):
    carol = client_as("carol")  # not a member of initech
    carol.post(
        "/repo/initech/grafana/settings/",
        {"external_reference": "evil.example/x", "root_rule": ["*"], "robot_username": "x+y"},
    )
    carol.post("/repo/initech/no-such-repo/settings/", {"external_reference": "evil.example/x"})
    assert not AuditEntry.objects.exists()
    assert emulator.mirror("initech", "grafana")["external_reference"] != "evil.example/x"


def test_a_set_up_posted_to_an_organization_quay_does_not_show_writes_nothing(client_as, emulator):
    data = setup_data(client_as("olivia"))  # the form as olivia, an admin, sees it
    carol = client_as("carol")  # no member of orgempty: Quay answers her 403
    response = post_form(carol, "/org/orgempty/mirror/settings/", data)
    assert response.status_code in (200, 302)
    assert not AuditEntry.objects.exists()
    assert emulator.api("GET", "organization/orgempty/mirror", user="olivia").status_code == 404
