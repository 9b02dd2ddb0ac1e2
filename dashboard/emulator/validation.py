"""Request-body validation that words its errors like Quay does.

Quay validates JSON bodies with ``jsonschema`` 3.2 (``validate`` + ``best_match``) and
returns ``str(error)`` as the 400 detail. This module implements the handful of schema
keywords Quay's mirror/repository schemas use, and renders the error exactly like
jsonschema 3.2's ``ValidationError.__str__`` (message, failing sub-schema and instance,
both ``pprint``-ed at width 72). It also holds the schemas themselves and the
external-reference (SSRF) check of ``util/security/ssrf.py``.
"""

from __future__ import annotations

import ipaddress
import pprint
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from werkzeug.wrappers import Request

from .responses import invalid_request

# --------------------------------------------------------------------------- schemas


def string_or_null(description: str | None = None) -> dict[str, Any]:
    """A property both of Quay's mirror schemas type ``["string", "null"]`` (null clears it),
    with its description when it has one (the description shows in a 400's text)."""
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if description is not None:
        schema["description"] = description
    return schema


MIRROR_PROPERTIES: dict[str, Any] = {
    "is_enabled": {
        "type": "boolean",
        "description": "Used to enable or disable synchronizations.",
    },
    "external_reference": {
        "type": "string",
        "description": "Location of the external repository.",
    },
    "external_registry_username": string_or_null(
        "Username used to authenticate with external registry."
    ),
    "external_registry_password": string_or_null(
        "Password used to authenticate with external registry."
    ),
    "sync_start_date": {
        "type": "string",
        "description": "Determines the next time this repository is ready for synchronization.",
    },
    "sync_interval": {
        "type": "integer",
        "minimum": 0,
        "description": "Number of seconds after next_start_date to begin synchronizing.",
    },
    "robot_username": {
        "type": "string",
        "description": "Username of robot which will be used for image pushes.",
    },
    "root_rule": {
        "type": "object",
        "description": (
            "A list of glob-patterns used to determine which tags should be synchronized."
        ),
        "required": ["rule_kind", "rule_value"],
        "properties": {
            "rule_kind": {
                "type": "string",
                "description": "The kind of rule type",
                "enum": ["tag_glob_csv"],
            },
            "rule_value": {
                "type": "array",
                "description": "Array of tag patterns",
                "minItems": 1,
                "items": {"type": "string"},
            },
        },
    },
    "external_registry_config": {
        "type": "object",
        "properties": {
            "verify_tls": {
                "type": "boolean",
                "description": (
                    "Determines whether HTTPs is required and the certificate is verified when "
                    "communicating with the external repository."
                ),
            },
            "unsigned_images": {
                "type": "boolean",
                "description": (
                    "Determines whether the image signature will be verified when pulling from "
                    "the external repository."
                ),
            },
            "proxy": {
                "type": "object",
                "description": "Proxy configuration for use during synchronization.",
                "properties": {
                    "https_proxy": string_or_null(
                        "Value for HTTPS_PROXY environment variable during sync."
                    ),
                    "http_proxy": string_or_null(
                        "Value for HTTP_PROXY environment variable during sync."
                    ),
                    "no_proxy": string_or_null(
                        "Value for NO_PROXY environment variable during sync."
                    ),
                },
            },
        },
    },
    "skopeo_timeout_interval": {
        "type": "integer",
        "minimum": 300,
        "description": "Number of seconds mirroring job will run before timing out.",
    },
    "architecture_filter": {
        "type": ["array", "null"],
        "description": (
            "List of architectures to mirror from multi-arch images. Empty array or null means "
            "mirror all architectures. Valid values: amd64, arm64, ppc64le, s390x."
        ),
        "items": {"type": "string"},
    },
}

CREATE_MIRROR_SCHEMA: dict[str, Any] = {
    "description": "Create the repository mirroring configuration.",
    "type": "object",
    "required": ["external_reference", "sync_interval", "sync_start_date", "root_rule"],
    "properties": MIRROR_PROPERTIES,
}

UPDATE_MIRROR_SCHEMA: dict[str, Any] = {
    "description": "Update the repository mirroring configuration.",
    "type": "object",
    "properties": MIRROR_PROPERTIES,
}

CHANGE_STATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Change the state of the repository.",
    "required": ["state"],
    "properties": {
        "state": {
            "type": "string",
            "description": "Determines whether pushes are allowed.",
            "enum": ["NORMAL", "READ_ONLY", "MIRROR"],
        },
    },
}

