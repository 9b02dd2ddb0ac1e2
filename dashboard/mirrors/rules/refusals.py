"""Quay's refusals of a mirror config, in plain words and next to the field they concern.

Quay answers a refused save with its own wording (a schema dump, "Invalid robot", "The
provided registry location is not allowed"). :func:`explain` turns the known ones into what a
person can act on; :func:`field_for` says which form field a message is about.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from dashboard.quay.errors import QuayBadRequest, QuayDropped, QuayError, QuayTimeout

PREFIX = "Quay refused this"

#: (words in Quay's message, lower case) -> the form field the message is about; the first
#: whose field the form has wins (a repository mirror's and an organization mirror's).
_FIELD_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sync_start_date", "datetime"), "sync_start_date"),
    (("skopeo_timeout",), "skopeo_timeout_value"),
    (("sync_interval",), "sync_interval_value"),
    (("robot",), "robot_username"),
    (
        ("registry location", "external_reference", "external registry reference", "hostname"),
        "external_reference",
    ),
    (("visibility",), "visibility"),
    (("external_namespace",), "external_namespace"),
    (
        ("url", "hostname", "registry location", "credentials are not allowed"),
        "external_registry_url",
    ),
    (("password", "username"), "external_registry_username"),
    (("architecture",), "architecture_filter"),
    (("root_rule", "rule_value", "rule_kind", "tag pattern"), "root_rule"),
    (("repository_filters",), "repository_filters"),
    (("verify_tls",), "verify_tls"),
    (("unsigned_images",), "unsigned_images"),
    (("http_proxy",), "http_proxy"),
    (("https_proxy",), "https_proxy"),
    (("no_proxy",), "no_proxy"),
)

#: A repository mirror's form fields (where a caller names none).
_REPOSITORY_FIELDS = frozenset(_field for _, _field in _FIELD_HINTS) - {
    "visibility",
    "external_namespace",
    "external_registry_url",
    "repository_filters",
}

_SCHEMA_PATH = re.compile(r"On instance\['(\w+)'\]|schema\['properties'\]\['(\w+)'\]")


def quay_reason(message: str) -> str:
    """Quay's message without the schema dump jsonschema appends after a blank line."""
    return message.split("\n\n", 1)[0].strip() or message


def _hinted_field(text: str, fields: Collection[str]) -> str | None:
    lowered = text.lower()
    for needles, field_name in _FIELD_HINTS:
        if field_name in fields and any(n in lowered for n in needles):
            return field_name
    return None


def field_for(message: str, fields: Collection[str] = _REPOSITORY_FIELDS) -> str | None:
    """The field of ``fields`` (a form's) a Quay 400 message is about, or ``None`` (then it
    goes on top).

    The first line is Quay's reason; a schema error names the property only in the dump after
    it (``On instance['skopeo_timeout_interval']``), so that is read next.
    """
    found = _hinted_field(quay_reason(message), fields)
    if found:
        return found
    path = _SCHEMA_PATH.search(message)
    return _hinted_field(path.group(1) or path.group(2), fields) if path else None


def _host(reference: str) -> str:
    return reference.partition("/")[0] or reference


def explain(message: str, sent: dict[str, Any] | None = None) -> str:
    """Quay's refusal in words a person can act on (Quay's own reason when it is not known).

    ``sent``: the fields the refused call sent (to name the registry host, the robot).
    """
    sent = sent or {}
    reason = quay_reason(message)
    lowered = reason.lower()
    field = field_for(message)
    if "registry location is not allowed" in lowered:
        source = sent.get("external_reference") or sent.get("external_registry_url") or ""
        host = _host(str(source).split("://", 1)[-1]) or "this registry"
        return (
            f"This Quay does not allow mirroring from {host} (its administrator blocks "
            "private/internal registry addresses). Use another registry or ask your Quay admin."
        )
    if "could not find robot" in lowered:
        robot = sent.get("robot_username") or "this robot"
        return f"Quay has no robot account {robot}: choose one of the namespace's robots."
    if lowered == "invalid robot":
        robot = sent.get("robot_username") or "This robot"
        return (
            f"{robot} is not a robot of this repository's namespace: Quay only accepts the "
            "namespace's own robots (namespace+name)."
        )
    if "datetime format" in lowered or field == "sync_start_date":
        return (
            "Quay did not accept the start date: write it as a date and a time "
            "(Quay stores it in UTC, to the second)."
        )
    if field == "skopeo_timeout_value" and "minimum" in lowered:
        return "The timeout must be at least 5 minutes (300 seconds): Quay refuses less."
    if field == "sync_interval_value" and "minimum" in lowered:
        return "The interval cannot be negative."
    return reason


def refusal(error: QuayError, sent: dict[str, Any] | None = None) -> str:
    """``Quay refused this: <plain words>``, with the prefix once only."""
    if isinstance(error, QuayBadRequest):
        words = explain(error.message, sent)
    else:
        words = quay_reason(error.message)
    while words.lower().startswith(PREFIX.lower()):
        words = words[len(PREFIX) :].lstrip(" :").strip()
    return f"{PREFIX}: {words[:1].upper()}{words[1:]}" if words else f"{PREFIX}."


def add_to_form(form: Any, error: QuayError, sent: dict[str, Any] | None = None) -> None:
    """Quay's refusal on the form: next to its field when known, on top otherwise."""
    field_name = None
    if isinstance(error, QuayBadRequest):
        field_name = field_for(error.message, form.fields)
    form.add_error(field_name, refusal(error, sent))


def unanswered(timeout: float, error: QuayError) -> str:
    """Why a write's outcome is not known from its answer: no answer within ``timeout``
    seconds, or an error that may have come after Quay acted (a 5xx from Quay or the proxy in
    front of it), or a connection Quay closed as the write went out."""
    if isinstance(error, QuayDropped):
        return "Quay closed the connection before it answered"
    if isinstance(error, QuayTimeout):
        return f"Quay did not answer within {timeout:g} s"
    return f"Quay answered with an error (HTTP {error.status})"


def refused_because(person: Any, target: Any, doing: str, scope: str, unknown: str) -> str:
    """Quay's 403 to ``doing`` (``"start a sync of"``, ``"read"``...) ``target`` in words: the
    token's scope, the person's rights (as ``person``, a ``Person``, knows them), or -- not
    known which -- ``unknown``."""
    why = person.refused_for_scope(target.namespace, scope)
    if why is True:
        return (
            f"Quay does not let you {doing} {target}: your sign-in lacks the {scope} scope. "
            f"Sign in again with a token that carries {scope}."
        )
    if why is False:
        return (
            f"Quay does not let you {doing} {target}: you have no admin rights on it. Ask an "
            f"admin of {target.namespace}."
        )
    return unknown
