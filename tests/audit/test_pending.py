"""A write is written down before it is sent: the audit entry is pending while Quay is asked,
completed by its answer, and settled from what Quay holds when the answer never came (the
instance died: tests/browser/test_cut_off_writes.py kills one). Nothing that never reached
Quay is left behind."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from dashboard.mirrors import clock
from dashboard.mirrors.kinds import OrgTarget, RepoTarget
from dashboard.mirrors.models import AuditEntry, begin
from dashboard.mirrors.person import Person
from tests.support.forms import change
from tests.support.kinds import for_each_kind, org, repo

pytestmark = pytest.mark.django_db


def left_pending(
    target, changes: dict, action: str = AuditEntry.Action.UPDATE, user: str = "alice"
) -> AuditEntry:
    """An entry as an instance leaves it when it dies while Quay acts: pending, written
    ``AUDIT_PENDING_SECONDS`` and more ago."""
    person = Person(user=mock.Mock(is_authenticated=False), username=user)
    entry = begin(person, target, action, changes=changes)
    AuditEntry.objects.filter(pk=entry.pk).update(created=clock.now() - timedelta(minutes=5))
    entry.refresh_from_db()
    return entry


def interval(to: int, old: int = 3600) -> dict:
    return {"sync_interval": {"from": old, "to": to, "applied": None}}


@for_each_kind(
    "mirror, field, value",
    repository=(repo("acme", "nginx"), "sync_interval_value", "7"),
    organization=(org("orgnew"), "sync_interval_value", "7"),
)
def test_the_entry_is_there_while_quay_is_asked_and_completed_by_its_answer(
    client_as, emulator, mirror, field, value
):
    seen: list[tuple[str, str]] = []
    kind = RepoTarget if mirror.kind == "repository" else OrgTarget
    real = kind.update_config

    def update(self, client, payload):
        seen.extend(AuditEntry.objects.values_list("action", "outcome"))
        return real(self, client, payload)

    with mock.patch.object(kind, "update_config", update):
        change(client_as(mirror.admin), mirror.url, **{field: value})
    assert seen == [("update", "pending")]
    entry = AuditEntry.objects.get()
    assert entry.outcome == "done" and entry.changes["sync_interval"]["to"] == 7 * 3600


def test_a_save_that_never_reached_quay_leaves_no_entry(client_as, emulator):
    from dashboard.quay.errors import QuayBusy

    busy = QuayBusy(limit=8, waited=3.0)
    with mock.patch.object(RepoTarget, "update_config", side_effect=busy):
        response, _ = change(client_as("alice"), "/repo/acme/nginx/", sync_interval_value="7")
    assert "Nothing was saved" in response.content.decode()
    assert not AuditEntry.objects.exists()


@for_each_kind(
    "mirror, held, missing",
    repository=(repo("acme", "nginx"), 7200, 5400),
    organization=(org("orgnew"), 21600, 5400),
)
def test_the_mirrors_page_settles_what_an_instance_left_pending(
    client_as, emulator, mirror, held, missing
):
    """Quay holds one change of the two asked: not fully applied, and which."""
    if mirror.kind == "repository":
        emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": held})
    target = (
        RepoTarget(mirror.namespace, mirror.name) if mirror.name else OrgTarget(mirror.namespace)
    )
    asked = {**interval(held), "skopeo_timeout_interval": {"from": 300, "to": 301, "applied": None}}
    if mirror.kind == "organization":
        asked = {
            **interval(held),
            "visibility": {"from": "public", "to": "private", "applied": None},
        }
    entry = left_pending(target, asked)
    page = client_as(mirror.admin).get(mirror.url).content.decode()
    entry.refresh_from_db()
    assert entry.outcome == "partial", entry.message
    assert entry.changes["sync_interval"]["applied"] is True
    assert (
        "Settled afterwards: the dashboard stopped before Quay's answer reached it" in entry.message
    )
    assert "not fully applied" in page and "Settled afterwards" in page


def test_a_password_alone_stays_unknown_and_a_press_is_settled_unknown(client_as, emulator):
    target = RepoTarget("acme", "nginx")
    secret = left_pending(
        target, {"external_registry_password": {"from": None, "to": "changed", "applied": None}}
    )
    press = left_pending(target, {}, AuditEntry.Action.SYNC_NOW)
    client_as("alice").get("/repo/acme/nginx/")
    secret.refresh_from_db()
    press.refresh_from_db()
    assert secret.outcome == press.outcome == "unknown"
    assert "Quay never shows it" in secret.message
    assert "whether Quay took this press is not known" in press.message


def test_a_young_pending_entry_is_left_to_the_request_still_waiting(client_as, emulator):
    entry = begin(
        Person(user=mock.Mock(is_authenticated=False), username="alice"),
        RepoTarget("acme", "nginx"),
        AuditEntry.Action.SYNC_NOW,
    )
    client_as("alice").get("/repo/acme/nginx/")
    entry.refresh_from_db()
    assert entry.outcome == "pending"


def test_saving_the_same_change_again_says_quay_holds_it(client_as, emulator):
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7 * 3600})
    entry = left_pending(RepoTarget("acme", "nginx"), interval(7 * 3600))
    AuditEntry.objects.filter(pk=entry.pk).update(created=clock.now() - timedelta(seconds=20))
    _, after = change(client_as("alice"), "/repo/acme/nginx/", sync_interval_value="7")
    assert "Quay already holds your change of" in after.content.decode()
    assert "(interval)" in after.content.decode()
    entry.refresh_from_db()
    assert entry.outcome == "done"
    puts = [e for e in emulator.requests_log() if e["method"] == "PUT"]
    assert len(puts) == 1  # only the test's own


def test_an_organization_mirrors_delete_left_pending_is_done_once_its_config_is_gone(
    client_as, emulator
):
    entry = left_pending(OrgTarget("orgnew"), {}, AuditEntry.Action.DELETE, user="olivia")
    assert emulator.api("DELETE", "organization/orgnew/mirror", user="olivia").ok
    client_as("olivia").get("/org/orgnew/mirror/")
    entry.refresh_from_db()
    assert entry.outcome == "done" and "the mirror's config is gone from Quay" in entry.message


def test_a_switch_to_mirror_state_is_written_before_it_is_sent(client_as, emulator):
    from dashboard.quay.client import QuayClient

    seen: list[tuple[str, str]] = []
    real = QuayClient.change_repository_state

    def change(self, *args, **kwargs):
        seen.extend(AuditEntry.objects.values_list("action", "outcome"))
        return real(self, *args, **kwargs)

    with mock.patch.object(QuayClient, "change_repository_state", change):
        client_as("alice").post("/repo/alice/scratch/state/", {"confirm": "yes"})
    assert seen == [("state", "pending")]
    assert list(AuditEntry.objects.values_list("action", "outcome")) == [("state", "done")]
