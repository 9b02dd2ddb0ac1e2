"""Shared plumbing of the bench scripts: an emulator process, a signed-in Django test client.

The dashboard runs in this process (Django's test client: the full middleware and view
stack, no HTTP hop to the dashboard itself); every upstream call goes over HTTP to a real
emulator process with the latency asked for.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDED_MIRRORS = 19  # mirrored repositories of the emulator's seed (4 namespaces)
ALICE = "alicedemotoken".ljust(40, "0")
WATCHER = "watcherdemotoken".ljust(40, "0")
#: The namespaces the watcher's benches watch with the watcher's token.
WATCHED = ("acme", "globex", "initech")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, url: str) -> None:
        self.url = url

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def calls(self) -> int:
        return len(self.control("GET", "requests"))

    def clear_log(self) -> None:
        self.control("DELETE", "requests")


@contextmanager
def emulator(*args: str) -> Iterator[Emulator]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "quay_emulator", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    emu = Emulator(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                emu.control("GET", "config")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the Quay emulator did not start") from None
                time.sleep(0.1)
        yield emu
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def django_client(quay_url: str, max_parallel: int | None = None) -> Any:
    """Django set up against ``quay_url`` with a throw-away database; a client signed in
    as alice (admin of all four namespaces) by pasting her demo token."""
    sys.path.insert(0, str(ROOT))
    db = Path(tempfile.mkdtemp(prefix="md-bench-")) / "bench.sqlite3"
    import secrets

    from cryptography.fernet import Fernet

    os.environ.update(
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DATABASE_URL=f"sqlite:///{db}",
        QUAY_URL=quay_url,
        LOG_LEVEL="WARNING",
        DJANGO_ALLOWED_HOSTS="testserver",
        # testserver is no host of this machine's: the dashboard wants keys of its own then.
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        WATCH_TOKEN_KEYS=os.environ.get("WATCH_TOKEN_KEYS") or Fernet.generate_key().decode(),
    )
    if max_parallel:
        os.environ["QUAY_MAX_PARALLEL"] = str(max_parallel)
    import warnings

    import django
    from django.core.management import call_command

    warnings.filterwarnings("ignore", message="No directory at")

    from django.apps import apps

    if apps.ready:  # a second emulator in the same run: point the dashboard at it
        from django.conf import settings

        settings.QUAY_URL = quay_url
    else:
        django.setup()
        call_command("migrate", verbosity=0)
    from django.test import Client

    client = Client()
    response = client.post("/accounts/login/", {"token": ALICE, "next": "/"})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    return client


def time_runs(fetch: Callable[[], Any], runs: int) -> list[float]:
    fetch()  # warm-up: connections, templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch()
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"median {statistics.median(ms):7.0f} ms   min {min(ms):7.0f} ms   "
        f"max {max(ms):7.0f} ms   ({len(ms)} runs)"
    )


def stats_calls(emu: Emulator) -> int:
    """Every call the emulator has answered since it started (its ``stats``)."""
    return int(emu.control("GET", "stats")["calls"])


def index_watched(*, with_alice: bool = False, backfill_pages: int | None = None) -> None:
    """Enrol :data:`WATCHED` with the watcher's token (and alice's own namespace with hers:
    only she may have it watched) and poll until every one is indexed, the emulator at full
    speed. Call after :func:`django_client` (Django is set up there)."""
    from datetime import timedelta

    from django.conf import settings

    from dashboard.mirrors import clock
    from dashboard.watch import enrol
    from dashboard.watch.models import Enrolment
    from dashboard.watch.poll import poll

    settings.WATCH_CALLS_PER_MINUTE = 1_000_000  # index at once (the emulator at full speed)
    if backfill_pages is not None:
        settings.WATCH_BACKFILL_LOG_PAGES = backfill_pages
    for namespace in WATCHED:
        assert enrol.enrol(namespace, WATCHER, enrolled_by="bench", now=clock.now()).ok
    namespaces = (*WATCHED, "alice") if with_alice else WATCHED
    if with_alice:
        assert enrol.enrol("alice", ALICE, enrolled_by="alice", now=clock.now()).ok
    later = clock.now()
    while Enrolment.objects.filter(indexed_at__isnull=True).exists():
        for namespace in namespaces:
            poll(namespace, later)
        later += timedelta(seconds=61)
