"""``/healthz``, ``/readyz`` and ``/metrics``: cheap, unauthenticated (``/metrics`` guarded by
``METRICS_TOKEN`` / ``METRICS_ALLOWED_NETWORKS``), answered before any other middleware so
that a probe sent to the pod's address (not one of ``ALLOWED_HOSTS``), over plain HTTP, gets
its answer and no redirect.

Anyone gets a probe's status; what was checked and why it failed (which may name a host, a
port, a driver's words) only whoever may read ``/metrics``. Quay is asked at most once every
``READYZ_QUAY_SECONDS`` per process, in a call budget of its own (never behind people's
calls), however many probes come: the others share its last answer."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse

from dashboard import metrics
from dashboard.http import client_address, in_networks
from dashboard.quay.budget import CallBudget
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError

logger = logging.getLogger(__name__)
READY_TIMEOUT = 3.0


def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (nothing else is asked: a liveness probe)."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    key = f"readyz:{secrets.token_hex(4)}"
    cache.set(key, 1, timeout=10)
    if cache.get(key) != 1:
        circuit = getattr(cache, "circuit", None)  # a cache that degrades says why
        why = circuit.state() if circuit is not None else ""
        raise RuntimeError(
            why if why and why != "ok" else "a value written to the cache could not be read back"
        )
    cache.delete(key)


def _timed(check: Callable[[], None]) -> str:
    """``ok (N ms)``, or ``failed: why`` (any driver's error: the probe says it, never a 500)."""
    started = time.perf_counter()
    try:
        check()
    except QuayError as error:
        return f"failed: {error.message}"
    except Exception as error:
        return f"failed: {type(error).__name__}: {error}"
    return f"ok ({(time.perf_counter() - started) * 1000:.0f} ms)"


class QuayCheck:
    """Quay's check (one anonymous call), made at most once every ``READYZ_QUAY_SECONDS`` by
    this process. While one probe asks Quay, the others answer with the last result at once;
    only the process's very first probes wait for it (at most the call's timeout)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[float, str] | None = None
        # The probes' own slot: a saturated budget of people's calls never delays them.
        self._budget = CallBudget(1)

    def _fresh(self) -> tuple[float, str] | None:
        last = self._last
        if last is not None and time.monotonic() - last[0] < settings.READYZ_QUAY_SECONDS:
            return last
        return None

    def _ask(self) -> None:
        QuayClient("", timeout=READY_TIMEOUT, budget=self._budget).request(
            "GET", "registry/capabilities", anonymous=True
        )

    def result(self) -> str:
        if (fresh := self._fresh()) is not None:
            return fresh[1]
        last = self._last
        if last is None:
            acquired = self._lock.acquire(timeout=READY_TIMEOUT + 1)
        else:
            acquired = self._lock.acquire(blocking=False)
        if not acquired:  # another probe is asking Quay now
            return last[1] if last else "failed: Quay's check did not finish in time"
        try:
            if (fresh := self._fresh()) is not None:
                return fresh[1]
            result = _timed(self._ask)
            self._last = (time.monotonic(), result)
        finally:
            self._lock.release()
        if result.startswith("failed"):
            logger.warning("Quay's check for /readyz: %s", result)
        return result

    def forget(self) -> None:
        self._last = None


QUAY = QuayCheck()


@receiver(setting_changed)
def _another_quay(*, setting: str, **_: Any) -> None:
    """Tests point the dashboard at another Quay: its first probe asks it."""
    if setting in ("QUAY_URL", "READYZ_QUAY_SECONDS"):
        QUAY.forget()


CHECKS: dict[str, Callable[[], str]] = {
    "database": lambda: _timed(_database),
    "cache": lambda: _timed(_cache),
    "quay": QUAY.result,
}


def _decides(check: str) -> bool:
    """Whether a failed check makes the instance not ready. Quay's only with
    ``READYZ_REQUIRES_QUAY`` (the pages say Quay's trouble in their own words); the cache's
    not when it degrades (``cache_backend``: the pages go without it, and taking every
    replica out of the balancer for it would turn a slower dashboard into none)."""
    if check == "quay":
        return settings.READYZ_REQUIRES_QUAY
    if check == "cache":
        return getattr(cache, "circuit", None) is None
    return True


def readyz(request: HttpRequest) -> HttpResponse:
    """The database, the cache and Quay answer; 503 when one that decides did not (Quay only
    with ``READYZ_REQUIRES_QUAY``: off, its failure is reported, not deciding). The status
    alone, unless the caller may see the details (:func:`metrics_allowed`)."""
    results = {name: check() for name, check in CHECKS.items()}
    failed = [name for name, result in results.items() if result.startswith("failed")]
    deciding = [name for name in failed if _decides(name)]
    if deciding:  # (Quay's failure is logged once a check, not once a probe)
        logger.warning(
            "Not ready: %s",
            "; ".join(f"{n} {results[n]}" if n != "quay" else "quay" for n in deciding),
        )
    if not metrics_allowed(request):
        status = "failed" if deciding else "ok"
        return JsonResponse({"status": status}, status=503 if deciding else 200)
    if deciding:
        status = "failed: " + ", ".join(deciding)
    else:
        status = f"ok ({', '.join(f'{name} failed' for name in failed)})" if failed else "ok"
    return JsonResponse({"status": status, "checks": results}, status=503 if deciding else 200)


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether the caller may read ``/metrics`` (and the probes' details): metrics are on,
    and it has the token (if one is set) and its address is in the networks (if set), the
    address as a trusted proxy reports it (:func:`dashboard.http.client_address`)."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not (token or networks):
        return False
    if token:
        given = request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return False
    return not networks or in_networks(client_address(request), networks)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format; 404 while neither a token nor networks are set (off)."""
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS):
        return HttpResponse(
            "Metrics are off (set METRICS_TOKEN or METRICS_ALLOWED_NETWORKS).\n",
            status=404,
            content_type="text/plain",
        )
    if not metrics_allowed(request):
        return HttpResponse("Not allowed.\n", status=403, content_type="text/plain")
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class ProbesMiddleware:
    """Answers the probe paths before host checks, HTTPS redirects, sessions and CSRF."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        response = probe(request)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RequestMetricsMiddleware:
    """Counts every answer by view and status, and times it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        path = request.path_info.rstrip("/")
        match = getattr(request, "resolver_match", None)
        if path in PROBES:
            view = "probe" + path.replace("/", ":")
        elif match is not None:
            view = match.view_name
        elif request.path_info.startswith(f"/{settings.STATIC_URL.strip('/')}/"):
            view = "static"
        else:
            view = "unresolved"
        metrics.REQUEST_SECONDS.labels(view).observe(time.perf_counter() - started)
        metrics.REQUESTS.labels(view, str(response.status_code)).inc()
        return response
