"""The rate-limit fault: the next K calls answer 429 with ``Retry-After``, and are not applied."""

from __future__ import annotations

import pytest
import requests

from tests.support.emulator import Emulator
from tests.support.quay_api import status_of


def test_the_next_calls_answer_429_with_retry_after(emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=2, retry_after=7)
    first = emulator.api("GET", "repository/acme/nginx/mirror")
    second = emulator.api("GET", "user/")
    assert (first.status_code, second.status_code) == (429, 429)
    assert first.headers["Retry-After"] == "7"
    assert first.json()["error_type"] == "too_many_requests"
    assert emulator.api("GET", "repository/acme/nginx/mirror").status_code == 200
    assert emulator.control("GET", "config")["rate_limit_calls"] == 0
    assert [entry["status"] for entry in emulator.requests_log()] == [429, 429, 200]


def test_a_rate_limited_write_is_not_applied(emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=1)
    assert emulator.api("POST", "repository/acme/nginx/mirror/sync-now").status_code == 429
    assert status_of(emulator, "acme", "nginx") == "SUCCESS"
    assert emulator.api("POST", "repository/acme/nginx/mirror/sync-now").status_code == 204
    assert status_of(emulator, "acme", "nginx") == "SYNC_NOW"


def test_the_control_api_is_not_rate_limited(emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=1)
    for _ in range(3):
        assert emulator.control("GET", "config")["rate_limit_calls"] == 1


@pytest.mark.parametrize("value", [-1, "two", 1.5, True])
def test_counts_must_be_whole_numbers(emulator: Emulator, value: object) -> None:
    for option in ("rate_limit_calls", "retry_after", "max_inflight"):
        url = f"{emulator.url}/_emulator/config"
        response = requests.post(url, json={option: value}, timeout=5)
        assert response.status_code == 400, option
