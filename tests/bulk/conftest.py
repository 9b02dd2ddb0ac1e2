"""The bulk change's tests run its task at once, in the test's thread (Huey's immediate mode):
what a worker would do, done before the answer to Apply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture(autouse=True)
def _one_mirror_at_a_time(settings) -> None:
    """A bulk change saves half of ``QUAY_MAX_INFLIGHT`` mirrors at once, each in a thread that
    writes its audit entry. The tests' in-memory SQLite database shares one cache between
    threads and refuses a write while another thread writes (instead of waiting, as a
    database file or PostgreSQL does): here, one mirror at a time. (``bench/bulk_password.py``
    applies 4 at a time, on a database file.)"""
    settings.QUAY_MAX_INFLIGHT = 2
