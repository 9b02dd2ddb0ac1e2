"""Shared helpers for the organization-mirror emulator tests."""

from __future__ import annotations

from typing import Any

from tests.support.emulator import Emulator

ALL_STATUSES = "CANCEL, FAIL, NEVER_RUN, SUCCESS, SYNCING, SYNC_NOW, SKIP"


def org_payload(**overrides: Any) -> dict[str, Any]:
    """A valid create body for the empty organization ``orgempty``."""
    body: dict[str, Any] = {
        "external_registry_type": "quay",
        "external_registry_url": "https://quay.example.com",
        "external_namespace": "upstreamorg",
        "robot_username": "orgempty+mirror",
        "visibility": "private",
        "sync_interval": 3600,
        "sync_start_date": "2030-01-01T00:00:00Z",
        "external_registry_config": {"verify_tls": False},
        "skopeo_timeout": 300,
    }
    body.update(overrides)
    return body


def org_api(
    emulator: Emulator, method: str, org: str, verb: str = "", user: str = "olivia", **kw: Any
) -> Any:
    path = f"organization/{org}/mirror" + (f"/{verb}" if verb else "")
    return emulator.api(method, path, user=user, **kw)


def config(emulator: Emulator, org: str) -> dict[str, Any]:
    response = org_api(emulator, "GET", org)
    assert response.status_code == 200, response.text
    return response.json()


def repositories(emulator: Emulator, org: str, **params: Any) -> dict[str, Any]:
    response = org_api(emulator, "GET", org, "repositories", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def statuses(emulator: Emulator, org: str) -> dict[str, str]:
    rows = repositories(emulator, org, limit=500)["repositories"]
    return {row["name"]: row["sync_status"] for row in rows}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {status: count for status, count in counts.items() if count}


def record(emulator: Emulator, org: str) -> dict[str, Any]:
    """What the emulator stores for an organization mirror (password and log included)."""
    return emulator.control("GET", f"org-mirror/{org}")


def create(emulator: Emulator, org: str = "orgempty", **overrides: Any) -> None:
    body = org_payload(robot_username=f"{org}+mirror", **overrides)
    response = org_api(emulator, "POST", org, json=body)
    assert response.status_code == 201, response.text
