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
