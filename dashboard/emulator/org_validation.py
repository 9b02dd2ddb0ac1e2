"""The request schemas of Quay's ``endpoints/api/org_mirror.py`` and its source-URL check
(``util/security/ssrf.validate_external_registry_url``), worded as Quay words them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from .validation import blocked_host, host_allowed, string_or_null

_PROXY = {
    "type": "object",
    "properties": {
        "https_proxy": string_or_null(),
        "http_proxy": string_or_null(),
        "no_proxy": string_or_null(),
    },
}

CREATE_ORG_MIRROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Create organization mirror configuration",
    "required": [
        "external_registry_type",
        "external_registry_url",
        "external_namespace",
        "robot_username",
        "visibility",
        "sync_interval",
        "sync_start_date",
    ],
    "properties": {
        "external_registry_type": {
            "type": "string",
            "description": "Type of source registry",
            "enum": ["harbor", "quay"],
        },
        "external_registry_url": {"type": "string", "description": "URL of the source registry"},
        "external_namespace": {
            "type": "string",
            "description": "Source namespace/project name",
            "maxLength": 255,
        },
        "robot_username": {
            "type": "string",
            "description": "Robot account for creating repos (format: orgname+robotname)",
        },
        "visibility": {
            "type": "string",
            "description": "Visibility for created repositories",
            "enum": ["public", "private"],
        },
        "sync_interval": {
            "type": "integer",
            "description": "Seconds between syncs",
            "minimum": 60,
        },
        "sync_start_date": {
            "type": "string",
            "description": "Initial sync time (ISO 8601 format)",
        },
        "is_enabled": {
            "type": "boolean",
            "description": "Enable or disable mirroring",
            "default": True,
        },
        "external_registry_username": string_or_null("Username for source registry authentication"),
        "external_registry_password": string_or_null("Password for source registry authentication"),
        "external_registry_config": {
            "type": "object",
            "description": "TLS and proxy settings",
            "properties": {
                "verify_tls": {"type": "boolean", "description": "Verify TLS certificates"},
                "proxy": _PROXY,
            },
        },
        "repository_filters": {
            "type": "array",
            "description": "Glob patterns for filtering repositories",
            "items": {"type": "string"},
        },
        "skopeo_timeout": {
            "type": "integer",
            "description": "Timeout for Skopeo operations in seconds",
            "minimum": 30,
            "maximum": 3600,
            "default": 300,
        },
    },
}

UPDATE_ORG_MIRROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Update organization mirror configuration",
    "properties": {
        "is_enabled": {"type": "boolean"},
        "external_registry_url": {"type": "string"},
        "external_namespace": {"type": "string", "maxLength": 255},
        "robot_username": {"type": "string"},
        "visibility": {"type": "string", "enum": ["public", "private"]},
        "sync_interval": {"type": "integer", "minimum": 60},
        "sync_start_date": {"type": "string"},
        "external_registry_username": string_or_null(),
        "external_registry_password": string_or_null(),
        "external_registry_config": {"type": "object"},
        "repository_filters": {"type": "array", "items": {"type": "string"}},
        "skopeo_timeout": {"type": "integer", "minimum": 30, "maximum": 3600},
    },
}

NOT_ALLOWED = "The provided registry URL is not allowed"
#: What verify answers for a source address that is (now) refused.
VERIFY_NOT_ALLOWED = "The provided URL is not allowed"


class RegistryURLError(ValueError):
    """A source URL Quay refuses; the message is Quay's."""


def check_registry_url(url: str, allowed_hosts: list[str]) -> None:
    """Quay's check of an organization mirror's source URL (``http(s)://host[:port]``).

    The emulator does no DNS: hosts under ``.invalid`` do not resolve, every other name
    resolves to a public address.
    """
    if not url or not url.strip():
        raise RegistryURLError("External registry URL is required")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise RegistryURLError(
            f"Invalid URL scheme '{parsed.scheme}': only HTTP and HTTPS are allowed"
        )
    if parsed.username is not None or parsed.password is not None:
        raise RegistryURLError("URLs with embedded credentials are not allowed")
    hostname = parsed.hostname
    if not hostname:
        raise RegistryURLError("Invalid URL: missing hostname")
    if host_allowed(hostname, allowed_hosts):
        return
    if hostname.lower().endswith(".invalid"):
        raise RegistryURLError(f"Cannot resolve hostname '{hostname}'")
    if blocked_host(hostname):
        raise RegistryURLError(NOT_ALLOWED)
