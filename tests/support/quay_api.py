"""Shared helpers for the emulator tests: valid mirror payloads, reading state and counts back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.support.emulator import Emulator

NOT_FOUND = {
    "detail": "Not Found",
    "error_message": "Not Found",
    "error_type": "not_found",
    "title": "not_found",
    "status": 404,
}
UNAUTHORIZED = {
    "detail": "Unauthorized",
    "error_message": "Unauthorized",
    "error_type": "insufficient_scope",
    "title": "insufficient_scope",
    "status": 403,
}


def mirror_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST body for acme/app (a NORMAL repository without mirror config)."""
    body: dict[str, Any] = {
        "is_enabled": True,
        "external_reference": "docker.io/library/nginx",
        "external_registry_username": None,
        "external_registry_password": None,
        "external_registry_config": {
            "verify_tls": True,
            "unsigned_images": False,
            "proxy": {"http_proxy": None, "https_proxy": None, "no_proxy": None},
        },
        "sync_interval": 3600,
        "sync_start_date": "2030-01-01T00:00:00Z",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["1.2*"]},
        "robot_username": "acme+mirror",
        "skopeo_timeout_interval": 300,
    }
    body.update(overrides)
    return body


def without_type(body: dict[str, Any]) -> dict[str, Any]:
    """A Quay error body without its host-dependent ``type`` URL."""
    return {key: value for key, value in body.items() if key != "type"}


def detail(response: Any) -> str:
    return response.json()["detail"]


def status_of(emulator: Emulator, namespace: str, repo: str) -> str:
    return emulator.mirror(namespace, repo)["sync_status"]


def logs(emulator: Emulator, namespace: str, repo: str, user: str = "alice") -> list[dict]:
    response = emulator.api("GET", f"repository/{namespace}/{repo}/logs", user=user)
    assert response.status_code == 200
    return response.json()["logs"]


def stats(emulator: Emulator) -> dict[str, int]:
    """The emulator's counts of /api/v1 calls (``GET /_emulator/stats``)."""
    return emulator.control("GET", "stats")


def wait_until(check: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    """Wait for a condition another thread brings about (fails after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def counting_from_zero(emulator: Emulator) -> None:
    """Restart the counts once calls left over from earlier tests have been answered."""
    wait_until(lambda: stats(emulator)["inflight"] == 0, "earlier calls are answered")
    emulator.control("DELETE", "stats")
