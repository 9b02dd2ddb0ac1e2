"""Freshness as a rule (``rules.freshness``): late only where the last success (or a bound on
it) and the interval are known; disabled and will-not-run-again mirrors are never late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboard.mirrors.rules.freshness import LATE, NEVER_AGAIN, OFF, ON_TIME, judge
from dashboard.quay.models import SyncStatus

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOUR = 3600


def _judge(**changes: Any):
    values: dict[str, Any] = {
        "enabled": True,
        "sync_status": SyncStatus.SUCCESS,
        "interval_seconds": HOUR,
        "start": NOW + timedelta(minutes=30),
        "retries": 3,
        "succeeded_at": None,
        "not_since": None,
        "now": NOW,
    }
    values.update(changes)
    return judge(**values)


def _key(**changes: Any) -> str | None:
    fresh = _judge(**changes)
    return fresh.key if fresh is not None else None


@pytest.mark.parametrize(
    ("interval", "age", "key"),
    [
        (HOUR, timedelta(hours=2), ON_TIME),  # interval + 1 h grace: not yet
        (HOUR, timedelta(hours=2, minutes=1), LATE),
        (5 * 60, timedelta(hours=1, minutes=4), ON_TIME),  # the grace is at least 1 h
        (5 * 60, timedelta(hours=1, minutes=6), LATE),
        (24 * HOUR, timedelta(hours=47), ON_TIME),  # the grace is one interval
        (24 * HOUR, timedelta(hours=49), LATE),
    ],
)
def test_late_is_a_last_success_older_than_the_interval_plus_its_grace(interval, age, key):
    fresh = _judge(interval_seconds=interval, succeeded_at=NOW - age)
    assert fresh is not None and fresh.key == key


def test_a_recent_failure_says_nothing_an_old_one_is_late():
    assert _judge(sync_status=SyncStatus.FAIL, not_since=NOW - timedelta(minutes=30)) is None
    fresh = _judge(sync_status=SyncStatus.FAIL, not_since=NOW - timedelta(hours=3))
    assert fresh is not None and fresh.key == LATE
    assert fresh.words == "no success in the last 3 h (every 1 h): late"


def test_never_synced_is_late_once_its_first_start_is_past_by_the_grace():
    never = SyncStatus.NEVER_RUN
    assert _key(sync_status=never, start=NOW + timedelta(days=1)) == ON_TIME
    assert _key(sync_status=never, start=NOW - timedelta(minutes=50)) == ON_TIME
    assert _key(sync_status=never, start=NOW - timedelta(hours=2)) == LATE


def test_disabled_cancelled_and_out_of_retries_are_never_late():
    old = NOW - timedelta(days=3)
    assert _key(enabled=False, succeeded_at=old) == OFF
    cancelled = _judge(sync_status=SyncStatus.CANCEL, retries=0, succeeded_at=old)
    assert cancelled is not None and cancelled.key == NEVER_AGAIN
    assert cancelled.words == "will not run again until Sync now: cancelled"
    spent = _judge(sync_status=SyncStatus.FAIL, retries=0, not_since=old)
    assert spent is not None and spent.words.endswith(": no retries left")


def test_nothing_is_said_without_a_last_success_or_an_interval():
    assert _judge() is None  # synced, but when is not known
    assert _judge(interval_seconds=0, succeeded_at=NOW - timedelta(days=9)) is None
    # A running sync with retries left is not "will not run again", whatever its retries.
    assert _judge(sync_status=SyncStatus.SYNCING, retries=0) is None
