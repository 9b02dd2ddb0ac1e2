"""Quay's capacity: the service time of authenticated calls, calls served at once, the counts.

Real Quay costs 0.3-0.4 s per call with a Bearer token and serves about two at a time on two
cores (``--latency-ms 300 --max-inflight 2``); anonymous calls and the control API are not
delayed and never wait for a slot.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.emulator import TOKENS, Emulator, start_emulator
from tests.support.quay_api import counting_from_zero, stats, wait_until

HUNG = "/api/v1/repository/acme/nginx"


def test_stats_count_api_calls_only(emulator: Emulator) -> None:
    counting_from_zero(emulator)
    emulator.api("GET", "user/")
    emulator.api("GET", "repository/acme/nginx/mirror")
    emulator.api("GET", "user/", user="")  # anonymous: 401, counted too
    emulator.control("GET", "config")
    requests.get(f"{emulator.url}/oauth/authorize", timeout=10)
    assert stats(emulator) == {
        "calls": 3,
        "inflight": 0,
        "max_inflight": 1,
        "serving": 0,
        "max_serving": 1,
    }


def test_reset_starts_the_counts_again(emulator: Emulator) -> None:
    counting_from_zero(emulator)
    emulator.api("GET", "user/")
    assert stats(emulator)["calls"] == 1
    emulator.reset()
    assert stats(emulator)["calls"] == 0


def test_calls_beyond_max_inflight_wait_for_a_slot(emulator: Emulator) -> None:
    emulator.configure(max_inflight=2, hang=[HUNG])
    counting_from_zero(emulator)

    def two_served_one_waiting() -> bool:
        counts = stats(emulator)
        return (counts["inflight"], counts["serving"]) == (3, 2)

    with ThreadPoolExecutor(max_workers=3) as pool:
        calls = [pool.submit(emulator.api, "GET", "repository/acme/nginx/mirror") for _ in "abc"]
        wait_until(two_served_one_waiting, "two calls are served and the third waits")
        emulator.configure(hang=[])  # the two served calls answer 504; the third is served
        statuses = sorted(call.result(timeout=10).status_code for call in calls)
    assert statuses == [200, 504, 504]
    counts = stats(emulator)
    assert (counts["calls"], counts["max_inflight"], counts["max_serving"]) == (3, 3, 2)


def test_raising_max_inflight_at_run_time_serves_a_waiting_call(emulator: Emulator) -> None:
    emulator.configure(max_inflight=1, hang=[HUNG])
    counting_from_zero(emulator)
    with ThreadPoolExecutor(max_workers=2) as pool:
        hung = pool.submit(emulator.api, "GET", "repository/acme/nginx/mirror")
        wait_until(lambda: stats(emulator)["serving"] == 1, "the hung call holds the slot")
        waiting = pool.submit(emulator.api, "GET", "repository/acme/redis/mirror")
        wait_until(lambda: stats(emulator)["inflight"] == 2, "the second call waits")
        assert not waiting.done()
        emulator.configure(max_inflight=2)
        assert waiting.result(timeout=10).status_code == 200
        emulator.reset()
        assert hung.result(timeout=10).status_code == 504


def test_anonymous_and_control_calls_never_wait_for_a_slot(emulator: Emulator) -> None:
    emulator.configure(max_inflight=1, hang=[HUNG])
    counting_from_zero(emulator)
    with ThreadPoolExecutor(max_workers=1) as pool:
        hung = pool.submit(emulator.api, "GET", "repository/acme/nginx/mirror")
        wait_until(lambda: stats(emulator)["serving"] == 1, "the hung call holds the slot")
        assert emulator.api("GET", "user/", user="").status_code == 401
        assert emulator.control("GET", "config")["max_inflight"] == 1
        emulator.reset()
        assert hung.result(timeout=10).status_code == 504


def test_only_calls_with_a_bearer_token_cost_the_service_time(emulator: Emulator) -> None:
    # A minute per call: anonymous, OAuth and control calls answer (well) within the
    # 10 s the helpers wait, so they were not delayed.
    emulator.configure(latency_ms=60_000)
    assert emulator.api("GET", "user/", user="").status_code == 401
    assert requests.get(f"{emulator.url}/oauth/authorize", timeout=10).status_code < 500
    assert emulator.control("GET", "config")["latency_ms"] == 60_000


def test_real_quay_mode_from_the_command_line_serves_two_calls_at_a_time() -> None:
    proc, emulator = start_emulator("--latency-ms", "300", "--max-inflight", "2")
    try:
        config = emulator.control("GET", "config")
        assert (config["latency_ms"], config["max_inflight"]) == (300, 2)
        emulator.reset()
        assert emulator.control("GET", "config")["max_inflight"] == 2  # the command line's
        headers = {"Authorization": f"Bearer {TOKENS['alice']}"}
        start = threading.Barrier(6)

        def call(_: int) -> int:
            start.wait()
            url = f"{emulator.url}/api/v1/repository/acme/nginx/mirror"
            return requests.get(url, headers=headers, timeout=30).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(call, range(6)))
        elapsed = time.monotonic() - started
        assert statuses == [200] * 6
        counts = stats(emulator)
        assert (counts["calls"], counts["max_serving"]) == (6, 2)
        # Six calls of 0.3 s, two at a time, take three service times at the very least.
        assert elapsed >= 0.9
    finally:
        proc.terminate()
        proc.wait(timeout=10)
