"""The dashboard's Prometheus metrics (``/metrics``, see dashboard/probes.py).

Under gunicorn every worker writes its samples to ``PROMETHEUS_MULTIPROC_DIR`` (set by
dashboard/serving/gunicorn_conf.py) and ``/metrics`` adds them up, whichever worker answers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "dashboard_requests_total", "Requests answered, by view and status.", ["view", "status"]
)
REQUEST_SECONDS = Histogram(
    "dashboard_request_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=LATENCY_BUCKETS,
)
QUAY_CALLS = Counter(
    "dashboard_quay_calls_total",
    "Calls to Quay, by endpoint kind, method and status (or timeout, unreachable).",
    ["endpoint", "method", "status"],
)
QUAY_CALL_SECONDS = Histogram(
    "dashboard_quay_call_seconds",
    "Time Quay took to answer, by endpoint kind.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
QUAY_IN_FLIGHT = Gauge(
    "dashboard_quay_calls_in_flight",
    "Calls to Quay on their way now.",
    multiprocess_mode="livesum",
)
READ_CACHE = Counter(
    "dashboard_read_cache_total",
    "Reads of the read cache, by result (shared: an answer shared by a namespace's viewers).",
    ["result"],
)
THROTTLED = Counter(
    "dashboard_signin_throttled_total", "Sign-in attempts refused by the throttle.", ["kind"]
)

# repository/acme/nginx/mirror -> repository/{repo}/mirror; organization/acme/robots -> ...
_KINDS = [
    (re.compile(r"^repository/[^/]+/[^/]+"), "repository/{repo}"),
    (re.compile(r"^organization/[^/]+"), "organization/{org}"),
    (re.compile(r"/tag/[^/]+"), "/tag/{tag}"),
    (re.compile(r"/robots/[^/]+"), "/robots/{robot}"),
]


def endpoint_kind(path: str) -> str:
    """A Quay API path with its names taken out (a small set of label values)."""
    kind = path.split("?", 1)[0].strip("/")
    if kind.startswith("repository/mirror/"):
        return kind  # mirror/health: no names in it
    for pattern, replacement in _KINDS:
        kind = pattern.sub(replacement, kind)
    return kind or "/"


@contextmanager
def quay_call(method: str, path: str) -> Iterator[dict[str, str]]:
    """Count one call to Quay; the caller puts its status in the yielded dict."""
    kind = endpoint_kind(path)
    outcome = {"status": "error"}
    QUAY_IN_FLIGHT.inc()
    started = time.perf_counter()
    try:
        yield outcome
    finally:
        QUAY_IN_FLIGHT.dec()
        QUAY_CALL_SECONDS.labels(kind).observe(time.perf_counter() - started)
        QUAY_CALLS.labels(kind, method, outcome["status"]).inc()


def exposition() -> tuple[bytes, str]:
    """Every metric in Prometheus' text format: all workers' when under gunicorn, then the
    fleet index's, read at this scrape (``dashboard.watch.metrics``)."""
    import os

    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    from dashboard.watch.metrics import FleetCollector

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    fleet = CollectorRegistry()
    fleet.register(FleetCollector())
    return generate_latest(registry) + generate_latest(fleet), CONTENT_TYPE_LATEST
