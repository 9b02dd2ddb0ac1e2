"""Throttling of sign-in (pasted tokens and Quay's OAuth callback), shared by every instance
through Django's cache (Redis when ``CACHE_URL`` names it).

* **per client** (its address; behind ``DJANGO_BEHIND_PROXY``, the one the proxy added to
  ``X-Forwarded-For``): at most ``SIGNIN_FAILURES_PER_CLIENT`` failed attempts a window of
  ``SIGNIN_THROTTLE_SECONDS``; after that every attempt is refused *before* Quay is asked;
* **per account**: at most ``SIGNIN_PER_ACCOUNT`` sign-ins of one Quay user a window, from
  anywhere (a leaked token sprayed from many addresses).

A window starts at the first attempt it counts and ends ``SIGNIN_THROTTLE_SECONDS`` later
(fixed windows on the clock let a burst that straddles a boundary through twice, and reset a
count in the middle of an attack); the counter keeps its expiry when it is raised (Redis and
local memory do), and the window's start, kept beside it, lets a refusal say when to retry.
(Django's database and file caches re-set a raised counter with their default timeout: each
failure then lengthens the window, stricter than the setting says, never looser.)
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from dashboard import metrics

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or behind the proxy the last ``X-Forwarded-For``
    entry (the one the proxy added; those before it the client may have made up)."""
    if settings.BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@dataclass(frozen=True)
class Refusal:
    retry_after: int

    @property
    def message(self) -> str:
        return (
            "Too many sign-in attempts: nothing was sent to Quay. Try again in "
            f"{self.retry_after} s."
        )


def _now() -> float:
    return time.time()


def _seconds() -> int:
    return max(1, settings.SIGNIN_THROTTLE_SECONDS)


def _key(kind: str, who: str) -> str:
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"signin-throttle:{kind}:{digest}"


def _count(kind: str, who: str) -> int:
    return int(cache.get(_key(kind, who)) or 0)


def _retry_after(kind: str, who: str) -> int:
    """Seconds until the window of ``who`` ends (the whole length if its start is unknown)."""
    started = cache.get(_key(kind, who) + ":start")
    if started is None:
        return _seconds()
    return max(1, math.ceil(float(started) + _seconds() - _now()))


def _add(kind: str, who: str) -> int:
    key = _key(kind, who)
    if cache.add(key, 0, timeout=_seconds()):  # the first attempt of a new window
        cache.set(key + ":start", _now(), timeout=_seconds())
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr: a new one
        cache.set(key, 1, timeout=_seconds())
        cache.set(key + ":start", _now(), timeout=_seconds())
        return 1


def check_client(request: HttpRequest, what: str) -> Refusal | None:
    """Refuse an attempt from a client that failed too often in this window."""
    address = client_address(request)
    failures = _count("client", address)
    if failures < settings.SIGNIN_FAILURES_PER_CLIENT:
        return None
    refusal = Refusal(_retry_after("client", address))
    metrics.THROTTLED.labels("client").inc()
    logger.warning(
        "%s sign-in throttled: client %s (%d failed attempts in this %d s window)",
        what,
        address,
        failures,
        settings.SIGNIN_THROTTLE_SECONDS,
    )
    return refusal


def failed(request: HttpRequest, what: str, reason: str) -> None:
    """Count a failed attempt of the client (and log it with its address)."""
    address = client_address(request)
    failures = _add("client", address)
    logger.warning("%s sign-in failed: client %s (%s), %d so far", what, address, reason, failures)


def check_account(request: HttpRequest, username: str, what: str) -> Refusal | None:
    """Count a sign-in of ``username``; refuse it past the limit of this window."""
    count = _add("account", username)
    if count <= settings.SIGNIN_PER_ACCOUNT:
        return None
    metrics.THROTTLED.labels("account").inc()
    logger.warning(
        "%s sign-in throttled: account %s (%d sign-ins in this window), client %s",
        what,
        username,
        count,
        client_address(request),
    )
    return Refusal(_retry_after("account", username))
