"""The words of an organization mirror's state (``org_status``): from the counts, since the
config's own status says discovery only; stuck where Quay's rules make it so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.mirrors.rules.org_status import counts_words, describe_org, unfinished
from dashboard.quay.models import SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig, OrgRepoStatus, SourceRegistryType

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def config(status: SyncStatus = SyncStatus.SUCCESS, **fields: object) -> OrgMirrorConfig:
    counts = dict.fromkeys(OrgRepoStatus, 0)
    counts.update(fields.pop("counts", {}))  # type: ignore[arg-type]
    values: dict[str, object] = {
        "is_enabled": True,
        "external_registry_type": SourceRegistryType.QUAY,
        "external_registry_url": "https://quay.example.com",
        "external_namespace": "upstreamorg",
        "robot_username": "org+mirror",
        "visibility": "private",
        "sync_interval": 3600,
        "sync_start_date": NOW + timedelta(hours=1),
        "sync_status": status,
        "counts": counts,
        "creation_date": NOW - timedelta(days=1),
    }
    values.update(fields)
    return OrgMirrorConfig(**values)  # type: ignore[arg-type]


def test_success_while_repositories_sync_is_syncing_and_polls() -> None:
    status = describe_org(config(counts={OrgRepoStatus.SUCCESS: 2, OrgRepoStatus.SYNC_NOW: 2}), NOW)
    assert (status.key, status.label, status.changes_by_itself) == ("active", "Syncing", True)
    assert "2 of 4 repositories synced; 0 syncing, 2 queued" in status.detail
    assert not status.can_sync_now and "cancel first" in status.sync_now_blocked


def test_a_failed_repository_is_failed_and_blocks_sync_now_but_not_polling() -> None:
    status = describe_org(config(counts={OrgRepoStatus.SUCCESS: 3, OrgRepoStatus.FAIL: 1}), NOW)
    assert (status.key, status.changes_by_itself, status.can_sync_now) == ("fail", False, False)
    assert status.detail.startswith("1 of 4 repositories failed the last sync")


def test_discovery_past_its_lease_is_stuck_with_the_remedy() -> None:
    status = describe_org(
        config(SyncStatus.SYNCING, sync_expiration_date=NOW - timedelta(minutes=10)), NOW
    )
    assert status.key == "stuck" and not status.changes_by_itself
    assert "ran past its 30 min limit" in status.detail
    assert status.remedy.startswith("Cancel it, then press Sync now.")
    running = describe_org(
        config(SyncStatus.SYNCING, sync_expiration_date=NOW + timedelta(minutes=25)), NOW
    )
    assert (running.key, running.label, running.changes_by_itself) == (
        "active",
        "Discovering",
        True,
    )


def test_an_overdue_scheduled_run_is_stuck_a_due_one_polls() -> None:
    overdue = describe_org(
        config(SyncStatus.SUCCESS, sync_start_date=NOW - timedelta(hours=1)), NOW
    )
    assert overdue.key == "stuck" and "has not started" in overdue.detail
    due = describe_org(
        config(SyncStatus.NEVER_RUN, sync_start_date=NOW - timedelta(minutes=1)), NOW
    )
    assert (due.key, due.changes_by_itself) == ("never", True)
    fresh = describe_org(
        config(
            SyncStatus.NEVER_RUN,
            sync_start_date=NOW - timedelta(days=3),
            creation_date=NOW - timedelta(seconds=30),
        ),
        NOW,
    )
    assert fresh.key == "never"  # set up with a past start a moment ago: not stuck yet


def test_cancel_waits_for_the_worker_then_says_schedules_continue() -> None:
    waiting = describe_org(config(SyncStatus.CANCEL), NOW)
    assert (waiting.label, waiting.can_cancel, waiting.changes_by_itself) == (
        "Cancelling",
        False,
        True,
    )
    done = describe_org(config(counts={OrgRepoStatus.CANCEL: 4}), NOW)
    assert done.label == "Cancelled" and "scheduled syncs go on" in done.detail
    assert done.can_sync_now


def test_cancel_is_off_with_nothing_to_cancel() -> None:
    # Quay would take it, mark the repositories cancelled, say SUCCESS as if discovery had run
    # and move a first run still to come to the interval's next slot: only harm.
    never = describe_org(config(SyncStatus.NEVER_RUN), NOW)
    assert not never.can_cancel and "nothing is queued, running" in never.cancel_blocked
    cancelled = describe_org(config(counts={OrgRepoStatus.CANCEL: 4}), NOW)
    assert not cancelled.can_cancel
    synced = describe_org(config(counts={OrgRepoStatus.SUCCESS: 4, OrgRepoStatus.SKIP: 1}), NOW)
    assert not synced.can_cancel
    # Something to cancel: discovery queued, running or retrying; repositories unfinished
    # (the way to unblock Sync now).
    for status in (SyncStatus.SYNC_NOW, SyncStatus.SYNCING, SyncStatus.FAIL):
        assert describe_org(config(status), NOW).can_cancel, status
    for repo_status in (OrgRepoStatus.SYNC_NOW, OrgRepoStatus.FAIL, OrgRepoStatus.NEVER_RUN):
        unfinished_one = config(counts={OrgRepoStatus.SUCCESS: 3, repo_status: 1})
        assert describe_org(unfinished_one, NOW).can_cancel, repo_status


def test_failed_discovery_retrying_or_given_up() -> None:
    retrying = describe_org(config(SyncStatus.FAIL, sync_retries_remaining=2), NOW)
    assert "retrying at the worker's next pass (2 of 3 left)" in retrying.detail
    assert retrying.changes_by_itself
    gave_up = describe_org(config(SyncStatus.FAIL, sync_retries_remaining=3), NOW)
    # Quay resets the retries to 3 for the next run when it gives up: say so, or "3 of 3
    # left" beside "gave up" reads as a contradiction.
    assert "gave up on this run (no retries left); the next scheduled run" in gave_up.detail
    assert "with 3 fresh tries" in gave_up.detail and not gave_up.changes_by_itself


def test_a_disabled_mirror_does_not_poll_even_when_a_sync_now_waits() -> None:
    status = describe_org(config(SyncStatus.SYNC_NOW, is_enabled=False), NOW)
    assert (status.key, status.changes_by_itself) == ("disabled", False)
    assert "does not pick up a disabled organization mirror" in status.detail


def test_counts_in_words_and_what_quay_counts_unfinished() -> None:
    c = config(counts={OrgRepoStatus.SUCCESS: 2, OrgRepoStatus.SKIP: 1, OrgRepoStatus.FAIL: 1})
    assert counts_words(c) == "2 synced · 1 failed · 1 skipped"
    assert unfinished(c) == 1
    assert counts_words(config()) == "no repositories yet"


def test_the_failed_and_the_progress_counts_leave_skipped_repositories_out_alike() -> None:
    # "of 2 repositories" while syncing (skipped left out) beside "2 of 3 failed" once done
    # (skipped counted) on the same page: both count the repositories the mirror syncs.
    skipped = {OrgRepoStatus.SKIP: 1}
    running = describe_org(
        config(counts={OrgRepoStatus.SUCCESS: 1, OrgRepoStatus.SYNCING: 1, **skipped}), NOW
    )
    assert running.detail.startswith("1 of 2 repositories synced")
    done = describe_org(config(counts={OrgRepoStatus.FAIL: 2, **skipped}), NOW)
    assert done.detail.startswith("2 of 2 repositories failed the last sync")
    assert "1 skipped" in done.detail
