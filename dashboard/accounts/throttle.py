"""Throttling of sign-in (pasted tokens and Quay's OAuth callback), shared by every instance
through Django's cache (Redis when ``CACHE_URL`` names it).

* **per client** (its address; behind ``DJANGO_BEHIND_PROXY``, the one the proxy added to
  ``X-Forwarded-For``): at most ``SIGNIN_FAILURES_PER_CLIENT`` failed attempts a window of
  ``SIGNIN_THROTTLE_SECONDS``; after that every attempt is refused *before* Quay is asked;
* **per account**: at most ``SIGNIN_PER_ACCOUNT`` sign-ins of one Quay user a window, from
  anywhere (a leaked token sprayed from many addresses).

Windows are fixed (the counter's key names the window), so a refusal can say when to retry.
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


def _window() -> tuple[int, int]:
    seconds = max(1, settings.SIGNIN_THROTTLE_SECONDS)
    now = time.time()
    return int(now // seconds), math.ceil(seconds - now % seconds)


def _key(kind: str, who: str, window: int) -> str:
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"signin-throttle:{kind}:{digest}:{window}"


def _count(kind: str, who: str) -> int:
    window, _ = _window()
    return int(cache.get(_key(kind, who, window)) or 0)


def _add(kind: str, who: str) -> int:
    window, left = _window()
    key = _key(kind, who, window)
    cache.add(key, 0, timeout=left + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=left + 5)
        return 1


def check_client(request: HttpRequest, what: str) -> Refusal | None:
    """Refuse an attempt from a client that failed too often in this window."""
    address = client_address(request)
    failures = _count("client", address)
    if failures < settings.SIGNIN_FAILURES_PER_CLIENT:
        return None
    refusal = Refusal(_window()[1])
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
    return Refusal(_window()[1])
