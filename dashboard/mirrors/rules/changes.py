"""What changed in a mirror config, what to send Quay, and what Quay did not apply.

Configs are compared as *snapshots*: flat, JSON-safe dicts of the editable fields (dates as
``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole seconds; lists for the rule and architectures). The form
carries a signed snapshot of the config it was loaded with, so a save can tell the person's own
changes from someone else's, and can send only what the person changed. A repository mirror's
fields are :data:`FIELDS`; an organization mirror's are its kind's (``kinds.organization``);
``rules.snapshots`` makes either's; the conflict check (:func:`clashes`, :func:`conflict_rows`)
serves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core import signing

from dashboard.mirrors.models import URL_FIELDS, redact_url
from dashboard.mirrors.rules.snapshots import Snapshot, snapshot_of
from dashboard.mirrors.rules.timefmt import seconds_in_words
from dashboard.quay.dates import local_time, parse_quay_datetime

#: Editable fields, in the order they are shown and summarised.
FIELDS: tuple[str, ...] = (
    "is_enabled",
    "external_reference",
    "root_rule",
    "robot_username",
    "sync_start_date",
    "sync_interval",
    "skopeo_timeout_interval",
    "external_registry_username",
    "verify_tls",
    "unsigned_images",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "architecture_filter",
)

LABELS: dict[str, str] = {
    "is_enabled": "scheduled syncs",
    "external_reference": "source",
    "root_rule": "tags",
    "robot_username": "robot",
    "sync_start_date": "start date",
    "sync_interval": "interval",
    "skopeo_timeout_interval": "timeout",
    "skopeo_timeout": "timeout",
    "external_registry_username": "username",
    "external_registry_password": "password",
    "verify_tls": "verify TLS",
    "unsigned_images": "accept unsigned images",
    "http_proxy": "HTTP proxy",
    "https_proxy": "HTTPS proxy",
    "no_proxy": "no proxy",
    "architecture_filter": "architectures",
    # An organization mirror's (services/org_settings.py)
    "external_registry_type": "source type",
    "external_registry_url": "source registry",
    "external_namespace": "source namespace",
    "repository_filters": "repositories to mirror",
    "visibility": "visibility of new repositories",
}

PASSWORD = "external_registry_password"  # noqa: S105 - a field name
_SALT = "mirrors.loaded-config"


def snapshot(config: Any, fields: Iterable[str] = FIELDS) -> Snapshot:
    """The editable ``fields`` of a config Quay returned (a repository's unless ``fields``
    names another kind's)."""
    return snapshot_of(config, fields)


# -- the signed "loaded with" snapshot ----------------------------------------------------------


def sign(namespace: str, name: str, values: Snapshot) -> str:
    """A tamper-proof token of the config a form was loaded with (for this repository only)."""
    return signing.dumps({"repo": f"{namespace}/{name}", "values": values}, salt=_SALT)


def unsign(namespace: str, name: str, token: str) -> Snapshot | None:
    """The snapshot back, or ``None`` when the token is missing, forged or for another repo."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("repo") != f"{namespace}/{name}":
        return None
    values = data.get("values")
    return values if isinstance(values, dict) else None


# -- comparing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        return LABELS[self.field]

    def __str__(self) -> str:
        return describe_change(self.field, self.old, self.new)


def diff(
    old: Mapping[str, Any], new: Mapping[str, Any], fields: tuple[str, ...] = FIELDS
) -> list[Change]:
    """Fields whose value differs, in display order."""
    return [
        Change(name, old.get(name), new.get(name))
        for name in fields
        if name in new and old.get(name) != new.get(name)
    ]


def clashes(loaded: Snapshot, current: Snapshot, own: Iterable[Change]) -> list[Change]:
    """The person's own changes (``own``: from the config the form was loaded with) to fields
    someone else changed too, in Quay, meanwhile, to another value. Their changes to other
    fields are no conflict: they are kept."""
    return [
        c
        for c in own
        if current.get(c.field) != loaded.get(c.field) and current.get(c.field) != c.new
    ]


def conflict_words(missing: bool, by_worker: bool) -> str:
    """Why a save that met a conflict saved nothing (``missing``: the form's signed copy of
    the config was missing or altered)."""
    if missing:
        return "Nothing was saved: the form's copy of the settings was missing or altered."
    if by_worker:
        return (
            "Nothing was saved: the mirror worker moved the next run after a sync, after you "
            "opened the form."
        )
    return (
        "Nothing was saved: settings you changed too were changed in Quay after you opened "
        "the form (by someone else, or by you in another tab or window)."
    )


def conflict_rows(
    base: Snapshot, current: Snapshot, mine: Snapshot, fields: tuple[str, ...] = FIELDS
) -> tuple[list[dict[str, Any]], bool]:
    """The rows of a conflict (each field the person changed that changed in Quay since
    ``base``: as it was, theirs, mine, whether both changed), and whether all of them are the
    mirror worker moving the next run after a sync."""
    touched = {c.field for c in diff(base, mine, fields)}
    rows = [
        {
            "label": change.label,
            "before": format_value(change.field, change.old),
            "theirs": format_value(change.field, change.new),
            "mine": format_value(change.field, mine.get(change.field)),
            "clash": mine.get(change.field) != change.new,
            "by_worker": change.field == "sync_start_date" and worker_moved_start(base, current),
        }
        for change in diff(base, current, fields)
        if change.field in touched
    ]
    return rows, bool(rows) and all(row["by_worker"] for row in rows)


def credentials_update(
    *, username: str | None, password: str, remove: bool
) -> tuple[dict[str, Any], str]:
    """Credential fields to send, and what happened to the password in words ("" if nothing).

    Quay keeps the stored password unless one is sent; a new password must come with the
    username; removing credentials is an explicit choice that clears both.
    """
    if remove:
        return {"external_registry_username": None, PASSWORD: None}, "removed"
    if password:
        return {"external_registry_username": username or None, PASSWORD: password}, "changed"
    return {}, ""


@dataclass(frozen=True)
class Verification:
    """A save compared with the config Quay returned afterwards."""

    applied: list[Change]
    not_applied: list[tuple[Change, Any]]  # the change asked for, and what Quay kept

    @property
    def ok(self) -> bool:
        return not self.not_applied


def verify(asked: Iterable[Change], after: Mapping[str, Any]) -> Verification:
    """Which asked-for changes Quay actually applied (it sometimes accepts and drops them)."""
    applied, dropped = [], []
    for change in asked:
        if after.get(change.field) == change.new:
            applied.append(change)
        else:
            dropped.append((change, after.get(change.field)))
    return Verification(applied, dropped)


# -- in words -----------------------------------------------------------------------------------


def format_value(name: str, value: Any) -> str:
    """A field's value as a person reads it (a proxy's credentials never shown)."""
    if name in URL_FIELDS:
        value = redact_url(value)
    if name in ("sync_interval", "skopeo_timeout_interval", "skopeo_timeout"):
        return seconds_in_words(value) if isinstance(value, int) else "—"
    if name == "sync_start_date":
        moment = parse_quay_datetime(value) if isinstance(value, str) else value
        if not moment:
            return "none"
        local = local_time(moment)
        return f"{local.date().isoformat()} {local:%H:%M} {local.tzname() or 'UTC'}"
    if name == "is_enabled":
        return "on" if value else "off"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "architecture_filter":
        return ", ".join(value) if value else "all"
    if isinstance(value, (list, tuple)):
        return ", ".join(value) if value else "none"
    if value is None or value == "":
        return "none"
    return str(value)


def describe_change(name: str, old: Any, new: Any) -> str:
    """ "interval: 6 hours → 12 hours"; "tags: + v2.*, - 1.2*"."""
    label = LABELS.get(name, name)
    if (
        name in ("root_rule", "repository_filters")
        and isinstance(old, list)
        and isinstance(new, list)
    ):
        parts = [f"+ {p}" for p in new if p not in old] + [f"- {p}" for p in old if p not in new]
        if not parts:
            parts = ["order " + ", ".join(new)]
        return f"{label}: {', '.join(parts)}"
    return f"{label}: {format_value(name, old)} → {format_value(name, new)}"


def summary(changes: Iterable[Change], password: str = "") -> str:
    parts = [str(c) for c in changes]
    if password:
        parts.append(f"password {password}")
    return "; ".join(parts)


def audit_changes(
    changes: Iterable[Change],
    password: str = "",
    dropped: Iterable[Change] = (),
    *,
    unknown: bool = False,
    password_applied: bool | None = True,
) -> dict[str, Any]:
    """``{field: {"from", "to", "applied"}}`` for the audit trail; never a password value.

    ``applied`` is ``None`` for every field when ``unknown`` (Quay did not say and the config
    could not show it). A password is write-only: whether it took effect is only known from
    how the call went (``password_applied``)."""
    dropped_fields = {c.field for c in dropped}

    def applied(field: str) -> bool | None:
        return None if unknown else field not in dropped_fields

    result: dict[str, Any] = {
        c.field: {"from": c.old, "to": c.new, "applied": applied(c.field)}
        for c in changes
        if c.old != c.new
    }
    if password:
        result[PASSWORD] = {
            "from": None,
            "to": password,
            "applied": None if unknown else password_applied,
        }
    return result


def created(values: Mapping[str, Any], fields: tuple[str, ...] = FIELDS) -> list[Change]:
    """A new config's fields as changes from nothing, leaving out empty and default values
    (no "username: none → none" in the audit)."""
    return [
        Change(name, None, values[name])
        for name in fields
        if name in values
        and values[name] not in (None, "", [])
        and not (name == "unsigned_images" and values[name] is False)
    ]


def worker_moved_start(loaded: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when the start date moved the way the mirror worker moves it after a sync:
    forward, by a whole number of intervals (it keeps the schedule's grid)."""
    before = parse_quay_datetime(loaded.get("sync_start_date"))
    after = parse_quay_datetime(current.get("sync_start_date"))
    interval = current.get("sync_interval")
    if not before or not after or not isinstance(interval, int) or interval <= 0:
        return False
    moved = (after - before).total_seconds()
    if moved <= 0:
        return False
    off = moved % interval
    return min(off, interval - off) <= 2  # the snapshots drop sub-second parts
