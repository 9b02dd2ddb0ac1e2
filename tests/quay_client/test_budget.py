"""The dashboard's budget of calls to Quay, against the emulator over real HTTP.

A process-wide cap on calls in flight (``QUAY_MAX_INFLIGHT``), 429 answers waited out as
``Retry-After`` asks when that fits in the timeout, and an HTTP session that reads neither
the environment's proxies nor ``~/.netrc``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.quay.budget import MAX_RATE_LIMIT_RETRIES
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    QuayBusy,
    QuayRateLimited,
    QuayServerError,
    QuayTimeout,
    QuayUnreachable,
)
from dashboard.quay.models import SyncStatus
from tests.support.emulator import TOKENS, Emulator, free_port
from tests.support.quay_api import counting_from_zero, stats, wait_until

CALLERS = 50


@pytest.fixture
def quay(emulator: Emulator) -> QuayClient:
    return QuayClient(TOKENS["alice"])


def statuses(emulator: Emulator, method: str, path: str) -> list[int]:
    """What Quay answered, in order, to the calls it received for ``method path``."""
    log = emulator.requests_log()
    return [e["status"] for e in log if (e["method"], e["path"]) == (method, f"/api/v1/{path}")]


# -- QUAY_MAX_INFLIGHT --------------------------------------------------------------------


def test_calls_in_flight_never_exceed_quay_max_inflight(emulator: Emulator, settings) -> None:
    settings.QUAY_MAX_INFLIGHT = 4
    emulator.configure(latency_ms=100)  # so that calls overlap
    counting_from_zero(emulator)
    start = threading.Barrier(CALLERS)

    def call(_: int) -> SyncStatus:
        start.wait()
        return QuayClient(TOKENS["alice"]).get_mirror("acme", "nginx").sync_status

    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        results = list(pool.map(call, range(CALLERS)))
    assert results == [SyncStatus.SUCCESS] * CALLERS
    counts = stats(emulator)
    assert counts["calls"] == CALLERS
    assert 3 <= counts["max_inflight"] <= 4  # never more than the limit, and calls overlapped


def test_a_call_that_cannot_start_in_time_says_quay_is_busy(emulator: Emulator, settings) -> None:
    settings.QUAY_MAX_INFLIGHT = 1
    emulator.configure(hang=["/api/v1/repository/acme/nginx"])
    counting_from_zero(emulator)
    with ThreadPoolExecutor(max_workers=1) as pool:
        hung = pool.submit(QuayClient(TOKENS["alice"], timeout=30).get_mirror, "acme", "nginx")
        wait_until(lambda: stats(emulator)["inflight"] == 1, "the hung call holds the slot")
        with pytest.raises(QuayBusy) as excinfo:
            QuayClient(TOKENS["alice"], timeout=0.5).get_user()
        assert isinstance(excinfo.value, QuayTimeout)
        assert excinfo.value.message.startswith("Quay is busy: the dashboard already has 1 call")
        assert statuses(emulator, "GET", "user/") == []  # it was never sent
        emulator.reset()
        with pytest.raises(QuayServerError):
            hung.result(timeout=10)


# -- 429 and Retry-After ------------------------------------------------------------------


def test_a_429_is_waited_out_and_the_call_sent_again(quay: QuayClient, emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=1, retry_after=1)
    assert quay.get_mirror("acme", "nginx").sync_status is SyncStatus.SUCCESS
    assert statuses(emulator, "GET", "repository/acme/nginx/mirror") == [429, 200]


def test_a_rate_limited_sync_now_is_sent_again(quay: QuayClient, emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=1, retry_after=0)
    quay.sync_now("acme", "redis")
    assert statuses(emulator, "POST", "repository/acme/redis/mirror/sync-now") == [429, 204]
    assert emulator.mirror("acme", "redis")["sync_status"] == "SYNC_NOW"


def test_a_retry_after_longer_than_the_timeout_is_not_waited(emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=5, retry_after=30)
    with pytest.raises(QuayRateLimited) as excinfo:
        QuayClient(TOKENS["alice"], timeout=2).get_mirror("acme", "nginx")
    assert excinfo.value.retry_after == 30
    assert "asked to wait 30 s" in excinfo.value.message
    assert statuses(emulator, "GET", "repository/acme/nginx/mirror") == [429]


def test_429s_are_retried_a_few_times_only(quay: QuayClient, emulator: Emulator) -> None:
    emulator.configure(rate_limit_calls=100, retry_after=0)
    with pytest.raises(QuayRateLimited) as excinfo:
        quay.get_user()
    assert "still refused" in excinfo.value.message
    assert statuses(emulator, "GET", "user/") == [429] * (MAX_RATE_LIMIT_RETRIES + 1)


def test_a_429_without_retry_after_is_not_retried(quay: QuayClient, emulator: Emulator) -> None:
    emulator.configure(fail={"/api/v1/user/": 429})
    with pytest.raises(QuayRateLimited) as excinfo:
        quay.get_user()
    assert excinfo.value.retry_after is None
    assert statuses(emulator, "GET", "user/") == [429]


# -- a write Quay applied after the dashboard gave up ------------------------------------


def test_a_write_that_timed_out_may_have_been_applied(emulator: Emulator) -> None:
    path = "repository/acme/redis/mirror"
    emulator.configure(delay_after_write={f"/api/v1/{path}": 60})
    with pytest.raises(QuayTimeout):
        QuayClient(TOKENS["alice"], timeout=1).update_mirror("acme", "redis", {"sync_interval": 60})
    wait_until(lambda: statuses(emulator, "PUT", path) == [201], "Quay has applied the PUT")
    assert QuayClient(TOKENS["alice"]).get_mirror("acme", "redis").sync_interval == 60


# -- the HTTP session ---------------------------------------------------------------------


def test_proxy_variables_of_the_environment_are_not_used(
    quay: QuayClient, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with monkeypatch.context() as environment:  # (the tests' own control calls would obey it)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            environment.setenv(name, dead)
            environment.setenv(name.lower(), dead)
        environment.delenv("NO_PROXY", raising=False)
        environment.delenv("no_proxy", raising=False)
        assert quay.get_user().username == "alice"
    assert statuses(emulator, "GET", "user/") == [200]


def test_a_netrc_entry_does_not_replace_the_persons_token(
    quay: QuayClient, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login intruder password s3cret\n")
    netrc.chmod(0o600)
    with monkeypatch.context() as environment:
        environment.setenv("NETRC", str(netrc))
        assert quay.get_user().username == "alice"
    assert emulator.requests_log()[-1]["user"] == "alice"


def test_quay_http_proxy_carries_the_calls(emulator: Emulator, settings) -> None:
    # The emulator answers a request in a proxy's absolute form as the server behind it would.
    settings.QUAY_HTTP_PROXY = emulator.url
    client = QuayClient(TOKENS["alice"], base_url="http://quay.example.invalid")
    assert client.get_user().username == "alice"
    assert statuses(emulator, "GET", "user/") == [200]


def test_an_unreachable_quay_http_proxy_is_unreachable(emulator: Emulator, settings) -> None:
    settings.QUAY_HTTP_PROXY = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(QuayUnreachable):
        QuayClient(TOKENS["alice"]).get_user()
    assert statuses(emulator, "GET", "user/") == []


def test_a_write_is_not_sent_with_too_little_of_its_time_left(emulator: Emulator, settings) -> None:
    """A write that waited for a slot until little of its timeout was left would time out
    after Quay may have acted: it is not sent at all (busy), so nothing is unknown."""
    settings.QUAY_MAX_INFLIGHT = 1
    emulator.configure(hang=["/api/v1/repository/acme/nginx"])
    counting_from_zero(emulator)
    with ThreadPoolExecutor(max_workers=2) as pool:
        hung = pool.submit(QuayClient(TOKENS["alice"], timeout=30).get_mirror, "acme", "nginx")
        wait_until(lambda: stats(emulator)["inflight"] == 1, "the hung call holds the slot")
        writer = pool.submit(QuayClient(TOKENS["alice"], timeout=4).sync_now, "acme", "redis")
        time.sleep(2.5)  # the write waits for the slot longer than half its timeout
        emulator.reset()  # frees the slot (the hung call answers)
        with pytest.raises(QuayBusy):
            writer.result(timeout=10)
        with pytest.raises(QuayServerError):
            hung.result(timeout=10)
    assert statuses(emulator, "POST", "repository/acme/redis/mirror/sync-now") == []
