"""The Quay emulator as the tests drive it: a process on a free loopback port, its control API,
Quay's API as a seeded user, and the seeded users' demo tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]

# Stable demo access tokens of the emulator's seeded users (README, "Try the demo").
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
        # A new connection each time: an emulator may close kept-alive ones under a test.
        self.http.headers["Connection"] = "close"

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

    def fail(self, mirror: str, reason: str, **plan: Any) -> dict[str, Any]:
        """Plan how a mirror's next runs fail (docs/emulator.md, "Failing mirror runs").

        ``mirror`` is ``"ns/repo"`` (a repository mirror) or ``"org"`` (an organization
        mirror's discovery; with ``repository=`` one of its source repositories' syncs);
        ``plan``: ``runs`` (default 1; 0: every run until mended), ``tags`` (a partial sync's).
        """
        return self.control("POST", _fail_path(mirror), json={"reason": reason, **plan})

    def mend(self, mirror: str, repository: str | None = None) -> None:
        """Clear what :meth:`fail` planned: its runs succeed again."""
        body = {"repository": repository} if repository is not None else {}
        self.control("DELETE", _fail_path(mirror), json=body)

    def requests_log(self) -> list[dict[str, Any]]:
        return self.control("GET", "requests")

    def api(self, method: str, path: str, user: str = "alice", **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if user:
            headers.setdefault("Authorization", f"Bearer {TOKENS[user]}")
        return self.http.request(
            method, f"{self.url}/api/v1/{path.lstrip('/')}", headers=headers, timeout=10, **kwargs
        )


def _fail_path(mirror: str) -> str:
    """The control path that plans ``mirror``'s failures ("ns/repo" or "org")."""
    return f"mirror/{mirror}/fail" if "/" in mirror else f"org-mirror/{mirror}/fail"


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
