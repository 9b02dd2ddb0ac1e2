"""Fixtures of the live-status tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from dashboard.mirrors import clock
from dashboard.quay.dates import parse_quay_datetime


@pytest.fixture
def follow_emulator_clock(monkeypatch: Any, emulator: Any) -> Callable[[float], None]:
    """Pin the dashboard's "now" to the emulator's clock as a test moves it forward: the
    moment the emulator says it is, running on from there (no drift between the two)."""

    def advance(seconds: float) -> None:
        answer = emulator.control("POST", "clock", json={"advance": seconds})
        pinned = parse_quay_datetime(answer["now"])
        started = time.monotonic()
        monkeypatch.setattr(
            clock, "now", lambda: pinned + timedelta(seconds=time.monotonic() - started)
        )

    return advance
