"""The shared cache (dashboard/cache_backend.py) against a real Redis that is stopped and
frozen: a miss, at the cost of one short wait; sessions still kept in the database; and what
may have changed meanwhile forgotten once it answers again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore

from dashboard.cache_backend import DegradingRedisCache
from tests.support.servers import Redis, redis_server

TIMEOUT = 0.25


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Redis]:
    with redis_server(tmp_path) as started:
        yield started


@pytest.fixture
def cache(server: Redis, settings) -> DegradingRedisCache:
    settings.CACHE_RETRY_SECONDS = 1.0
    options = {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT}
    return DegradingRedisCache(server.url, {"OPTIONS": options})


def timed(call) -> tuple[object, float]:
    started = time.perf_counter()
    return call(), time.perf_counter() - started


def test_a_frozen_redis_costs_one_short_wait_then_nothing(server, cache):
    cache.set("kept", 1)
    server.freeze()
    try:
        value, first = timed(lambda: cache.get("kept"))
        assert value is None and first < TIMEOUT + 0.2
        for call in (
            lambda: cache.get("kept", "default"),
            lambda: cache.set("other", 2),
            lambda: cache.get_many(["kept", "other"]),
            lambda: "kept" in cache,
            lambda: cache.delete("kept"),
        ):
            _, seconds = timed(call)
            assert seconds < 0.05
        assert cache.get("kept", "default") == "default"
        assert cache.add("new", 1) is True  # absent, so added (and dropped)
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert cache.circuit.state().startswith("down for")
    finally:
        server.thaw()


def test_a_stopped_redis_is_a_miss_and_comes_back(server, cache):
    server.stop()
    assert cache.get("anything") is None
    cache.set("written-while-down", 1)
    server.start()
    time.sleep(1.1)  # CACHE_RETRY_SECONDS
    assert cache.get("written-while-down") is None
    cache.set("after", 2)
    assert cache.get("after") == 2 and cache.circuit.state() == "ok"


def test_what_changed_while_frozen_is_forgotten_when_it_answers_again(server, cache):
    cache.set("changed", "old")
    cache.set("untouched", "same")
    cache.set(f"{SessionStore.cache_key_prefix}abc", {"_auth_user_id": "1"})
    server.freeze()
    try:
        cache.set("changed", "new")  # dropped: Redis still has "old"
    finally:
        server.thaw()
    time.sleep(1.1)
    assert cache.get("changed") is None  # not the stale "old"
    assert cache.get(f"{SessionStore.cache_key_prefix}abc") is None  # read from the database
    assert cache.get("untouched") == "same"


@pytest.mark.django_db
def test_sessions_are_kept_in_the_database_while_redis_is_down(server, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.cache_backend.DegradingRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT},
        }
    }
    settings.CACHE_RETRY_SECONDS = 1.0
    server.stop()
    session = SessionStore()
    session["who"] = "alice"
    session.save()
    assert SessionStore(session.session_key).load() == {"who": "alice"}
    assert SessionStore().exists(session.session_key)
    session.flush()
    assert not SessionStore().exists(session.session_key)
