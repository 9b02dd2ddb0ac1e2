"""The bulk settings change as an operation (no request): preview, apply, results, against
the emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.mirrors.forms.bulk import BulkSettingsForm
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.models import AuditEntry, BulkItem, BulkRun
from dashboard.mirrors.operations import bulk
from dashboard.mirrors.person import Person
from dashboard.quay.cache import client_for_token
from tests.support.emulator import TOKENS
from tests.support.received import calls, clear_log

pytestmark = pytest.mark.django_db(transaction=True)


def cleaned(**values: object) -> dict:
    form = BulkSettingsForm(
        {"sync_interval_unit": "hours", "skopeo_timeout_unit": "minutes", **values}
    )
    assert form.is_valid(), form.errors
    return form.cleaned_data


def previewed(user: str, targets: list, **values: object) -> BulkRun:
    person = Person(username=user)
    run = bulk.draft(person, targets)
    # The client a signed-in person's requests use (with the read cache, as a page's).
    return bulk.preview(client_for_token(TOKENS[user]), run, cleaned(**values), timezone.now())


def applied(run: BulkRun, user: str) -> BulkRun:
    assert bulk.start(run, TOKENS[user], enqueue=bulk.run)
    run.refresh_from_db()
    return run


def items(run: BulkRun) -> dict[str, BulkItem]:
    return {f"{i.namespace}/{i.name}".rstrip("/"): i for i in run.items.all()}


def test_preview_says_each_field_now_and_after_and_marks_the_unchanged(emulator) -> None:
    targets = [RepoTarget("acme", "nginx"), RepoTarget("acme", "redis")]
    clear_log(emulator)
    run = previewed("alice", targets, sync_interval_value="12")
    assert calls(emulator) == [
        "GET repository/acme/nginx/mirror",
        "GET repository/acme/redis/mirror",
    ] or sorted(calls(emulator)) == sorted(
        ["GET repository/acme/nginx/mirror", "GET repository/acme/redis/mirror"]
    )
    got = items(run)
    assert got["acme/nginx"].verdict == BulkItem.Verdict.SEND
    assert got["acme/nginx"].rows == [{"label": "interval", "now": "6 hours", "after": "12 hours"}]
    assert got["acme/redis"].verdict == BulkItem.Verdict.UNCHANGED
    assert run.state == BulkRun.State.PREVIEW


def test_apply_sends_only_what_changes_and_reads_back(emulator) -> None:
    targets = [RepoTarget("acme", "nginx"), RepoTarget("acme", "redis")]
    run = previewed("alice", targets, sync_interval_value="12")
    clear_log(emulator)
    run = applied(run, "alice")
    sent = calls(emulator)
    # Quay's registry capabilities: anonymous (no token to check), kept 10 minutes.
    assert sent.count("GET registry/capabilities") <= 1
    sent = [c for c in sent if c != "GET registry/capabilities"]
    assert sent.count("PUT repository/acme/nginx/mirror") == 1
    assert not any("redis" in c for c in sent)  # unchanged: not read, not sent
    assert sent.count("GET repository/acme/nginx/mirror") == 2  # the save's read, read back
    assert len(sent) == 3
    assert emulator.mirror("acme", "nginx")["sync_interval"] == 12 * 3600
    got = items(run)
    assert got["acme/nginx"].outcome == BulkItem.Outcome.APPLIED
    assert got["acme/nginx"].audit.outcome == AuditEntry.Outcome.DONE
    assert got["acme/redis"].outcome == ""
    assert run.state == BulkRun.State.DONE and not run.sealed_token


def test_a_change_in_quay_since_the_preview_is_a_conflict_not_overwritten(emulator) -> None:
    run = previewed("alice", [RepoTarget("acme", "nginx")], sync_interval_value="12")
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7200})
    run = applied(run, "alice")
    item = items(run)["acme/nginx"]
    assert item.outcome == BulkItem.Outcome.CONFLICT
    assert "interval" in item.detail
    assert emulator.mirror("acme", "nginx")["sync_interval"] == 7200


def test_quays_refusal_is_said_with_its_reason_and_the_others_applied(emulator) -> None:
    targets = [OrgTarget("orgmirror"), OrgTarget("orgnew")]
    run = previewed(
        "olivia", targets, robot_username="orgmirror+nosuchrobot", confirm_during_sync="on"
    )
    got = items(run)
    assert "A sync is under way" in got["orgmirror"].note
    # orgnew's form refuses another organization's robot in advance, in its words.
    assert got["orgnew"].verdict == BulkItem.Verdict.REFUSED
    assert "must belong to orgnew" in got["orgnew"].note
    run = applied(run, "olivia")
    item = items(run)["orgmirror"]
    assert item.outcome == BulkItem.Outcome.REFUSED, (item.detail, item.posted, item.rows)
    assert "Invalid robot account" in item.detail


@pytest.mark.parametrize(
    ("user", "target", "stored"),
    [
        ("alice", RepoTarget("acme", "nginx"), lambda e: e.mirror("acme", "nginx")),
        ("olivia", OrgTarget("orgnew"), lambda e: e.control("GET", "org-mirror/orgnew")),
    ],
    ids=["repository", "organization"],
)
def test_the_password_is_sent_and_never_kept(emulator, caplog, user, target, stored) -> None:
    secret = "s3cret-Rotated-42"
    run = previewed(
        user, [target], external_registry_username="puller", external_registry_password=secret
    )
    item = items(run)[target.full_name]
    assert {"label": "password", "now": "none", "after": "new (not shown)"} in item.rows
    assert secret not in str(list(run.items.values())) + str(run.values)
    run = applied(run, user)
    assert items(run)[target.full_name].outcome == BulkItem.Outcome.APPLIED
    assert secret in str(stored(emulator))
    assert not run.sealed_password and not run.sealed_token
    for entry in AuditEntry.objects.all():
        assert secret not in str(entry.changes) + entry.message
    assert secret not in caplog.text


def test_spread_starts_evenly_over_the_interval() -> None:
    base = datetime(2030, 1, 1, tzinfo=UTC)
    assert bulk.spread_starts(base, [3600] * 4) == [
        base + timedelta(minutes=m) for m in (0, 15, 30, 45)
    ]


def test_a_field_quay_accepts_and_drops_is_partly_applied(emulator) -> None:
    """Quay drops the first proxy set on a mirror that has none yet (seen on real Quay)."""
    run = previewed(
        "alice",
        [RepoTarget("acme", "nginx")],
        http_proxy="http://proxy:3128",
        sync_interval_value="12",
    )
    run = applied(run, "alice")
    item = items(run)["acme/nginx"]
    assert item.outcome == BulkItem.Outcome.PARTIAL, item.detail
    assert item.detail.startswith("Quay did not take: HTTP proxy (asked for http://proxy:3128")
    assert emulator.mirror("acme", "nginx")["sync_interval"] == 12 * 3600


def test_removing_the_proxies_empties_them_where_set_and_leaves_the_rest(emulator) -> None:
    for _ in range(2):  # Quay drops the first proxy set on a mirror that has none yet
        proxy = {"http_proxy": "http://proxy.acme:3128", "no_proxy": "internal"}
        config = {"verify_tls": True, "proxy": proxy}
        emulator.api(
            "PUT", "repository/acme/nginx/mirror", json={"external_registry_config": config}
        )
    assert emulator.mirror("acme", "nginx")["external_registry_config"]["proxy"] == proxy
    targets = [RepoTarget("acme", "nginx"), RepoTarget("acme", "redis")]
    run = previewed("alice", targets, clear_proxies="on")
    got = items(run)
    assert got["acme/nginx"].verdict == BulkItem.Verdict.SEND
    assert got["acme/nginx"].rows == [
        {"label": "HTTP proxy", "now": "http://proxy.acme:3128", "after": "none"},
        {"label": "no proxy", "now": "internal", "after": "none"},
    ]
    assert got["acme/redis"].verdict == BulkItem.Verdict.UNCHANGED  # it has none
    run = applied(run, "alice")
    assert items(run)["acme/nginx"].outcome == BulkItem.Outcome.APPLIED, items(run)["acme/nginx"]
    stored = emulator.mirror("acme", "nginx")["external_registry_config"].get("proxy") or {}
    assert not any(stored.values()), stored


def test_a_running_sync_is_not_disturbed_unless_asked(emulator) -> None:
    run = previewed("olivia", [OrgTarget("orgmirror")], sync_interval_value="12")
    item = items(run)["orgmirror"]
    assert item.verdict == BulkItem.Verdict.BUSY
    assert "also change mirrors whose sync is running" in item.note
    assert item.rows == [{"label": "interval", "now": "1 hour", "after": "12 hours"}]
    clear_log(emulator)
    run = applied(run, "olivia")
    assert items(run)["orgmirror"].outcome == ""
    assert calls(emulator) == []  # not sent, not even read again


def test_a_sync_that_starts_between_preview_and_apply_is_not_disturbed(emulator) -> None:
    run = previewed("alice", [RepoTarget("acme", "nginx")], sync_interval_value="12")
    assert items(run)["acme/nginx"].verdict == BulkItem.Verdict.SEND
    emulator.api("POST", "repository/acme/nginx/mirror/sync-now")
    clear_log(emulator)
    run = applied(run, "alice")
    item = items(run)["acme/nginx"]
    assert item.outcome == BulkItem.Outcome.NOT_SENT
    assert item.detail.startswith("A sync is under way")
    assert not [c for c in calls(emulator) if c.startswith("PUT")]


def test_calls_per_mirror_for_organization_mirrors(emulator) -> None:
    """One read each for the preview, then the save's three (read, PUT, read back); a mirror
    without a config is read once and not sent."""
    targets = [OrgTarget("orgfail"), OrgTarget("orgnew"), OrgTarget("orgempty")]
    clear_log(emulator)
    run = previewed("olivia", targets, sync_interval_value="3")
    assert sorted(calls(emulator)) == [
        f"GET organization/{o}/mirror" for o in sorted(["orgfail", "orgnew", "orgempty"])
    ]
    got = items(run)
    assert got["orgempty"].verdict == BulkItem.Verdict.UNREADABLE
    assert "no mirror config" in got["orgempty"].note
    clear_log(emulator)
    run = applied(run, "olivia")
    sent = calls(emulator)
    for org in ("orgfail", "orgnew"):
        assert sorted(c for c in sent if c.endswith(f"/{org}/mirror")) == [
            f"GET organization/{org}/mirror",
            f"GET organization/{org}/mirror",
            f"PUT organization/{org}/mirror",
        ]
        assert items(run)[org].outcome == BulkItem.Outcome.APPLIED
    assert len(sent) == 6


def test_spread_start_times_are_previewed_and_written(emulator) -> None:
    targets = [
        RepoTarget("acme", "nginx"),
        RepoTarget("acme", "ubuntu"),
        RepoTarget("acme", "golang"),
    ]
    run = previewed("alice", targets, sync_start_date="2030-01-01T00:00", spread="on")
    got = items(run)
    # In name order, each 6 hours: a third of the interval apart.
    expected = {"acme/golang": "00:00", "acme/nginx": "02:00", "acme/ubuntu": "04:00"}
    for name, clock in expected.items():
        (row,) = got[name].rows
        assert row["label"] == "start date" and row["after"] == f"2030-01-01 {clock} UTC"
    applied(run, "alice")
    for name, clock in expected.items():
        stored = emulator.mirror(*name.split("/"))["sync_start_date"]
        assert stored.startswith(f"2030-01-01T{clock}"), stored


def test_one_refused_by_quay_the_others_applied(emulator) -> None:
    """A robot the organization has not: Quay's refusal, with its reason; where it exists the
    change is applied."""
    created = emulator.api("PUT", "organization/orgnew/robots/bulkbot", user="olivia", json={})
    assert created.status_code == 201
    targets = [OrgTarget("orgnew"), OrgTarget("orgfail")]
    run = previewed("olivia", targets, robot_username="bulkbot", sync_interval_value="3")
    assert {i.verdict for i in run.items.all()} == {BulkItem.Verdict.SEND}
    clear_log(emulator)
    run = applied(run, "olivia")
    got = items(run)
    assert got["orgnew"].outcome == BulkItem.Outcome.APPLIED
    assert got["orgfail"].outcome == BulkItem.Outcome.REFUSED
    assert got["orgfail"].detail == "Invalid robot account: orgfail+bulkbot"
    assert got["orgfail"].audit.outcome == AuditEntry.Outcome.REFUSED
    assert emulator.control("GET", "org-mirror/orgfail")["robot_username"] == "orgfail+mirror"
    assert emulator.control("GET", "org-mirror/orgnew")["robot_username"] == "orgnew+bulkbot"


def test_a_robot_a_namespace_has_not_is_refused_in_advance(emulator) -> None:
    """A repository mirror's form refuses a robot its namespace has not (as its page would):
    the namespace's robots are read once for all its mirrors."""
    targets = [
        RepoTarget("acme", "nginx"),
        RepoTarget("acme", "redis"),
        RepoTarget("globex", "traefik"),
    ]
    clear_log(emulator)
    run = previewed("alice", targets, robot_username="ci")
    robots = [c for c in calls(emulator) if "robots" in c]
    assert sorted(robots) == ["GET organization/acme/robots", "GET organization/globex/robots"]
    got = items(run)
    assert got["acme/nginx"].verdict == got["acme/redis"].verdict == BulkItem.Verdict.SEND
    assert got["acme/nginx"].rows == [{"label": "robot", "now": "acme+mirror", "after": "acme+ci"}]
    assert got["globex/traefik"].verdict == BulkItem.Verdict.REFUSED
    assert "globex+ci" in got["globex/traefik"].note
