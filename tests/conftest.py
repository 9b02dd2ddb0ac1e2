"""Shared fixtures: a real Quay emulator process on a free loopback port, demo users' tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent

# Stable demo access tokens of the emulator's seeded users (see README, "Demo data").
TOKENS = {
    "alice": "alicedemotoken".ljust(40, "0"),  # admin of every namespace
    "bob": "bobdemotoken".ljust(40, "0"),  # admin of acme only, member of globex
    "carol": "caroldemotoken".ljust(40, "0"),  # member of acme, no admin rights
    "dave": "davedemotoken".ljust(40, "0"),  # global read-only superuser
    "alice-limited": "alicelimitedtoken".ljust(40, "0"),  # alice, scopes repo:read user:read
    "olivia": "oliviademotoken".ljust(40, "0"),  # admin of the organization-mirror orgs
    "oscar": "oscardemotoken".ljust(40, "0"),  # member of orgmirror, no admin rights
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """Handle on a running emulator: its URL, its control API and Quay's API as a user."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.http.request(method, f"{self.url}/_emulator/{path}", timeout=10, **kwargs)
        r.raise_for_status()
        return r.json() if r.content else None

    def reset(self, **options: Any) -> None:
        self.control("POST", "reset", json=options)

    def configure(self, **options: Any) -> dict[str, Any]:
        return self.control("POST", "config", json=options)

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", json={"advance": seconds})

    def mirror(self, namespace: str, repo: str) -> dict[str, Any]:
        """What the emulator stores for a repository (its mirror config, password included)."""
        return self.control("GET", f"mirror/{namespace}/{repo}")

    def requests_log(self) -> list[dict[str, Any]]:
        return self.control("GET", "requests")

    def api(self, method: str, path: str, user: str = "alice", **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if user:
            headers.setdefault("Authorization", f"Bearer {TOKENS[user]}")
        return self.http.request(
            method, f"{self.url}/api/v1/{path.lstrip('/')}", headers=headers, timeout=10, **kwargs
        )


def start_emulator(*args: str) -> tuple[subprocess.Popen, Emulator]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "quay_emulator", "--port", str(port), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    emulator = Emulator(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 20
    while True:
        try:
            emulator.control("GET", "config")
            return proc, emulator
        except requests.RequestException:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the Quay emulator did not start") from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    proc, emulator = start_emulator()
    yield emulator
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_answers_from_other_tests(settings) -> Iterator[None]:
    """Every test starts with an empty read cache (the emulator is reset between tests), and
    the overview starts no call in the background (a test counting calls would race it;
    tests/test_overview_prefetch.py turns it on)."""
    from django.core.cache import cache

    settings.OVERVIEW_PREFETCH = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=["settled", "full"])
def seen(request) -> Any:
    """Both ways to the whole overview: as a browser ends up showing it (settled) and as the
    server draws it whole (``details=all``); see ``tests/overview_support.py``."""
    from tests.overview_support import full_page, page

    return page if request.param == "settled" else full_page


@pytest.fixture
def no_read_cache(settings) -> None:
    """Every read reaches Quay: for tests that change Quay behind the dashboard's back (a
    fault, a revoked token) and look again within the read cache's few seconds."""
    settings.QUAY_READ_CACHE_SECONDS = 0


@pytest.fixture
def emulator(emulator_server: Emulator, settings) -> Emulator:
    """The emulator, reset to its seed, with the dashboard pointed at it (and nothing it
    answered before kept in the dashboard's cache)."""
    from django.core.cache import cache

    cache.clear()
    emulator_server.reset()
    settings.QUAY_URL = emulator_server.url
    return emulator_server


@pytest.fixture
def client_as(emulator: Emulator, client):
    """Sign the Django test client in as a seeded user (by pasting their demo token)."""

    def sign_in(user: str = "alice"):
        response = client.post("/accounts/login/", {"token": TOKENS[user], "next": "/"})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return sign_in
