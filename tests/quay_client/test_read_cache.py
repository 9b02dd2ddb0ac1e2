"""The per-person read cache (dashboard/quay/cache.py), counted at the emulator."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from dashboard.quay import cache as read_cache
from dashboard.quay.cache import CachingQuayClient, client_for_token, for_poll, fresh, within
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayServerError
from tests.support.emulator import TOKENS


def _mirror_reads(emulator, repo: str = "acme/nginx") -> int:
    return sum(
        1 for r in emulator.requests_log() if r["path"] == f"/api/v1/repository/{repo}/mirror"
    )


@pytest.fixture
def clock(monkeypatch):
    """The cache's wall clock, moved by hand (no waiting in tests)."""
    now = [1_000_000.0]
    monkeypatch.setattr(read_cache.time, "time", lambda: now[0])
    return now


def test_a_second_read_within_the_time_is_answered_from_the_cache(emulator, clock):
    alice = CachingQuayClient(TOKENS["alice"])
    first = alice.get_mirror("acme", "nginx")
    clock[0] += 4
    assert alice.get_mirror("acme", "nginx") == first
    assert _mirror_reads(emulator) == 1
    clock[0] += 2  # 6 s after the first answer: older than QUAY_READ_CACHE_SECONDS (5)
    alice.get_mirror("acme", "nginx")
    assert _mirror_reads(emulator) == 2


def test_answers_are_per_person(emulator):
    CachingQuayClient(TOKENS["alice"]).get_mirror("acme", "nginx")
    CachingQuayClient(TOKENS["bob"]).get_mirror("acme", "nginx")
    assert _mirror_reads(emulator) == 2
    users = [r["user"] for r in emulator.requests_log() if r["path"].endswith("nginx/mirror")]
    assert users == ["alice", "bob"]


def test_keys_name_no_token(emulator):
    CachingQuayClient(TOKENS["alice"]).get_mirror("acme", "nginx")
    keys = list(cache._cache)  # local memory: the keys as stored
    assert keys and not any(TOKENS["alice"] in key for key in keys)
    assert all(read_cache.person_key(TOKENS["alice"]) in key for key in keys)


def test_a_write_forgets_that_persons_reads(emulator):
    alice = CachingQuayClient(TOKENS["alice"])
    bob = CachingQuayClient(TOKENS["bob"])
    alice.get_mirror("acme", "redis")
    bob.get_mirror("acme", "redis")
    alice.sync_now("acme", "redis")
    assert alice.get_mirror("acme", "redis").sync_status == "SYNC_NOW"  # read again
    bob.get_mirror("acme", "redis")  # bob's answer is his own: kept for its few seconds
    assert _mirror_reads(emulator, "acme/redis") == 3


def test_a_failed_read_is_not_kept(emulator):
    alice = CachingQuayClient(TOKENS["alice"])
    emulator.configure(fail={"/api/v1/repository/acme/nginx/mirror": 503})
    with pytest.raises(QuayServerError):
        alice.get_mirror("acme", "nginx")
    emulator.configure(fail={})
    alice.get_mirror("acme", "nginx")
    alice.get_mirror("acme", "nginx")
    assert _mirror_reads(emulator) == 2


def test_fresh_asks_quay_and_keeps_the_answer_for_later_reads(emulator):
    alice = CachingQuayClient(TOKENS["alice"])
    alice.get_mirror("acme", "nginx")
    fresh(alice).get_mirror("acme", "nginx")
    alice.get_mirror("acme", "nginx")
    assert _mirror_reads(emulator) == 2


def test_a_poll_never_gets_an_answer_as_old_as_its_interval(emulator, clock):
    alice = CachingQuayClient(TOKENS["alice"])
    polling = for_poll(alice, 30)
    polling.get_mirror_health("acme")
    clock[0] += 20  # another tab, 20 s later, polling every 30 s: shares the answer
    polling.get_mirror_health("acme")
    clock[0] += 10  # the first tab's next poll, 30 s after its answer: asks Quay
    polling.get_mirror_health("acme")
    health = [r for r in emulator.requests_log() if r["path"].endswith("/mirror/health")]
    assert len(health) == 2


