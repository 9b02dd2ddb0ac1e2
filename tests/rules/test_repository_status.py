"""describe(): a mirror config in words, and each stuck rule; the usage-log helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dashboard.mirrors.rules import runs, status
from dashboard.quay.models import LogEntry, MirrorConfig, SyncStatus

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


def config(**changes) -> MirrorConfig:
    base = MirrorConfig(
        is_enabled=True,
        external_reference="docker.io/library/nginx",
        sync_interval=6 * 3600,
        sync_start_date=NOW + timedelta(hours=2),
        sync_status=SyncStatus.SUCCESS,
        root_rule=("latest",),
        robot_username="acme+mirror",
    )
    return replace(base, **changes)


def log(kind: str, at: datetime, **metadata) -> LogEntry:
    return LogEntry(kind=kind, datetime=at, performer=None, metadata=metadata)


# -- plain statuses ----------------------------------------------------------------------------


def test_synced_says_when_the_next_run_is():
    result = status.describe(config(), NOW)
    assert (result.key, result.label) == ("success", "Synced")
    assert result.detail == "next run at 14:00 UTC (in 2 h)"
    assert not result.is_active and result.can_sync_now and not result.can_cancel


def test_next_run_on_another_day_names_the_day():
    result = status.describe(config(sync_start_date=NOW + timedelta(days=1, hours=3)), NOW)
    assert result.detail == "next run at Nov 28 15:00 UTC (in 1 d 3 h)"


def test_syncing_says_for_how_long_and_polls():
    claimed = NOW - timedelta(minutes=1, seconds=12)
    mirror = config(sync_status=SyncStatus.SYNCING, sync_expiration_date=claimed + status.LEASE)
    result = status.describe(mirror, NOW)
    assert (result.key, result.label, result.detail) == (
        "active",
        "Syncing",
        "running for 1 min 12 s",
    )
    assert result.is_active and result.can_cancel and not result.can_sync_now
    assert status.claimed_at(mirror) == claimed


def test_queued_says_since_when():
    mirror = config(sync_status=SyncStatus.SYNC_NOW)
    result = status.describe(mirror, NOW, queued_since=NOW - timedelta(seconds=40))
    assert (result.label, result.detail) == ("Queued", "waiting for a worker (queued 40 s ago)")
    assert result.is_active and result.can_cancel and result.can_sync_now
    assert status.describe(mirror, NOW).detail == "waiting for a worker"


def test_cancelled_says_scheduled_syncs_are_paused():
    mirror = config(sync_status=SyncStatus.CANCEL, sync_retries_remaining=0)
    result = status.describe(mirror, NOW)
    assert (result.key, result.label) == ("cancel", "Cancelled")
    assert result.detail == "scheduled syncs are paused until Sync now"


def test_cancelled_with_a_long_past_start_is_not_stuck():
    mirror = config(
        sync_status=SyncStatus.CANCEL,
        sync_retries_remaining=0,
        sync_start_date=NOW - timedelta(days=2),
    )
    assert status.describe(mirror, NOW).key == "cancel"


def test_never_run_says_when_the_first_run_is():
    mirror = config(sync_status=SyncStatus.NEVER_RUN, sync_start_date=NOW + timedelta(minutes=30))
    result = status.describe(mirror, NOW)
    assert (result.key, result.label) == ("never", "Never synced")
    assert result.detail == "first run at 12:30 UTC (in 30 min)"


def test_disabled_mirror_says_scheduled_syncs_are_off():
    result = status.describe(config(is_enabled=False, sync_start_date=NOW - timedelta(days=3)), NOW)
    assert (result.key, result.label) == ("disabled", "Disabled")
    assert result.detail == "scheduled syncs are off; last sync succeeded"


# -- retry state in words ----------------------------------------------------------------------


def test_failed_with_retries_left_is_retrying_within_a_minute():
    mirror = config(
        sync_status=SyncStatus.FAIL,
        sync_retries_remaining=2,
        sync_start_date=NOW - timedelta(minutes=3),
    )
    result = status.describe(mirror, NOW)
    assert (result.key, result.label) == ("fail", "Failed")
    assert result.detail == "retrying within a minute (2 of 3 left)"


def test_failed_after_the_last_retry_gave_up_until_the_next_interval():
    # Quay's release_mirror: after the last retry the start moves on and retries go back to 3.
    mirror = config(
        sync_status=SyncStatus.FAIL,
        sync_retries_remaining=3,
        sync_start_date=NOW + timedelta(hours=5, minutes=59),
    )
    result = status.describe(mirror, NOW)
    assert result.detail == (
        "gave up on this run (no retries left); 3 tries again at 17:59 UTC (in 5 h 59 min)"
    )
    # The retries say the same thing, not "3 of 3 left" next to "gave up".
    # Under "Retries left": a number first, then what it is for (issue 10, item 7).
    assert result.retries == "3, for the next run at 17:59 UTC"
    assert result.next_words == ""


def test_a_due_retry_says_within_a_minute_for_the_next_run_not_a_past_time():
    mirror = config(
        sync_status=SyncStatus.FAIL,
        sync_retries_remaining=2,
        sync_start_date=NOW - timedelta(minutes=3),
    )
    result = status.describe(mirror, NOW)
    assert result.detail == "retrying within a minute (2 of 3 left)"
    assert result.next_words == "within a minute"
    assert result.retries == "2 of 3 left"


def test_health_without_retries_says_dash_and_with_retries_says_the_reported_number():
    from dashboard.quay.models import HealthEntry

    def entry(retries):
        return HealthEntry("globex", "traefik", SyncStatus.FAIL, True, retries, None)

    assert status.describe_health(entry(None), NOW).retries == "—"
    assert "retries left" not in status.describe_health(entry(None), NOW).detail
    reported = status.describe_health(entry(1), NOW)
    assert reported.retries == "1 of 3 left"
    assert reported.detail == "1 of 3 retries left"


def test_a_running_sync_known_from_health_says_it_may_be_stuck():
    from dashboard.quay.models import HealthEntry

    running = HealthEntry("acme", "python", SyncStatus.SYNCING, True, 3, None)
    result = status.describe_health(running, NOW)
    assert result.label == "Syncing"
    assert result.detail == "Quay's health report can't tell whether it is stuck"


def test_failed_with_retries_left_and_a_later_start_retries_then():
    # A Sync now of a mirror whose start date is tomorrow: a FAIL keeps that date.
    mirror = config(
        sync_status=SyncStatus.FAIL,
        sync_retries_remaining=2,
        sync_start_date=NOW + timedelta(hours=20),
    )
    assert (
        status.describe(mirror, NOW).detail
        == "retrying at Nov 28 08:00 UTC (in 20 h) (2 of 3 left)"
    )


def test_failed_with_no_retries_waits_for_sync_now():
    mirror = config(
        sync_status=SyncStatus.FAIL, sync_retries_remaining=0, sync_start_date=NOW - timedelta(1)
    )
    assert status.describe(mirror, NOW).detail == "gave up; no retry until Sync now"


def test_failed_and_disabled_says_no_retry():
    mirror = config(sync_status=SyncStatus.FAIL, is_enabled=False, sync_retries_remaining=2)
    result = status.describe(mirror, NOW)
    assert result.key == "fail"
    assert result.detail == "scheduled syncs are off; no retry until Sync now"


# -- stuck rules -------------------------------------------------------------------------------


def test_syncing_with_an_expired_lease_is_stuck_with_the_remedy():
    claimed = NOW - timedelta(hours=14)
    mirror = config(sync_status=SyncStatus.SYNCING, sync_expiration_date=claimed + status.LEASE)
    result = status.describe(mirror, NOW)
    assert result.is_stuck and result.label == "Stuck"
    assert result.detail == (
        "the worker claimed this sync 14 h ago and its 12 h lease ran out 2 h ago"
    )
    assert result.remedy == "Cancel it, then press Sync now."
    # Quay refuses Sync now on SYNCING, stuck or not: Cancel is the way out.
    assert result.can_cancel and not result.can_sync_now
    assert result.rank < status.describe(config(), NOW).rank


def test_syncing_with_a_lease_still_running_is_not_stuck():
    mirror = config(sync_status=SyncStatus.SYNCING, sync_expiration_date=NOW + timedelta(seconds=1))
    assert status.describe(mirror, NOW).key == "active"


def test_sync_now_not_started_after_several_minutes_is_stuck():
    mirror = config(sync_status=SyncStatus.SYNC_NOW)
    late = status.describe(mirror, NOW, queued_since=NOW - timedelta(minutes=6))
    assert late.is_stuck
    assert late.detail.startswith("queued 6 min ago and no worker has picked it up")
    assert "Cancel it, then press Sync now" in late.remedy
    # Still a queued sync: it can be cancelled and it keeps being polled.
    assert late.is_active and late.can_cancel
    on_time = status.describe(mirror, NOW, queued_since=NOW - timedelta(minutes=4))
    assert not on_time.is_stuck


def test_enabled_mirror_whose_next_run_is_well_past_is_stuck():
    mirror = config(sync_start_date=NOW - timedelta(hours=2))
    result = status.describe(mirror, NOW)
    assert result.is_stuck
    assert result.detail.startswith("the scheduled run was due 2 h ago and has not started")
    assert "Sync now" in result.remedy
    never = config(sync_status=SyncStatus.NEVER_RUN, sync_start_date=NOW - timedelta(minutes=20))
    assert status.describe(never, NOW).is_stuck


def test_a_run_due_a_few_minutes_ago_is_waiting_not_stuck():
    result = status.describe(config(sync_start_date=NOW - timedelta(minutes=3)), NOW)
    assert (result.key, result.detail) == ("success", "next run due now, waiting for a worker")


def test_a_failed_retry_that_never_started_is_stuck_only_when_the_last_run_is_old():
    mirror = config(
        sync_status=SyncStatus.FAIL,
        sync_retries_remaining=1,
        sync_start_date=NOW - timedelta(hours=3),
    )
    assert status.describe(mirror, NOW).key == "fail"
    recent = status.describe(mirror, NOW, last_event_at=NOW - timedelta(minutes=2))
    assert recent.key == "fail"
    old = status.describe(mirror, NOW, last_event_at=NOW - timedelta(minutes=40))
    assert old.is_stuck and "has not started" in old.detail


def test_a_disabled_mirror_is_never_overdue():
    mirror = config(is_enabled=False, sync_start_date=NOW - timedelta(days=5))
    assert not status.describe(mirror, NOW).is_stuck


# -- usage log helpers -------------------------------------------------------------------------


def changed(at: datetime, to: str) -> LogEntry:
    return log("repo_mirror_config_changed", at, changed="sync_status", to=to)


def test_queued_since_is_the_latest_status_change_to_sync_now():
    logs = [  # newest first, as Quay lists them
        log("repo_mirror_config_changed", NOW - timedelta(minutes=1), changed="sync_interval"),
        changed(NOW - timedelta(minutes=7), "SYNC_NOW"),
        changed(NOW - timedelta(minutes=9), "SYNC_CANCEL"),
    ]
    assert runs.queued_since(logs) == NOW - timedelta(minutes=7)


def test_queued_since_is_none_when_a_cancel_came_after():
    logs = [changed(NOW - timedelta(minutes=1), "SYNC_CANCEL"), changed(NOW, "SYNC_NOW")][::-1]
    assert runs.queued_since(logs) == NOW
    same_second = [changed(NOW, "SYNC_CANCEL"), changed(NOW, "SYNC_NOW")]
    assert runs.queued_since(same_second) is None
    assert runs.queued_since([]) is None


def test_last_result_and_its_words():
    failed = log(
        "repo_mirror_sync_failed",
        NOW - timedelta(minutes=1),
        verb="end",
        message="'127.0.0.1:5000/library/doesnotexist' with tag pattern '*': ('skopeo list-tags "
        "failed: See output', '', 'time=\"2026-11-27T16:47:32Z\" level=fatal msg=\"Error "
        "listing repository tags: fetching tags list: invalid status code from registry 404 "
        "(Not Found)\"\\n')",
        stderr='time="2026-11-27T16:47:32Z" level=fatal msg="Error listing repository tags: '
        'fetching tags list: invalid status code from registry 404 (Not Found)"\n',
    )
    logs = [
        log("repo_mirror_sync_started", NOW, verb="start"),
        failed,
        log("repo_mirror_sync_success", NOW - timedelta(hours=1), tags="1.24, latest"),
    ]
    assert runs.last_result(logs) is failed
    summary = runs.summarize_event(failed)
    assert (summary.key, summary.label) == ("fail", "Failed")
    assert summary.detail == (
        "Error listing repository tags: fetching tags list: invalid status code from registry "
        "404 (Not Found)"
    )
    ok = runs.summarize_event(logs[2])
    assert (ok.label, ok.detail) == ("Synced", "2 tags: 1.24, latest")
    none = runs.summarize_event(log("repo_mirror_sync_success", NOW, tags="No tags matched"))
    assert none.detail == "no tags matched the rule"
    cancelled = runs.summarize_event(log("repo_mirror_sync_failed", NOW, verb="Cancelled"))
    assert cancelled.label == "Cancelled"


def test_a_failure_without_skopeo_output_keeps_quays_message():
    entry = log("repo_mirror_sync_failed", NOW, verb="end", message="Robot has no access")
    assert runs.summarize_event(entry).detail == "Robot has no access"
    tls = log(
        "repo_mirror_sync_failed",
        NOW,
        stderr='time="x" level=fatal msg="Error listing repository tags: pinging container '
        'registry r.example: Get \\"https://r.example/v2/\\": tls: failed to verify certificate"\n',
    )
    assert runs.summarize_event(tls).detail == (
        "Error listing repository tags: pinging container registry r.example: Get "
        '"https://r.example/v2/": tls: failed to verify certificate'
    )


def test_only_a_sync_that_can_change_by_itself_is_polled():
    assert status.describe(config(sync_status=SyncStatus.SYNC_NOW), NOW).changes_by_itself
    running = config(sync_status=SyncStatus.SYNCING, sync_expiration_date=NOW + status.LEASE)
    assert status.describe(running, NOW).changes_by_itself
    dead = replace(running, sync_expiration_date=NOW - timedelta(hours=1))
    assert not status.describe(dead, NOW).changes_by_itself  # only Cancel moves it on
    queued = config(sync_status=SyncStatus.SYNC_NOW)
    late = status.describe(queued, NOW, queued_since=NOW - timedelta(hours=1))
    assert late.is_stuck and late.changes_by_itself  # a worker may still come back
    assert not status.describe(config(), NOW).changes_by_itself


def test_long_durations_are_said_to_the_minute():
    claimed = NOW - timedelta(hours=14, seconds=1)
    mirror = config(sync_status=SyncStatus.SYNCING, sync_expiration_date=claimed + status.LEASE)
    assert status.describe(mirror, NOW).detail == (
        "the worker claimed this sync 14 h ago and its 12 h lease ran out 2 h ago"
    )


def test_synced_says_when_it_last_synced_and_when_next_if_known():
    mirror = config(sync_status=SyncStatus.SUCCESS, sync_start_date=NOW + timedelta(hours=3))
    known = status.describe(mirror, NOW, last_sync=NOW - timedelta(hours=3))
    assert (known.label, known.detail) == ("Synced", "3 h ago · next 15:00 UTC")
    unknown = status.describe(mirror, NOW)
    assert unknown.detail == "next run at 15:00 UTC (in 3 h)"


def test_last_result_words_come_from_one_place():
    from dashboard.mirrors.overview.page import Row
    from dashboard.quay.models import LogEntry

    ended = LogEntry("repo_mirror_sync_failed", NOW, None, {"message": "x"})
    assert runs.summarize_event(ended).word == runs.RESULT_WORDS["fail"] == "failed"
    row = Row("acme", "etcd", config=config(sync_status=SyncStatus.CANCEL))
    assert row.last_result == runs.RESULT_WORDS["cancel"]
    assert runs.result_word(SyncStatus.SYNCING) == ""
