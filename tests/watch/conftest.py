"""The watcher's tests: a namespace enrolled with the emulator's watcher user's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dashboard.mirrors import clock
from dashboard.watch import enrol
from dashboard.watch.models import Enrolment
from tests.conftest import TOKENS

WATCHER_TOKEN = "watcherdemotoken".ljust(40, "0")


@pytest.fixture
def enrolled(emulator: Any, db: Any) -> Callable[..., Enrolment]:
    """Enrol namespaces with the watcher's token (as alice, their admin)."""

    def enrol_them(*namespaces: str, token: str = WATCHER_TOKEN) -> Enrolment:
        for namespace in namespaces:
            done = enrol.enrol(namespace, token, enrolled_by="alice", now=clock.now())
            assert done.ok, done.message
        return Enrolment.objects.get(namespace=namespaces[-1])

    return enrol_them


def calls(emulator: Any) -> list[str]:
    """The API calls Quay received since the log was cleared, as ``METHOD path``."""
    return [
        f"{r['method']} {r['path'].removeprefix('/api/v1/')}"
        for r in emulator.requests_log()
        if r["path"].startswith("/api/v1/")
    ]


__all__ = ["TOKENS", "WATCHER_TOKEN", "calls"]
