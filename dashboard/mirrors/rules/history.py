"""A mirror's log in words, one :class:`HistoryItem` a line for either kind (a repository's
own log here; an organization's in ``pages.org_history``), and what a repository mirror's last
successful sync found (from Quay's log)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dashboard.quay.models import LogEntry

from . import reasons
from .changes import LABELS, PASSWORD, format_value

#: Quay's log names for config fields, where they differ from the API's.
_LOG_FIELDS = {"mirror_rule": "root_rule", "skopeo_timeout": "skopeo_timeout_interval"}


@dataclass(frozen=True)
class HistoryItem:
    when: datetime | None
    kind: str  # started, success, fail, change, other (CSS class)
    text: str
    who: str | None = None
    #: A failed run's cause as Quay names it (``reasons.Cause``) and its label ("" otherwise;
    #: the reason's words are in ``text``).
    cause: str = ""
    cause_label: str = ""
    #: Where the log is a whole organization's (its mirror's): the repository the entry is
    #: about ("" for the organization mirror as a whole, and in a repository's own log).
    repository: str = ""
    #: A discovered repository's failed sync: why, and the repository (its name at the
    #: source, as Quay's repositories list names it; also where it is not linked).
    reason: reasons.Reason | None = None
    failed_repository: str = ""


def _log_value(name: str, value: Any) -> Any:
    if name == "sync_start_date" and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC)
    return value


def describe_log(entry: LogEntry, logs: Iterable[LogEntry] = ()) -> HistoryItem:
    """One mirror event of the repository's log as a line of history (``logs``: the whole log,
    newest first, for a failed run's reason: see :func:`reasons.of_run`)."""
    if entry.unreadable:
        return HistoryItem(None, "other", entry.unreadable)
    meta = entry.metadata
    who = entry.performer or meta.get("username")
    kind = entry.kind
    message = str(meta.get("message") or "").strip()
    if kind == "repo_mirror_sync_started":
        return HistoryItem(entry.datetime, "started", "Sync started", who)
    if kind == "repo_mirror_sync_success":
        tags = meta.get("tags")
        detail = f": {tags}" if tags else ""
        return HistoryItem(entry.datetime, "success", f"Sync succeeded{detail}", who)
    if kind == "repo_mirror_sync_failed":
        if str(meta.get("verb", "")).lower() == "cancelled":
            return HistoryItem(entry.datetime, "other", "Sync stopped by a cancel", who)
        reason = reasons.of_run(entry, logs)  # as the status panel and the overview say it
        text = f"Sync failed: {reason.text}"
        return HistoryItem(
            entry.datetime, "fail", text, who, reason.cause.value, reason.cause_label
        )
    if kind == "repo_mirror_sync_tag_success":
        return HistoryItem(entry.datetime, "success", f"Tag {meta.get('tag')} mirrored", who)
    if kind == "repo_mirror_sync_tag_failed":
        why = reasons.plain(meta.get("stderr")) or reasons.plain(meta.get("stdout")) or message
        detail = f": {why}" if why else ""
        return HistoryItem(entry.datetime, "fail", f"Tag {meta.get('tag')} failed{detail}", who)
    if kind == "repo_mirror_config_changed":
        field = str(meta.get("changed") or "")
        to = meta.get("to")
        actor = who or "someone"
        if field == "sync_status":
            words = {
                "SYNC_NOW": "pressed Sync now",
                "SYNC_CANCEL": "cancelled the sync",
                "CANCEL": "cancelled the sync",
            }
            text = words.get(str(to), f"set the status to {to}")
            return HistoryItem(entry.datetime, "change", f"{actor} {text}", who)
        if field == PASSWORD:
            text = "removed the password" if to is None else "changed the password"
            return HistoryItem(entry.datetime, "change", f"{actor} {text}", who)
        name = _LOG_FIELDS.get(field, field)
        if name == "is_enabled":
            text = "turned scheduled syncs " + ("on" if to else "off")
            return HistoryItem(entry.datetime, "change", f"{actor} {text}", who)
        label = LABELS.get(name, name.replace("_", " "))
        value = format_value(name, _log_value(name, to))
        return HistoryItem(entry.datetime, "change", f"{actor} changed {label} → {value}", who)
    text = message or kind.removeprefix("repo_mirror_").replace("_", " ").capitalize()
    return HistoryItem(entry.datetime, "other", text, who)


@dataclass(frozen=True)
class LastSync:
    """What the newest successful sync found in the source (from its log entry)."""

    when: datetime | None
    tags: frozenset[str]


def last_synced_tags(logs: Iterable[LogEntry] | None) -> LastSync | None:
    """The tags the newest successful sync mirrored (Quay logs them comma-separated)."""
    successes = [e for e in logs or () if e.kind == "repo_mirror_sync_success"]
    if not successes:
        return None
    newest = max(successes, key=lambda e: e.datetime or datetime.min.replace(tzinfo=UTC))
    raw = newest.metadata.get("tags")
    if isinstance(raw, list):
        names = [str(t).strip() for t in raw]
    elif isinstance(raw, str) and raw.strip() != "No tags matched":
        names = [t.strip() for t in raw.split(",")]
    else:
        names = []
    return LastSync(newest.datetime, frozenset(n for n in names if n))
