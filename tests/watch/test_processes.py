"""The watcher as it runs: its worker and scheduler as real processes (``manage.py watch
worker`` / ``scheduler``) on a SQLite queue and database of their own, against the emulator.
The index fills and stays fresh; a change made in Quay appears; two schedulers do not double
the work; a worker killed mid-poll loses nothing (the poll is taken again once its lease has
passed); an alert reaches its channel once, within two intervals, however many workers."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.channels import http_receiver
from tests.support.servers import django_env, manage, watch_process

from .conftest import WATCHER_TOKEN, calls

pytestmark = pytest.mark.e2e  # real processes, seconds each: run with the browser tests


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s")


@pytest.fixture
def env(tmp_path: Path, emulator: Any) -> dict[str, str]:
    """A dashboard's settings of its own: a SQLite database and queue in ``tmp_path``, a
    poll every 2 s, a lease of 6 s; acme enrolled with the watcher's token."""
    settings = django_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        WATCH_QUEUE_FILE=str(tmp_path / "queue.sqlite3"),
        QUAY_URL=emulator.url,
        WATCH_INTERVAL_SECONDS="2",
        WATCH_LEASE_SECONDS="6",
        WATCH_WORKERS="2",
    )
    manage(settings, "migrate", "--noinput")
    manage({**settings, "QUAY_WATCH_TOKEN": WATCHER_TOKEN}, "watch", "enroll", "acme")
    return settings


def rows(env: dict[str, str], sql: str, *args: Any) -> list[tuple[Any, ...]]:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=10) as db:
        return db.execute(sql, args).fetchall()


def process(env: dict[str, str], what: str, log: Path) -> Any:
    return watch_process(env, what, log)


def indexed(env: dict[str, str]) -> bool:
    return bool(rows(env, "select indexed_at from watch_enrolment where indexed_at is not null"))


def test_the_index_fills_stays_fresh_and_sees_a_change_made_in_quay(env, emulator, tmp_path):
    with (
        process(env, "worker", tmp_path / "worker.log"),
        process(env, "scheduler", tmp_path / "scheduler.log"),
    ):
        wait_until(lambda: indexed(env), "the first indexing")
        etcd = rows(env, "select sync_status, source from watch_mirror where name = 'etcd'")
        assert etcd == [("FAIL", "quay.io/coreos/etcd")]
        emulator.api("POST", "repository/acme/nginx/mirror/sync-now", user="alice")
        change = wait_until(
            lambda: rows(env, "select old, new from watch_change where name = 'nginx'"),
            "the change made in Quay",
            timeout=15,
        )
        # Queued, or already claimed by the emulator's worker when the watcher looked.
        assert change[0][0] == "SUCCESS" and change[0][1] in ("SYNC_NOW", "SYNCING")


def test_two_schedulers_do_not_double_the_work(env, emulator, tmp_path):
    with ExitStack() as stack:
        stack.enter_context(process(env, "worker", tmp_path / "worker.log"))
        stack.enter_context(process(env, "scheduler", tmp_path / "scheduler-1.log"))
        wait_until(lambda: indexed(env), "the first indexing")
        stack.enter_context(process(env, "scheduler", tmp_path / "scheduler-2.log"))
        time.sleep(3)  # both are ticking
        emulator.control("DELETE", "requests")
        time.sleep(10)
        polls = [c for c in calls(emulator) if c == "GET repository/mirror/health"]
    # A poll every 2 s for 10 s: 5 (a tick a second can make it 6); doubled it would be ~10.
    assert 3 <= len(polls) <= 6, polls


def test_a_worker_killed_mid_poll_loses_nothing(env, emulator, tmp_path):
    with process(env, "scheduler", tmp_path / "scheduler.log"):
        with process(env, "worker", tmp_path / "worker-1.log") as worker:
            wait_until(lambda: indexed(env), "the first indexing")
            emulator.configure(latency_ms=4000)  # a poll now takes seconds
            emulator.control("DELETE", "requests")
            wait_until(lambda: calls(emulator), "a poll that started")
            worker.send_signal(signal.SIGKILL)  # mid-poll: its claim stays
            worker.wait()
            killed_at = time.time()
        emulator.configure(latency_ms=0)
        before = rows(env, "select last_poll_at from watch_enrolment")[0][0]
        with process(env, "worker", tmp_path / "worker-2.log"):
            # Taken again once the lease (6 s) has passed, and done.
            wait_until(
                lambda: rows(env, "select last_poll_at from watch_enrolment")[0][0] != before,
                "the lost poll, taken again",
                timeout=20,
            )
        assert time.time() - killed_at >= 2  # not before its lease ran out


def test_an_alert_reaches_its_channel_once_within_two_intervals_with_two_workers(
    env, emulator, tmp_path
):
    with http_receiver() as receiver:
        manage(env, "watch", "notify", "acme", receiver.url, "--events", "failed", "recovered")
        with ExitStack() as stack:
            for name in ("worker-1", "worker-2", "scheduler"):
                what = "scheduler" if name == "scheduler" else "worker"
                stack.enter_context(process(env, what, tmp_path / f"{name}.log"))
            wait_until(lambda: indexed(env), "the first indexing")
            emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "auth_failed"})
            emulator.api("POST", "repository/acme/redis/mirror/sync-now", user="alice")
            failed_at = time.monotonic() + 2  # the emulator's worker claims it 2 s after
            wait_until(lambda: receiver.received, "the alert", timeout=20)
            took = time.monotonic() - failed_at
            time.sleep(6)  # three more polls, by either worker: nothing more
        assert [m["title"] for m in receiver.received] == [
            "acme/redis failed: Authentication refused"
        ]
        assert took <= 2 * 2 + 1  # two intervals of 2 s (and a scheduler's tick)
        delivered = rows(env, "select state, tries from watch_delivery")
        assert delivered == [("sent", 1)]
