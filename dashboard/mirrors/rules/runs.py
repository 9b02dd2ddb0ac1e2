"""What Quay's usage log says of a repository mirror's runs: when Sync now was last pressed,
the newest run that ended, and that run in words (what it did and, for a failure, why).

Apart from :mod:`.status` (what a config's state means), which needs no log: the overview's
Last result, the status panel and the watcher read a run's end through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.reasons import Reason
from dashboard.mirrors.rules.status import CANCELLED, FAILED, SYNCED
from dashboard.quay.models import LogEntry, SyncStatus

STATUS_CHANGED = "repo_mirror_config_changed"
#: Results from the log that end a sync (a person's Cancel arrives as a failure: verb
#: "Cancelled").
SYNC_ENDED = ("repo_mirror_sync_success", "repo_mirror_sync_failed")


def queued_since(logs: Iterable[LogEntry]) -> datetime | None:
    """When Sync now was last pressed, if that is the latest status change in ``logs``.

    Quay logs ``repo_mirror_config_changed`` with ``changed=sync_status`` and ``to=SYNC_NOW``
    (or ``SYNC_CANCEL``); only the newest such entry counts.
    """
    changes = [
        e
        for e in logs
        if e.kind == STATUS_CHANGED
        and e.metadata.get("changed") == "sync_status"
        and e.datetime is not None
    ]
    # Quay lists newest first and logs whole seconds: max() keeps the first of equals.
    latest = max(changes, key=lambda e: e.datetime) if changes else None  # type: ignore[arg-type,return-value]
    if latest is not None and latest.metadata.get("to") == "SYNC_NOW":
        return latest.datetime
    return None


def last_result(logs: Iterable[LogEntry]) -> LogEntry | None:
    """The newest entry that ended a sync (succeeded, failed or cancelled)."""
    ended = [e for e in logs if e.kind in SYNC_ENDED and e.datetime is not None]
    return max(ended, key=lambda e: e.datetime) if ended else None  # type: ignore[arg-type,return-value]


#: What the last finished sync did, by its key: the one source of these words (the overview's
#: Last result cell and column, the status panel's Last result).
RESULT_WORDS = {"success": "succeeded", "fail": "failed", "cancel": "cancelled"}
_RESULT_OF_STATUS = {"SUCCESS": "success", "FAIL": "fail", "CANCEL": "cancel"}


def result_word(sync_status: SyncStatus | str | None) -> str:
    """A config's (or health's) last finished run in a word ("" when none has finished)."""
    return RESULT_WORDS.get(_RESULT_OF_STATUS.get(str(sync_status or ""), ""), "")


@dataclass(frozen=True)
class EventSummary:
    key: str  # success, fail, cancel (CSS class like MirrorStatus.key)
    label: str
    detail: str
    when: datetime | None
    #: Why a failed run failed (its text is ``detail``), with Quay's cause; None otherwise.
    reason: Reason | None = None

    @property
    def word(self) -> str:
        """The result in a word ("succeeded", "failed", "cancelled")."""
        return RESULT_WORDS[self.key]


def summarize_event(entry: LogEntry, logs: Iterable[LogEntry] = ()) -> EventSummary:
    """A sync-ending log entry in words: what happened and, for a failure, why (with the rest
    of the log, ``logs``, when the caller has it: see :func:`reasons.of_run`)."""
    meta = entry.metadata
    if entry.kind == "repo_mirror_sync_success":
        tags = (meta.get("tags") or "").strip()
        if not tags or tags == "No tags matched":
            detail = "no tags matched the rule"
        else:
            names = [t.strip() for t in tags.split(",") if t.strip()]
            detail = f"{len(names)} tag{'s' if len(names) != 1 else ''}: {', '.join(names[:12])}"
            if len(names) > 12:
                detail += ", …"
        return EventSummary("success", SYNCED, detail, entry.datetime)
    if str(meta.get("verb", "")).lower() == "cancelled":
        return EventSummary("cancel", CANCELLED, "stopped by a cancel", entry.datetime)
    reason = reasons.of_run(entry, logs)
    return EventSummary("fail", FAILED, reason.text, entry.datetime, reason)
