"""The bulk change's tests: its task runs at once, in the test's thread (``immediate_tasks``,
in tests/conftest.py), one mirror at a time."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_mirror_at_a_time(settings) -> None:
    """A bulk change saves half of ``QUAY_MAX_INFLIGHT`` mirrors at once, each in a thread that
    writes its audit entry. The tests' in-memory SQLite database shares one cache between
    threads and refuses a write while another thread writes (instead of waiting, as a
    database file or PostgreSQL does): here, one mirror at a time. (``bench/bulk_password.py``
    applies 4 at a time, on a database file.)"""
    settings.QUAY_MAX_INFLIGHT = 2