VALID_ARCHITECTURES = frozenset({"amd64", "arm64", "ppc64le", "s390x"})
SYNC_START_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# ----------------------------------------------------------------- schema validator


@dataclass
class SchemaError:
    """One failed keyword, with the paths jsonschema would report."""

    message: str
    validator: str
    schema: Any
    instance: Any
    path: list[Any] = field(default_factory=list)
    schema_path: list[Any] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.message}\n\n"
            f"Failed validating {self.validator!r} in schema{_index(self.schema_path[:-1])}:\n"
            f"{_indent(pprint.pformat(self.schema, width=72))}\n\n"
            f"On instance{_index(self.path)}:\n"
            f"{_indent(pprint.pformat(self.instance, width=72))}"
        )


def _index(parts: list[Any]) -> str:
    return "".join(f"[{part!r}]" for part in parts)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _is_type(instance: Any, kind: str) -> bool:
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "integer": lambda v: (
            (isinstance(v, int) and not isinstance(v, bool))
            or (isinstance(v, float) and v.is_integer())
        ),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    }
    return checks[kind](instance)


def _check_type(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    kinds = value if isinstance(value, list) else [value]
    if not any(_is_type(instance, kind) for kind in kinds):
        names = ", ".join(repr(kind) for kind in kinds)
        yield SchemaError(f"{instance!r} is not of type {names}", "type", schema, instance)


def _check_enum(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    if instance not in value:
        yield SchemaError(f"{instance!r} is not one of {value!r}", "enum", schema, instance)


def _check_minimum(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    if _is_type(instance, "number") and instance < value:
        message = f"{instance!r} is less than the minimum of {value!r}"
        yield SchemaError(message, "minimum", schema, instance)


def _check_maximum(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    if _is_type(instance, "number") and instance > value:
        message = f"{instance!r} is greater than the maximum of {value!r}"
        yield SchemaError(message, "maximum", schema, instance)


def _check_max_length(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, str) and len(instance) > value:
        yield SchemaError(f"{instance!r} is too long", "maxLength", schema, instance)


def _check_min_items(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, list) and len(instance) < value:
        yield SchemaError(f"{instance!r} is too short", "minItems", schema, instance)


def _check_required(instance: Any, value: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield SchemaError(f"{name!r} is a required property", "required", schema, instance)


def _check_properties(instance: Any, value: Any, _schema: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, dict):
        for name, subschema in value.items():
            if name in instance:
                for error in _iter_errors(instance[name], subschema):
                    error.path.insert(0, name)
                    error.schema_path.insert(0, name)
                    yield error


def _check_items(instance: Any, value: Any, _schema: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, list):
        for index, item in enumerate(instance):
            for error in _iter_errors(item, value):
                error.path.insert(0, index)
                yield error


KEYWORDS = {
    "type": _check_type,
    "enum": _check_enum,
    "minimum": _check_minimum,
    "maximum": _check_maximum,
    "maxLength": _check_max_length,
    "minItems": _check_min_items,
    "required": _check_required,
    "properties": _check_properties,
    "items": _check_items,
}


def _iter_errors(instance: Any, schema: dict[str, Any]) -> Iterator[SchemaError]:
    """Yield errors in the order jsonschema 3.2 finds them (schema keyword order)."""
    for keyword, value in schema.items():
        check = KEYWORDS.get(keyword)
        if check is None:
            continue
        for error in check(instance, value, schema):
            error.schema_path.insert(0, keyword)
            yield error


def schema_error(instance: Any, schema: dict[str, Any]) -> str | None:
    """Return Quay's 400 detail for ``instance`` against ``schema``, or None when valid.

    Like ``jsonschema.exceptions.best_match``: the error with the shortest instance path
    wins, the first one found among equals.
    """
    best: SchemaError | None = None
    for error in _iter_errors(instance, schema):
        if best is None or len(error.path) < len(best.path):
            best = error
    return None if best is None else str(best)


def json_body(request: Request, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The request's JSON body, None without one; one ``schema`` refuses is a 400 in
    jsonschema's words (Quay's ``validate_json_request``, which every endpoint here uses)."""
    body = request.get_json(silent=True)
    if body is not None:
        error = schema_error(body, schema)
        if error is not None:
            raise invalid_request(request, error)
    return body


def parse_sync_start_date(value: str) -> datetime:
    """Parse ``sync_start_date`` exactly like Quay (``strptime`` with a literal ``Z``)."""
    return datetime.strptime(value, SYNC_START_FORMAT)


SPARSE_INDEX_REQUIRED = "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled."


def architecture_problem(values: Any, sparse_index: bool) -> str | None:
    """Quay's 400 detail for an ``architecture_filter``, or None when it is accepted.

    As ``endpoints/api/mirror.py``: a non-empty filter needs FEATURE_SPARSE_INDEX, then
    ``validate_architecture_filter`` (a list of known architectures; empty or null is "all").
    """
    if not values:
        return None
    if not sparse_index:
        return SPARSE_INDEX_REQUIRED
    if not isinstance(values, list):
        return "architecture_filter must be an array"
    invalid = set(values) - VALID_ARCHITECTURES
    if invalid:
        return f"Invalid architectures: {', '.join(sorted(invalid))}"
    return None


# ---------------------------------------------------------------- SSRF protection

BLOCKED_HOSTNAMES = frozenset(
    {
        "localhost",
        "metadata",
        "metadata.google.internal",
        "metadata.azure.internal",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    }
)
NOT_ALLOWED = "The provided registry location is not allowed"
_HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class RegistryLocationError(ValueError):
    """A malformed external reference; the message is shown to the user as is."""


class RegistryBlockedError(RegistryLocationError):
    """A reference to a private/loopback/metadata address: Quay answers a generic message."""

    def __init__(self) -> None:
        super().__init__(NOT_ALLOWED)


def host_allowed(hostname: str, allowed_hosts: list[str]) -> bool:
    """Whether Quay's ``SSRF_ALLOWED_HOSTS`` names ``hostname`` (a name, or a CIDR range
    holding the address it is)."""
    for entry in allowed_hosts:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if entry.lower() == hostname.lower():
                return True
            continue
        try:
            if ipaddress.ip_address(hostname) in network:
                return True
        except ValueError:
            pass
    return False


def blocked_host(hostname: str) -> bool:
    """Quay's verdict on a mirror source's host that ``SSRF_ALLOWED_HOSTS`` does not name, for
    both kinds (``validate_external_registry_url``, which the repository check ends with): a
    blocked name, or an address that is not global or is multicast. The emulator does no DNS:
    every other name resolves to a public address."""
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        lowered = hostname.lower()
        return lowered in BLOCKED_HOSTNAMES or lowered.endswith((".internal", ".local"))
    return not address.is_global or address.is_multicast


def check_external_reference(reference: str, allowed_hosts: list[str]) -> None:
    """Validate a mirror source the way Quay's ``validate_external_registry_reference`` does.

    Hostnames are treated as resolvable to public addresses (the emulator does no DNS).
    Raises ``RegistryBlockedError`` (generic message) or ``RegistryLocationError``.
    """
    if not reference or not reference.strip():
        raise RegistryLocationError("External registry reference is required")
    if reference != reference.strip() or any(c.isspace() for c in reference):
        raise RegistryLocationError("External registry reference must not include whitespace")
    if "://" in reference:
        raise RegistryLocationError("External registry reference must not include a URL scheme")
    if any(c in reference for c in "?#\\%"):
        raise RegistryLocationError("External registry reference contains an invalid character")
    parts = reference.split("/", 1)
    if len(parts) != 2 or not all(parts):
        raise RegistryLocationError("External registry reference must include a repository path")
    registry = parts[0]
    if not registry.startswith("[") and (registry.count(":") > 1 or registry.endswith(":")):
        raise RegistryLocationError(
            "External registry reference contains an invalid registry authority"
        )
    try:
        parsed = urlparse(f"https://{registry}")
        hostname = parsed.hostname
        port = parsed.port
    except ValueError:
        raise RegistryLocationError(
            "External registry reference contains an invalid registry authority"
        ) from None
    if parsed.username or parsed.password or not hostname:
        raise RegistryLocationError(
            "External registry reference must include a valid registry hostname"
        )
    if port == 0:
        raise RegistryLocationError("External registry reference contains an invalid registry port")
    if host_allowed(hostname, allowed_hosts):
        return
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        if hostname.endswith(".") or not _HOSTNAME_RE.fullmatch(hostname):
            raise RegistryLocationError(
                "External registry reference must include a valid registry hostname"
            ) from None
    # Then, as in Quay, the check of an organization mirror's URL, on ``https://{registry}``.
    if blocked_host(hostname):
        raise RegistryBlockedError()
