"""Settling audit entries left pending: a change was written down before it was sent to Quay
(``models.begin``), and the instance -- or its database -- went away before Quay's answer
could be recorded. Quay may well hold the change; the trail must not lose it, nor claim it.

An entry is settled from what Quay holds now, by whoever next reads the mirror's config: the
mirror's page, the fleet index's watcher, or the person saving again. A save's fields are
compared with the config: all there (done), none (nothing done), some (not fully applied); an
organization mirror's delete is done when the config is gone. A password is never shown by
Quay, so a save of a password alone stays unknown; a press (Sync now, Cancel) or a switch to
mirror state leaves nothing in the config to compare, so it is settled as unknown, saying
where to look. Only entries older than ``AUDIT_PENDING_SECONDS`` are settled (a younger one may
belong to a request still waiting for Quay), except for the person saving again, whose own
change is settled at once when Quay holds all of it.

Cost: no call to Quay; callers pass a config they read anyway.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from ..kinds.base import MirrorKind
from ..models import AuditEntry, record
from ..rules.changes import PASSWORD

SAVES = (AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE)
#: Settled from the config Quay holds (the rest -- presses, a switch of state -- as unknown).
READ_FROM_CONFIG = (*SAVES, AuditEntry.Action.DELETE)
LOST = "the dashboard stopped before Quay's answer reached it"


@dataclass(frozen=True)
class Settled:
    """One entry settled, and when it was first written (for the person's message)."""

    entry: AuditEntry
    applied: list[str]
    missing: list[str]


def stale_before(now: datetime) -> datetime:
    """Entries written before this are no longer waiting for an answer."""
    return now - timedelta(seconds=settings.AUDIT_PENDING_SECONDS)


def pending(target: MirrorKind, *, older_than: datetime | None = None, username: str = ""):
    entries = AuditEntry.objects.filter(
        outcome=AuditEntry.Outcome.PENDING,
        namespace=target.namespace,
        repository=target.name,
    )
    if older_than is not None:
        entries = entries.filter(created__lt=older_than)
    if username:
        entries = entries.filter(username=username)
    return entries.order_by("created", "id")


def stale_in(namespace: str, now: datetime):
    """The namespace's pending entries no longer waiting for an answer."""
    return AuditEntry.objects.filter(
        outcome=AuditEntry.Outcome.PENDING, namespace=namespace, created__lt=stale_before(now)
    ).order_by("created", "id")


def settle(
    target: MirrorKind, config: Any | None, now: datetime, *, readable: bool = True
) -> list[Settled]:
    """Settle ``target``'s stale pending entries from ``config`` (``None``: Quay has no
    config for it). ``readable`` False: the config could not be read, so saves wait and only
    presses are settled (as unknown)."""
    return [
        settle_entry(target, entry, config)
        for entry in pending(target, older_than=stale_before(now))
        if readable or entry.action not in READ_FROM_CONFIG
    ]


def settle_entry(target: MirrorKind, entry: AuditEntry, config: Any | None) -> Settled:
    """One pending entry settled from ``config`` (a press or a switch of state: unknown,
    whatever the config)."""
    if entry.action in SAVES:
        return _settle_save(target, entry, config)
    if entry.action == AuditEntry.Action.DELETE:
        return _settle_delete(target, entry, config)
    return _settle_press(entry)


def _settle_delete(target: MirrorKind, entry: AuditEntry, config: Any | None) -> Settled:
    gone = config is None
    words = "the mirror's config is gone from Quay" if gone else "Quay still has the config"
    outcome = AuditEntry.Outcome.DONE if gone else AuditEntry.Outcome.NOT_DONE
    message = f"Settled afterwards: {LOST}; {words}."
    record(None, target, entry.action, outcome=outcome, message=message, entry=entry)
    return Settled(entry, [], [])


def settle_own(
    target: MirrorKind, config: Any | None, username: str, now: datetime
) -> list[Settled]:
    """The person saving again finds nothing to send: their own pending saves of any age that
    Quay holds whole are settled now (done), and said to them."""
    snapshot = target.snapshot(config) if config is not None else None
    found = []
    for entry in pending(target, username=username).filter(action__in=SAVES):
        applied, missing = _compare(entry.changes, snapshot)
        if applied and not missing:
            found.append(_settle_save(target, entry, config))
    return found


def _settle_save(target: MirrorKind, entry: AuditEntry, config: Any | None) -> Settled:
    snapshot = target.snapshot(config) if config is not None else None
    applied, missing = _compare(entry.changes, snapshot)
    changed: dict[str, Any] = {}
    for name, change in (entry.changes or {}).items():
        flag = None if name == PASSWORD else name in applied
        changed[name] = {**change, "applied": flag} if isinstance(change, dict) else change
    if not applied and not missing:  # a password alone: Quay never shows it
        outcome = AuditEntry.Outcome.UNKNOWN
        words = "whether the password took effect cannot be read back (Quay never shows it)"
    elif not missing:
        outcome = AuditEntry.Outcome.DONE
        words = "the settings Quay holds show every change"
    elif snapshot is None and entry.action == AuditEntry.Action.UPDATE:
        outcome = AuditEntry.Outcome.UNKNOWN
        words = "the mirror's config is gone from Quay, so what this save did cannot be seen"
    elif not applied:
        outcome = AuditEntry.Outcome.NOT_DONE
        words = (
            "Quay has no config for this mirror"
            if snapshot is None
            else "the settings Quay holds show none of the changes"
        )
    else:
        outcome = AuditEntry.Outcome.PARTIAL
        words = f"the settings Quay holds do not show: {', '.join(missing)}"
    message = f"Settled afterwards: {LOST}; {words}."
    record(
        None, target, entry.action, changes=changed, outcome=outcome, message=message, entry=entry
    )
    return Settled(entry, applied, missing)


def _settle_press(entry: AuditEntry) -> Settled:
    if entry.action == AuditEntry.Action.STATE:
        told = "whether Quay switched the repository is not known: its page shows its state"
    else:
        told = (
            "whether Quay took this press is not known. The mirror's history says whether a "
            "sync started or was cancelled then"
        )
    message = f"Settled afterwards: {LOST}; {told}."
    record(
        None, None, entry.action, outcome=AuditEntry.Outcome.UNKNOWN, message=message, entry=entry
    )
    return Settled(entry, [], [])


def _compare(
    asked: dict[str, Any] | None, snapshot: dict[str, Any] | None
) -> tuple[list[str], list[str]]:
    """The fields of ``asked`` that ``snapshot`` shows, and those it does not (the password
    in neither: Quay never shows it)."""
    applied, missing = [], []
    for name, change in (asked or {}).items():
        if name == PASSWORD or not isinstance(change, dict):
            continue
        held = (snapshot or {}).get(name, _ABSENT) if snapshot is not None else _ABSENT
        (applied if _same(held, change.get("to")) else missing).append(name)
    return applied, missing


_ABSENT = object()


def _same(held: Any, wanted: Any) -> bool:
    if held is _ABSENT:
        return False
    return _plain(held) == _plain(wanted)


def _plain(value: Any) -> Any:
    """A value as the audit trail stores it (JSON: tuples become lists), with no credentials
    in an address (the trail and the fleet index keep none)."""
    if isinstance(value, str):
        value = _USERINFO.sub("//", value)
    return json.loads(json.dumps(value, default=str))


_USERINFO = re.compile(r"//[^/@\s]*@")
