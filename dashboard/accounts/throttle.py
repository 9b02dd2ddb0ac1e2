"""Throttling of sign-in, counted in the database (``ThrottleWindow``): every worker of every
instance counts together, with or without a shared cache.

* **per client** (:func:`dashboard.http.client_address`: its address, or the one a trusted
  proxy reports): at most ``SIGNIN_FAILURES_PER_CLIENT`` wrong pasted tokens a window of
  ``SIGNIN_THROTTLE_SECONDS``; after that every token is refused *before* Quay is asked;
* **per browser session**, for Quay's OAuth callback: the sign-ins a browser started that came
  back failed (another state, no code, a code Quay refused) count against that browser's
  session, which may then start no new one until its window ends. A callback for a sign-in
  this browser did not start (an ``<img>`` or a link on any web page) counts against nobody:
  it locks no one out, and nothing is sent to Quay for it;
* **per account**: at most ``SIGNIN_PER_ACCOUNT`` sign-ins of one Quay user a window, from
  anywhere (a leaked token sprayed from many addresses).

A window starts at the first attempt it counts and ends ``SIGNIN_THROTTLE_SECONDS`` later
(fixed windows on the clock let a burst that straddles a boundary through twice); its start,
kept beside the count, lets a refusal say when to retry. Each count is raised by one
conditional update, so attempts that arrive together on several workers are all counted.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from dashboard import metrics
from dashboard.http import client_address

from .models import ThrottleWindow

logger = logging.getLogger(__name__)


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
    return f"{kind}:{digest}"


def _window(kind: str, who: str) -> tuple[int, int]:
    """The attempts of ``who`` in its current window, and the seconds until it ends."""
    now = datetime.fromtimestamp(_now(), UTC)
    window = (
        ThrottleWindow.objects.filter(
            key=_key(kind, who), started__gt=now - timedelta(seconds=_seconds())
        )
        .values_list("count", "started")
        .first()
    )
    if window is None:
        return 0, 0
    count, started = window
    return count, max(1, math.ceil((started - now).total_seconds() + _seconds()))


def _add(kind: str, who: str) -> int:
    """Count one attempt of ``who``; its attempts in this window, this one included."""
    key = _key(kind, who)
    now = datetime.fromtimestamp(_now(), UTC)
    ended = now - timedelta(seconds=_seconds())
    for _ in range(3):  # a window another worker creates at the same moment: count in it
        with transaction.atomic():
            windows = ThrottleWindow.objects.filter(key=key)
            if windows.filter(started__gt=ended).update(count=F("count") + 1):
                return windows.values_list("count", flat=True).get()
            if windows.filter(started__lte=ended).update(count=1, started=now):
                return 1  # the window had ended: this attempt begins the next one
            try:
                with transaction.atomic():
                    ThrottleWindow.objects.create(key=key, count=1, started=now)
            except IntegrityError:
                continue
            ThrottleWindow.objects.filter(started__lte=ended).delete()  # ended ones: gone
            return 1
    raise RuntimeError("the throttle's count could not be raised")  # pragma: no cover


def check_client(request: HttpRequest, what: str) -> Refusal | None:
    """Refuse an attempt from a client that failed too often in this window."""
    address = client_address(request)
    failures, retry_after = _window("client", address)
    if failures < settings.SIGNIN_FAILURES_PER_CLIENT:
        return None
    metrics.THROTTLED.labels("client").inc()
    logger.warning(
        "%s sign-in throttled: client %s (%d failed attempts in this %d s window)",
        what,
        address,
        failures,
        settings.SIGNIN_THROTTLE_SECONDS,
    )
    return Refusal(retry_after)


def failed(request: HttpRequest, what: str, reason: str) -> None:
    """Count a failed attempt of the client (and log it with its address)."""
    address = client_address(request)
    failures = _add("client", address)
    logger.warning("%s sign-in failed: client %s (%s), %d so far", what, address, reason, failures)


def check_session(request: HttpRequest, what: str) -> Refusal | None:
    """Refuse to start a sign-in in a browser whose started sign-ins failed too often."""
    session = request.session.session_key
    if session is None:
        return None  # a browser that never started one
    failures, retry_after = _window("session", session)
    if failures < settings.SIGNIN_FAILURES_PER_CLIENT:
        return None
    metrics.THROTTLED.labels("session").inc()
    logger.warning(
        "%s sign-in throttled: %d sign-ins this browser started failed in this %d s window, "
        "client %s",
        what,
        failures,
        settings.SIGNIN_THROTTLE_SECONDS,
        client_address(request),
    )
    return Refusal(retry_after)


def failed_session(request: HttpRequest, what: str, reason: str) -> None:
    """Count a failed sign-in against the browser session that started it."""
    session = request.session.session_key
    if session is None:  # pragma: no cover - a started sign-in was saved in its session
        return
    failures = _add("session", session)
    logger.warning(
        "%s sign-in failed: a sign-in this browser started (%s), %d so far, client %s",
        what,
        reason,
        failures,
        client_address(request),
    )


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
    return Refusal(_window("account", username)[1])
