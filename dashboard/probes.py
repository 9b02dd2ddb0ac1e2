"""``/healthz``, ``/readyz`` and ``/metrics``: cheap, unauthenticated (``/metrics`` guarded by
``METRICS_TOKEN`` / ``METRICS_ALLOWED_NETWORKS``), answered before any other middleware so
that a probe sent to the pod's address (not one of ``ALLOWED_HOSTS``), over plain HTTP, gets
its answer and no redirect."""

from __future__ import annotations

import ipaddress
import logging
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from dashboard import metrics
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
        raise RuntimeError("a value written to the cache could not be read back")
    cache.delete(key)


def _quay() -> None:
    QuayClient("", timeout=READY_TIMEOUT).request("GET", "registry/capabilities", anonymous=True)


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "quay": _quay}


def readyz(request: HttpRequest) -> HttpResponse:
    """The database, the cache and Quay (one anonymous call) answer; 503 says which did not
    (Quay's check only reported, not deciding, with ``READYZ_REQUIRES_QUAY`` off)."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except QuayError as error:
            results[name] = f"failed: {error.message}"
        except Exception as error:  # any driver's error: the probe says it, never a 500
            results[name] = f"failed: {type(error).__name__}: {error}"
        else:
            results[name] = f"ok ({(time.perf_counter() - started) * 1000:.0f} ms)"
    failed = [name for name, result in results.items() if result.startswith("failed")]
    if not settings.READYZ_REQUIRES_QUAY and failed == ["quay"]:
        # Ready all the same: the pages say "Quay cannot be reached" themselves.
        logger.warning("Quay does not answer (ready all the same): %s", results["quay"])
        return JsonResponse({"status": "ok (quay failed)", "checks": results})
    if failed:
        logger.warning("Not ready: %s", "; ".join(f"{n} {results[n]}" for n in failed))
    return JsonResponse(
        {"status": "failed: " + ", ".join(failed) if failed else "ok", "checks": results},
        status=503 if failed else 200,
    )


def _metrics_allowed(request: HttpRequest) -> bool:
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if token:
        given = request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return False
    if networks:
        try:
            peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        if not any(peer in ipaddress.ip_network(net, strict=False) for net in networks):
            return False
    return True


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format; 404 while neither a token nor networks are set (off)."""
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS):
        return HttpResponse(
            "Metrics are off (set METRICS_TOKEN or METRICS_ALLOWED_NETWORKS).\n",
            status=404,
            content_type="text/plain",
        )
    if not _metrics_allowed(request):
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
