"""The production shape (tests/support/shape.py), started once for the fault tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.shape import Shape, production_shape


@pytest.fixture(scope="session")
def shape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shape]:
    with production_shape(tmp_path_factory.mktemp("shape")) as started:
        yield started


@pytest.fixture(autouse=True)
def _servers_running_again(shape: Shape) -> Iterator[None]:
    """Whatever a test stopped or froze runs again after it."""
    yield
    shape.redis.ensure_running()
    shape.database.ensure_running()
