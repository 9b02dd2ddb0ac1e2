"""What Quay received, as the emulator logged it."""

from __future__ import annotations

from typing import Any


def clear_log(emulator: Any) -> None:
    """Forget the calls Quay received so far (the sign-in's, the page's)."""
    emulator.control("DELETE", "requests")


def calls(emulator: Any) -> list[str]:
    """The API calls Quay received since the log was cleared, as ``METHOD path``."""
    return [
        f"{r['method']} {r['path'].removeprefix('/api/v1/')}"
        for r in emulator.requests_log()
        if r["path"].startswith("/api/v1/")
    ]


def mirror_puts(emulator: Any, namespace: str, name: str) -> list[dict[str, Any]]:
    """The JSON bodies of every config PUT Quay received for a repository."""
    path = f"/api/v1/repository/{namespace}/{name}/mirror"
    return [
        r["json"] for r in emulator.requests_log() if r["method"] == "PUT" and r["path"] == path
    ]


def mirror_posts(emulator: Any, namespace: str, name: str) -> list[dict[str, Any]]:
    """The JSON bodies of every config POST (a create) Quay received for a repository."""
    path = f"/api/v1/repository/{namespace}/{name}/mirror"
    return [
        r["json"] for r in emulator.requests_log() if r["method"] == "POST" and r["path"] == path
    ]


def writes(emulator: Any, org: str) -> list[tuple[str, Any]]:
    """Every write (PUT, POST) of an organization mirror's config Quay received, with its body."""
    return [
        (r["method"], r["json"])
        for r in emulator.requests_log()
        if r["path"] == f"/api/v1/organization/{org}/mirror" and r["method"] in ("PUT", "POST")
    ]
