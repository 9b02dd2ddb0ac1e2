"""A short per-person cache of Quay's answers to reads (``QUAY_READ_CACHE_SECONDS``).

Every authenticated call costs a real Quay 0.3-0.4 s, and its capacity is shared by every
person and tab. Several tabs of one person, the page after a redirect, a filter typed letter
by letter: they ask Quay the same questions within seconds. :class:`CachingQuayClient`
answers a ``GET`` it has seen for *this person* in the last few seconds from Django's cache
framework (local memory by default, Redis with ``CACHE_URL=redis://…``) and asks Quay
otherwise.

What is safe to cache, and for how long:

* Page loads and the overview's detail fragments read through the cache (at most
  ``QUAY_READ_CACHE_SECONDS`` old): a page drawn from a 5-second-old answer is as true as a
  page that took 5 seconds to draw.
* Anything that decides what to *send* reads fresh (:func:`fresh`): the save workflow's
  conflict check must see a change someone else made a second ago.
* Live status reads (:func:`for_poll`) may share an answer across tabs, but never one older
  than the poll's own interval: a status that polls every 5 s is never shown more than 5 s
  stale, and one tab alone always asks Quay again.
* A write (any method but ``GET``) through the client forgets every read of that person,
  before and after it is sent, so the answer read back after a save or a Sync now is fresh
  and the page that follows is drawn from it. Other people's writes are not seen until
  their answers expire: seconds.

Keys are per person from an HMAC of the token under ``SECRET_KEY``, never the token itself;
errors are never cached (a retry asks Quay again). A read that may use a cached answer and
finds the same read of the same person already on its way to Quay (in this process) waits
for that answer -- or its failure -- instead of asking again: a page asking again for what it
asked a moment ago (a detail batch that answered before its slowest call) adds no load to a
busy Quay, and learns what became of that call.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json as jsonlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from dashboard import metrics

from .client import QuayClient
from .errors import QuayUnauthorized
from .fanout import fan_out

logger = logging.getLogger(__name__)

C = TypeVar("C", bound=QuayClient)
T = TypeVar("T")
_PREFIX = "mdq"
#: How long an answer is kept at most: polls that back off may share answers this old.
KEEP_SECONDS = 60
#: How long the generation of a person's reads is kept (longer than any answer).
GENERATION_SECONDS = 24 * 3600


@dataclass
class _Flight:
    """A read on its way to Quay, that others asking the same may wait for."""

    asked_at: float
    done: threading.Event = field(default_factory=threading.Event)
    body: Any = None
    answered: bool = False
    #: Why it failed (those who waited for it get the same answer: Quay has just said it).
    error: Exception | None = None


_flights: dict[str, _Flight] = {}
_flights_lock = threading.Lock()
_prefetching: list[threading.Thread] = []


def person_key(token: str) -> str:
    """A stable, non-reversible name for the person behind ``token`` (no token in keys)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), token.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


class CachingQuayClient(QuayClient):
    """A :class:`QuayClient` whose ``GET`` answers are shared for ``max_age`` seconds."""

    def __init__(self, token: str, *, max_age: float | None = None, **options: Any) -> None:
        super().__init__(token, **options)
        self._person = person_key(token)
        self.max_age = settings.QUAY_READ_CACHE_SECONDS if max_age is None else max_age

    def __repr__(self) -> str:  # never show the token
        return f"<CachingQuayClient {self.base_url} max_age={self.max_age}>"

    # -- the cache ------------------------------------------------------------------------

    def _generation_key(self) -> str:
        return f"{_PREFIX}:{self._person}:gen"

    def _generation(self) -> int:
        return int(cache.get(self._generation_key()) or 0)

    def forget(self) -> None:
        """Forget every cached read of this person (after one of their writes)."""
        cache.set(self._generation_key(), time.time_ns(), timeout=GENERATION_SECONDS)

    def _key(self, generation: int, path: str, params: Mapping[str, Any] | None) -> str:
        what = jsonlib.dumps([path, sorted((params or {}).items())], default=str)
        digest = hashlib.sha256(what.encode()).hexdigest()[:40]
        return f"{_PREFIX}:{self._person}:{generation}:{digest}"

    def request(self, method: str, path: str, **options: Any) -> Any:
        def ask() -> Any:
            return super(CachingQuayClient, self).request(method, path, **options)

        if method.upper() != "GET":
            self.forget()
            written = _namespace_of(path)
            forget_shared(written)
            try:
                return ask()
            finally:
                self.forget()  # reads that ran alongside the write may predate it
                forget_shared(written)
        if options.get("anonymous"):
            return ask()  # the same for everybody: not this person's to keep
        key = self._key(self._generation(), path, options.get("params"))
        if self.max_age > 0:
            kept = cache.get(key)
            if kept is not None and time.time() - kept[0] <= self.max_age:
                metrics.READ_CACHE.labels("hit").inc()
                return kept[1]  # the cache hands out its own copy
            joined = self._join(key)
            if joined is not None:
                metrics.READ_CACHE.labels("joined").inc()
                return joined[0]
        metrics.READ_CACHE.labels("miss").inc()
        return self._ask(key, ask)

    def _join(self, key: str) -> tuple[Any] | None:
        """The answer of the same read already on its way (``None``: none is, or it did not
        end in time); raises its error when it failed."""
        with _flights_lock:
            flight = _flights.get(key)
        if flight is None or time.time() - flight.asked_at > self.max_age:
            return None
        if not flight.done.wait(max(0.0, self.time_left())):
            return None
        if flight.error is not None:
            raise flight.error
        return (copy.deepcopy(flight.body),) if flight.answered else None

    def _ask(self, key: str, ask: Any) -> Any:
        flight = _Flight(time.time())
        with _flights_lock:
            _flights.setdefault(key, flight)
        try:
            body = ask()
            cache.set(key, (flight.asked_at, body), timeout=KEEP_SECONDS)
            flight.body, flight.answered = body, True
            return body
        except Exception as error:
            flight.error = error
            raise
        finally:
            flight.done.set()
            with _flights_lock:
                if _flights.get(key) is flight:
                    del _flights[key]