def test_within_leaves_an_uncached_client_as_it_is(settings):
    plain = QuayClient(TOKENS["alice"])
    assert within(plain, 3) is plain


def test_zero_seconds_turns_the_cache_off(settings):
    settings.QUAY_READ_CACHE_SECONDS = 0
    assert type(client_for_token(TOKENS["alice"])) is QuayClient
    settings.QUAY_READ_CACHE_SECONDS = 5
    assert isinstance(client_for_token(TOKENS["alice"]), CachingQuayClient)


def test_the_client_never_shows_the_token():
    assert TOKENS["alice"] not in repr(CachingQuayClient(TOKENS["alice"]))


def test_the_same_read_on_its_way_is_waited_for_not_asked_again(emulator, monkeypatch):
    """A detail batch that answered before its slowest call asks again a moment later: the
    read still on its way is waited for, so a busy Quay gets no second call."""
    import threading

    entered, release = threading.Event(), threading.Event()
    real = QuayClient.request

    def slow_first(self, method, path, **options):
        if not entered.is_set():
            entered.set()
            release.wait(30)
        return real(self, method, path, **options)

    monkeypatch.setattr(QuayClient, "request", slow_first)
    alice = CachingQuayClient(TOKENS["alice"])
    answers = []
    first = threading.Thread(target=lambda: answers.append(alice.get_mirror("acme", "nginx")))
    first.start()
    assert entered.wait(30)
    second = threading.Thread(target=lambda: answers.append(alice.get_mirror("acme", "nginx")))
    second.start()
    release.set()
    first.join(30)
    second.join(30)
    assert len(answers) == 2 and answers[0] == answers[1]
    assert _mirror_reads(emulator) == 1


def test_who_waited_for_a_read_that_failed_gets_its_failure(emulator, monkeypatch):
    import threading

    entered, release = threading.Event(), threading.Event()
    asked = []

    def failing(self, method, path, **options):
        asked.append(path)
        entered.set()
        release.wait(30)
        raise QuayServerError(status=504)

    monkeypatch.setattr(QuayClient, "request", failing)
    alice = CachingQuayClient(TOKENS["alice"])
    errors = []

    def read() -> None:
        try:
            alice.get_mirror("acme", "nginx")
        except QuayServerError as error:
            errors.append(error.status)

    first = threading.Thread(target=read)
    first.start()
    assert entered.wait(30)
    second = threading.Thread(target=read)
    second.start()
    release.set()
    first.join(30)
    second.join(30)
    assert errors == [504, 504] and len(asked) == 1


def test_a_shared_answer_is_asked_once_by_those_wanting_it_at_once():
    """Ten people wanting a namespace's shared answer at the same moment: one asks Quay, the
    others wait for that answer; a write to the namespace makes the next one ask again."""
    cache.clear()
    asked = []
    gate = threading.Barrier(10)

    def fetch() -> str:
        asked.append(1)
        time.sleep(0.3)  # a real Quay's pace
        return "health of acme"

    def want() -> None:
        gate.wait()
        got.append(read_cache.shared("acme", "health", fetch, 10))

    got: list[str | None] = []
    threads = [threading.Thread(target=want) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(asked) == 1 and got == ["health of acme"] * 10
    assert read_cache.shared("globex", "health", fetch, 10) == "health of acme"  # its own
    read_cache.forget_shared("acme")
    read_cache.shared("acme", "health", fetch, 10)
    assert len(asked) == 3


def test_a_shared_answer_that_failed_is_not_kept():
    cache.clear()

    def fail() -> str:
        raise QuayServerError("Quay answered 500.")

    with pytest.raises(QuayServerError):
        read_cache.shared("acme", "health", fail, 10)
    assert read_cache.shared("acme", "health", lambda: "read again", 10) == "read again"
