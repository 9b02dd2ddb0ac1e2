"""gunicorn's configuration for the dashboard, every value from the environment.

    gunicorn --config python:dashboard.serving.gunicorn_conf dashboard.wsgi

The defaults suit a 2-core pod: 2 worker processes of 16 threads each. A request spends most
of its time waiting for Quay (0.3-0.4 s a call on a real one), not on a core, so threads are
sized for those waits (see docs/deploying.md).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import environ
from gunicorn.workers import gthread

from dashboard.serving import metrics_setup, worker

# The same .env file as the settings (the environment wins).
environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "dashboard.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]
# gunicorn's gthread, with a deadline for reading each request (dashboard/serving/worker.py).
worker_class = "dashboard.serving.worker.ThreadWorker"
workers = _int("GUNICORN_WORKERS", 2)
threads = _int("GUNICORN_THREADS", 16)
# Connections a worker holds at once (in requests, and idle between keep-alive requests).
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)
backlog = _int("GUNICORN_BACKLOG", 2048)
# A worker silent for this long (a request stuck that long) is restarted.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection is kept (the load balancer's should be longer).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle a worker after this many requests (0: never), spread so that not all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# A request reached directly (not through the proxy, which takes whole requests first) must
# arrive, headers and body, within this many seconds of a thread taking it: a client sending
# it a byte at a time holds a thread that long at most (gunicorn's own wait has no end).
worker.REQUEST_READ_SECONDS = float(os.environ.get("GUNICORN_REQUEST_READ_SECONDS") or 10)
worker.WRITE_SECONDS = float(timeout)
# Addresses whose X-Forwarded-Proto is believed (the load balancer's); Django's own
# DJANGO_BEHIND_PROXY decides what the application trusts.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# A new connection holds a thread until its first bytes come or this many seconds pass, then
# waits in the poller (gunicorn's own wait is 5 s: 300 silent connections would hold 16
# threads for a minute and a half). A proxy or a browser sends its request at once.
FIRST_BYTES_WAIT = float(os.environ.get("GUNICORN_FIRST_BYTES_WAIT") or 0.25)
if hasattr(gthread, "DEFAULT_WORKER_DATA_TIMEOUT"):
    gthread.DEFAULT_WORKER_DATA_TIMEOUT = FIRST_BYTES_WAIT

logger_class = "dashboard.serving.access_log.EscapingLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()
# The client as the load balancer saw it (X-Forwarded-For) beside the peer address.
access_log_format = (
    '%(h)s fwd=%({x-forwarded-for}i)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)
proc_name = "mirror-dashboard"
# gunicorn's control socket is one path per user: several instances on a host would share it.
control_socket_disable = True


def on_starting(server) -> None:
    """One directory for every worker's metrics (prometheus-client's multiprocess mode)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="md-metrics-")
        server._md_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    metrics_setup.clear_dir(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def child_exit(server, worker) -> None:
    metrics_setup.worker_exited(worker.pid)


def on_exit(server) -> None:
    created = getattr(server, "_md_metrics_dir", None)
    if created:
        shutil.rmtree(created, ignore_errors=True)
