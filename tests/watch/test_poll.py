"""One poll of a watched namespace: the index fills, stays fresh at a flat cost, notes every
status change, sees changes made in Quay outside the dashboard, and never writes to Quay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.mirrors import clock
from dashboard.watch.models import Change, Enrolment, Mirror
from dashboard.watch.poll import claim, poll

from .conftest import calls

pytestmark = pytest.mark.django_db


def mirror(name: str, namespace: str = "acme") -> Mirror:
    return Mirror.objects.get(namespace=namespace, name=name, kind="repository")


def test_the_first_poll_indexes_every_mirror_with_its_config_and_last_result(emulator, enrolled):
    enrolled("acme")
    report = poll("acme")
    assert not report.error
    etcd = mirror("etcd")
    assert etcd.sync_status == "FAIL"
    assert etcd.source == "quay.io/coreos/etcd"
    assert etcd.config["root_rule"]["rule_value"]
    assert etcd.last_result["key"] == "fail"
    assert "pinging container registry" in etcd.last_result["detail"]
    assert mirror("nginx").last_result["key"] == "success"
    # A MIRROR-state repository without a config is known, with no config.
    assert mirror("node").config is None and mirror("node").config_read_at is not None
    enrolment = Enrolment.objects.get(namespace="acme")
    assert enrolment.indexed_at is not None and enrolment.last_success_at is not None
    # A first sighting is no change: the first indexing notes none.
    assert not Change.objects.exists()


def test_a_poll_when_nothing_changed_costs_two_calls_and_writes_nothing(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.control("DELETE", "requests")
    later = clock.now() + timedelta(seconds=61)
    poll("acme", later)
    made = calls(emulator)
    assert made == [
        "GET repository/mirror/health",
        "GET organization/acme/logs",
    ]
    assert all(not c.startswith(("PUT", "POST", "DELETE")) for c in made)


def test_a_status_change_in_quay_is_a_change_row_and_its_config_is_read_again(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.api("POST", "repository/acme/nginx/mirror/sync-now", user="alice")
    emulator.control("DELETE", "requests")
    poll("acme", clock.now() + timedelta(seconds=61))
    change = Change.objects.get(name="nginx")
    assert (change.old, change.new) == ("SUCCESS", "SYNC_NOW")
    assert "GET repository/acme/nginx/mirror" in calls(emulator)
    assert mirror("nginx").config["sync_status"] == "SYNC_NOW"


def test_a_config_change_made_in_quay_is_seen_in_the_log_and_read(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.api("PUT", "repository/acme/redis/mirror", user="alice", json={"sync_interval": 7200})
    poll("acme", clock.now() + timedelta(seconds=61))
    assert mirror("redis").config["sync_interval"] == 7200


def test_a_failure_is_noted_with_quays_whole_reason(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "auth_failed"})
    emulator.api("POST", "repository/acme/redis/mirror/sync-now", user="alice")
    emulator.advance(60)
    poll("acme", clock.now() + timedelta(seconds=61))
    redis = mirror("redis")
    assert redis.sync_status == "FAIL"
    assert redis.last_result["key"] == "fail"
    change = Change.objects.filter(name="redis", new="FAIL").get()
    assert "unauthorized" in change.reason.lower() or "authentication" in change.reason.lower()


def test_a_revoked_watch_token_marks_the_namespace_broken_and_is_tried_again_slowly(
    emulator, enrolled, settings
):
    enrolled("acme")
    emulator.control("DELETE", f"tokens/{'watcherdemotoken'.ljust(40, '0')}")
    now = clock.now()
    report = poll("acme", now)
    assert report.broken
    enrolment = Enrolment.objects.get(namespace="acme")
    assert enrolment.state == "broken"
    assert "refused the watch token" in enrolment.broken_reason
    assert enrolment.next_poll_at == now + timedelta(seconds=settings.WATCH_BROKEN_RETRY_SECONDS)


def test_a_second_poll_meanwhile_does_nothing(emulator, enrolled):
    enrolled("acme")
    now = clock.now()
    assert claim("acme", now)
    emulator.control("DELETE", "requests")
    report = poll("acme", now)
    assert report.skipped and calls(emulator) == []


def test_the_first_indexing_is_paced_by_the_watchers_budget(emulator, enrolled, settings):
    settings.WATCH_CALLS_PER_MINUTE = 6  # a poll a minute: at most 6 calls each
    enrolled("acme")
    emulator.control("DELETE", "requests")
    poll("acme")
    made = calls(emulator)
    # The first poll's read-back of the log (once a namespace, bounded: test_failed_runs.py)
    # is one read of the log; the rest is paced.
    read_back = [c for c in made if c.startswith("GET organization/acme/logs")]
    assert len(made) - (len(read_back) - 1) <= 6 + 1  # the last read started within its share
    assert Enrolment.objects.get(namespace="acme").indexed_at is None
    for minute in range(1, 10):
        poll("acme", clock.now() + timedelta(seconds=61 * minute))
    assert Enrolment.objects.get(namespace="acme").indexed_at is not None


def test_failures_reasons_are_read_before_other_last_results(emulator, enrolled, settings):
    enrolled("acme")
    poll("acme")
    # As if the namespace's log had not shown them (as at 1,000 mirrors): each read alone.
    ran = Mirror.objects.filter(namespace="acme", sync_status__in=["SUCCESS", "FAIL"])
    assert ran.update(last_result=None, result_read_at=None) >= 6
    settings.WATCH_CALLS_PER_MINUTE = 4  # the floor: 6 calls, 2 of them steady
    emulator.control("DELETE", "requests")
    poll("acme", clock.now() + timedelta(seconds=61))
    read = [c.split("/")[2] for c in calls(emulator) if c.startswith("GET repository/acme/")]
    assert len(read) < ran.count() and set(read[:2]) == {"etcd", "postgres"}
    assert mirror("etcd").last_result["key"] == mirror("postgres").last_result["key"] == "fail"