# -- answers shared by everyone Quay shows them to ------------------------------------------

#: How long the one who asks for a shared answer that another is already asking for waits.
SHARED_WAIT_SECONDS = 3.0
_WRITTEN = re.compile(r"^/?(?:repository|organization)/([^/]+)/")


def _namespace_of(path: str) -> str | None:
    found = _WRITTEN.match(path)
    return found.group(1) if found else None


def _shared_generation(namespace: str) -> str:
    return str(cache.get(f"{_PREFIX}:shared:{namespace}:gen") or 0)


def forget_shared(namespace: str | None) -> None:
    """Forget the shared answers about ``namespace`` (a write to it through the dashboard:
    whoever looks next sees what it did)."""
    if namespace:
        key = f"{_PREFIX}:shared:{namespace}:gen"
        cache.set(key, time.time_ns(), timeout=GENERATION_SECONDS)


def shared(namespace: str, what: str, fetch: Callable[[], T], seconds: float) -> T | None:
    """An answer about ``namespace`` that is the same for everyone Quay shows it to (the
    caller decides who that is), asked once for all of them every ``seconds``: the first to
    want it asks Quay (with their own token, through ``fetch``); whoever wants it meanwhile
    waits for that answer (at most ``SHARED_WAIT_SECONDS``: ``None`` then, and they go
    without). So its cost does not grow with the number of people looking. Errors are not
    kept: they reach the one who asked."""
    key = f"{_PREFIX}:shared:{namespace}:{_shared_generation(namespace)}:{what}"
    kept = cache.get(key)
    if kept is not None:
        metrics.READ_CACHE.labels("shared").inc()
        return kept
    if cache.add(f"{key}:asking", 1, timeout=max(seconds, 30)):
        try:
            value = fetch()
            cache.set(key, value, timeout=seconds)
            return value
        finally:
            cache.delete(f"{key}:asking")
    deadline = time.monotonic() + SHARED_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        kept = cache.get(key)
        if kept is not None:
            metrics.READ_CACHE.labels("shared").inc()
            return kept
        if cache.get(f"{key}:asking") is None:
            break  # the one asking failed: this one goes without
    return None


def within(client: C, seconds: float) -> C:
    """``client``, reading cached answers at most ``seconds`` old (0: ask Quay, keep the
    answer for others). An uncached client is returned as it is."""
    if not isinstance(client, CachingQuayClient):
        return client
    narrowed = copy.copy(client)
    narrowed.max_age = max(0.0, min(float(seconds), KEEP_SECONDS))
    return narrowed


def fresh(client: C) -> C:
    """``client`` asking Quay for every read (what decides a write must be current)."""
    return within(client, 0)


def for_poll(client: C, interval: float) -> C:
    """``client`` for a live status polled every ``interval`` seconds: tabs may share an
    answer younger than the interval, so no tab shows a status older than its interval and
    a tab alone asks Quay each time."""
    return within(client, max(0.0, interval - 1))


def prefetch(client: QuayClient, calls: Iterable[Callable[[], Any]]) -> None:
    """Start ``calls`` in the background, for their answers to be in the read cache (or on
    their way) when the page asks for them a moment later: Quay works while the page is
    drawn and sent. Nothing is done for an uncached client, or with ``OVERVIEW_PREFETCH``
    off; a failure is only logged (the page's own ask will meet it)."""
    pending = list(calls)
    if not pending or not isinstance(client, CachingQuayClient) or not settings.OVERVIEW_PREFETCH:
        return

    def run() -> None:
        for outcome in fan_out(lambda call: call(), pending):
            if outcome.error is not None:
                logger.info("Prefetch failed: %s", outcome.error.message)

    def guarded() -> None:
        try:
            run()
        except QuayUnauthorized:
            logger.info("Prefetch stopped: the token was refused")

    thread = threading.Thread(target=guarded, name="quay-prefetch", daemon=True)
    with _flights_lock:
        _prefetching[:] = [t for t in _prefetching if t.is_alive()] + [thread]
    thread.start()


def prefetches_done(timeout: float) -> None:
    """Wait for the calls started in the background to end (tests, before the next one)."""
    with _flights_lock:
        running = list(_prefetching)
    for thread in running:
        thread.join(timeout)


def client_for_token(token: str) -> QuayClient:
    """The client a signed-in person's requests use: cached unless the cache is off."""
    if settings.QUAY_READ_CACHE_SECONDS > 0:
        return CachingQuayClient(token)
    return QuayClient(token)
