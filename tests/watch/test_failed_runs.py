"""The watcher's failed runs (what the failures view reads): read back from Quay's log at
enrolment (a bounded number of pages, counted), one row per run and not per try, a person's
Cancel and a pre-empted job no failure, a success after a failure its recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.mirrors import clock
from dashboard.watch.models import Enrolment, FailedRun
from dashboard.watch.poll import poll

from .conftest import calls

pytestmark = pytest.mark.django_db


def runs(namespace: str) -> dict[str, list[FailedRun]]:
    found: dict[str, list[FailedRun]] = {}
    for run in FailedRun.objects.filter(namespace=namespace).order_by("at"):
        found.setdefault(run.name, []).append(run)
    return found


def test_the_first_poll_reads_back_the_seeds_failed_runs_one_per_run(emulator, enrolled):
    enrolled("acme")
    emulator.control("DELETE", "requests")
    poll("acme")
    found = runs("acme")
    assert set(found) == {"etcd", "postgres", "debian", "flaky"}
    # postgres failed on each of its 3 tries: one run.
    assert [(r.tries, r.cause) for r in found["postgres"]] == [(3, "unknown_error")]
    assert "requested access to the resource is denied" in found["postgres"][0].reason
    # debian failed, then bob cancelled its retry: one failure, the Cancel said, not counted.
    (debian,) = found["debian"]
    assert debian.cause == "connection_error" and debian.cancelled_at is not None
    assert debian.recovered_at is None
    # flaky failed twice, each time recovered at its next run.
    assert len(found["flaky"]) == 2
    assert all(r.recovered_at is not None and r.recovered_at > r.at for r in found["flaky"])
    assert "certificate signed by unknown authority" in found["etcd"][0].reason
    # Read back a week (Quay's starttime is a day), in a bounded number of log pages.
    known = Enrolment.objects.get(namespace="acme").failures_from
    assert known is not None and clock.now() - known >= timedelta(days=7)
    logs = [c for c in calls(emulator) if c.startswith("GET organization/acme/logs")]
    assert 1 <= len(logs) <= 10


def test_a_read_back_stopped_by_its_page_limit_says_how_far_it_reached(
    emulator, enrolled, settings
):
    settings.WATCH_BACKFILL_LOG_PAGES = 1
    enrolled("acme")
    emulator.control("DELETE", "requests")
    poll("acme")
    logs = [c for c in calls(emulator) if c.startswith("GET organization/acme/logs")]
    assert len(logs) == 1
    known = Enrolment.objects.get(namespace="acme").failures_from
    assert known is not None and clock.now() - known < timedelta(days=1)


def test_a_run_that_fails_on_every_try_is_one_failed_run(emulator, enrolled):
    """etcd's run failed its first try (the seed) and fails its two retries, a minute apart,
    each seen by a poll of its own: one run of 3 tries."""
    enrolled("acme")
    poll("acme")
    later = clock.now()
    for _ in range(3):
        emulator.advance(60)
        later += timedelta(seconds=61)
        poll("acme", later)
    (run,) = runs("acme")["etcd"]
    assert run.tries == 3 and run.closed and run.cause == "auth_failed"


def test_a_cancel_and_a_preempted_job_are_no_failure(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "preempted"})
    emulator.api("POST", "repository/acme/redis/mirror/sync-now", user="alice")
    emulator.advance(120)
    poll("acme", clock.now() + timedelta(seconds=121))
    assert "redis" not in runs("acme")
    emulator.api("POST", "repository/acme/nginx/mirror/sync-now", user="alice")
    emulator.advance(2)
    emulator.api("POST", "repository/acme/nginx/mirror/sync-cancel", user="alice")
    poll("acme", clock.now() + timedelta(seconds=240))
    assert "nginx" not in runs("acme")


def test_a_success_after_a_failure_is_its_recovery(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    (run,) = runs("acme")["etcd"]
    assert run.recovered_at is None
    emulator.control("DELETE", "mirror/acme/etcd/fail")
    emulator.advance(120)  # its retry succeeds
    poll("acme", clock.now() + timedelta(seconds=121))
    run.refresh_from_db()
    assert run.recovered_at is not None and run.tries == 1
