"""The watcher settles audit entries an instance left pending (tests/audit/test_pending.py):
from the config it indexes, once that was read after Quay was done with the call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.mirrors import clock
from dashboard.mirrors.kinds import RepoTarget
from dashboard.watch.poll import poll
from tests.audit.test_pending import interval, left_pending

from .conftest import calls

pytestmark = pytest.mark.django_db


def test_the_watcher_settles_what_it_indexes(emulator, enrolled):
    enrolled("acme")
    poll("acme")
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7200})
    entry = left_pending(RepoTarget("acme", "nginx"), interval(7200))
    poll("acme", clock.now() + timedelta(minutes=2))  # the change is in Quay's log
    entry.refresh_from_db()
    assert entry.outcome == "done", entry.message


def test_a_config_read_before_the_call_ended_is_read_again(emulator, enrolled):
    """The index's config of acme/nginx was read 10 s after the entry was written: Quay may
    not have been done; the next poll reads it again and settles the entry from that."""
    enrolled("acme")
    entry = left_pending(RepoTarget("acme", "nginx"), interval(3600 * 2))
    poll("acme", entry.created + timedelta(seconds=10))
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 7200})
    entry.refresh_from_db()
    assert entry.outcome == "pending"
    emulator.control("DELETE", "requests")
    poll("acme", clock.now() + timedelta(minutes=2))
    entry.refresh_from_db()
    assert entry.outcome == "done", entry.message
    # One read of that mirror's config to settle it, once: the poll after reads it no more.
    assert calls(emulator).count("GET repository/acme/nginx/mirror") == 1
    emulator.control("DELETE", "requests")
    poll("acme", clock.now() + timedelta(minutes=3))
    assert "GET repository/acme/nginx/mirror" not in calls(emulator)
