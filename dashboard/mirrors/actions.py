"""Sync now and Cancel: ask Quay, and when it says no, find out and say what really happened.

Quay answers 404 to ``sync-now`` while a sync is running and to ``sync-cancel`` unless one is
queued or running, as well as for a repository without a mirror config or no repository at
all. A bare "not found" would mislead, so on a 404 the config (and, if needed, the repository)
is read again and the answer is put in words. Every press is written to the audit trail.

Used by the repository page's status panel, the overview rows and the bulk actions alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import quietly
from dashboard.quay.models import MirrorConfig, SyncStatus

from . import status as mirror_status
from .models import AuditEntry, record

logger = logging.getLogger(__name__)

Action = Literal["sync_now", "cancel"]
ACTIONS: tuple[Action, ...] = ("sync_now", "cancel")

#: What Cancel does, said before it is done (confirmation dialog and page) and after.
CANCEL_WARNING = (
    "The running copy stops after the current tag (tags copied so far stay), and scheduled "
    "syncs stay paused until someone presses Sync now."
)

#: outcome -> is it a success for the person? (``already_syncing`` means a sync is running,
#: which is what Sync now asked for, but nothing new was started: not ok.)
OUTCOMES = {
    "done": "done",
    "already_syncing": "already syncing",
    "nothing_to_cancel": "nothing to cancel",
    "no_config": "no mirror config",
    "no_repo": "no such repository",
    "no_rights": "no rights",
    "error": "error",
}


@dataclass(frozen=True)
class ActionResult:
    """How a Sync now / Cancel went, for a person (``message``) and for code (``outcome``)."""

    action: Action
    outcome: str  # a key of OUTCOMES
    message: str
    ok: bool
    #: The config as read after the action (or while finding out what a 404 meant), if read.
    mirror: MirrorConfig | None = None

    @property
    def outcome_label(self) -> str:
        """Short words for a per-row result ("done", "already syncing", "no rights", ...)."""
        return OUTCOMES[self.outcome]

    @property
    def detail(self) -> str:
        """The message without a leading "<outcome label>: " (for use after the label)."""
        return without_label(self.message, self.outcome_label)


def without_label(message: str, label: str) -> str:
    """``"Nothing to cancel: no sync…"`` after the label "nothing to cancel" is just
    ``"no sync…"``: the same words once, not twice."""
    prefix = f"{label}: "
    if message.lower().startswith(prefix.lower()):
        rest = message[len(prefix) :]
        return rest[:1].upper() + rest[1:]
    return message


def perform(
    request: Any, namespace: str, name: str, action: Action, *, audit: bool = True
) -> ActionResult:
    """Ask Quay (as the signed-in person) to sync now or cancel, and record it.

    Never raises a :class:`QuayError` except :class:`QuayUnauthorized`, which must reach the
    middleware so the person signs in again. Called from worker threads (bulk actions), pass
    ``audit=False`` and call :func:`record_result` afterwards in the request's own thread, so
    the database is only touched there.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    result = _perform(request.quay, namespace, name, action)
    if audit:
        record_result(request, namespace, name, result)
    return result


def record_result(request: Any, namespace: str, name: str, result: ActionResult) -> ActionResult:
    """The audit entry of one press of Sync now / Cancel, with how it went."""
    action = result.action
    record(
        request,
        namespace,
        name,
        AuditEntry.Action.SYNC_NOW if action == "sync_now" else AuditEntry.Action.CANCEL,
        ok=result.ok,
        message=f"{result.outcome_label}: {result.detail}",
    )
    return result


def _perform(quay: Any, namespace: str, name: str, action: Action) -> ActionResult:
    full = f"{namespace}/{name}"
    try:
        if action == "sync_now":
            quay.sync_now(namespace, name)
        else:
            quay.sync_cancel(namespace, name)
    except QuayUnauthorized:
        raise
    except QuayForbidden as error:
        return ActionResult(
            action,
            "no_rights",
            f"No rights: Quay does not let you {_verb(action)} {full}. {error.message}",
            ok=False,
        )
    except QuayNotFound:
        return _explain_not_found(quay, namespace, name, action)
    except QuayError as error:
        return ActionResult(
            action, "error", f"Could not {_verb(action)} {full}: {error.message}", ok=False
        )

    mirror = quietly(quay.get_mirror, namespace, name)  # a failure only costs the fresh status
    if action == "sync_now":
        message = f"Sync requested for {full}: a mirror worker will pick it up shortly."
    else:
        message = f"Sync of {full} cancelled. {CANCEL_WARNING}"
    return ActionResult(action, "done", message, ok=True, mirror=mirror)


def _verb(action: Action) -> str:
    return "start a sync of" if action == "sync_now" else "cancel the sync of"


def _explain_not_found(quay: Any, namespace: str, name: str, action: Action) -> ActionResult:
    """Quay said 404: read the config (and the repository) again and say what it meant."""
    full = f"{namespace}/{name}"
    try:
        mirror = quay.get_mirror(namespace, name)
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        return _no_config_or_repo(quay, namespace, name, action)
    except QuayError as error:
        return ActionResult(
            action,
            "error",
            f"Quay refused to {_verb(action)} {full} (it answered “not found”), and the mirror "
            f"config could not be read to find out why: {error.message}",
            ok=False,
        )

    status = mirror_status.describe(mirror, mirror_status.current_time())
    now_words = f"{status.label.lower()}: {status.detail}"
    if action == "sync_now":
        if mirror.sync_status is SyncStatus.SYNCING:
            stuck = (
                " It looks stuck: cancel it first, then press Sync now." if status.is_stuck else ""
            )
            return ActionResult(
                action,
                "already_syncing",
                f"Already syncing: a worker is copying {full} right now ({now_words}), and "
                f"Quay does not start a second sync.{stuck}",
                ok=False,
                mirror=mirror,
            )
        return ActionResult(
            action,
            "already_syncing",
            f"Quay refused because {full} was syncing at that moment; it is now "
            f"{now_words}. Press Sync now again to start another sync.",
            ok=False,
            mirror=mirror,
        )
    if mirror.sync_status.is_active:
        return ActionResult(
            action,
            "error",
            f"Quay refused to cancel the sync of {full}, which is {now_words}. Try again.",
            ok=False,
            mirror=mirror,
        )
    return ActionResult(
        action,
        "nothing_to_cancel",
        f"Nothing to cancel: no sync of {full} is queued or running; "
        f"the last one has finished ({now_words}).",
        ok=False,
        mirror=mirror,
    )


def _no_config_or_repo(quay: Any, namespace: str, name: str, action: Action) -> ActionResult:
    full = f"{namespace}/{name}"
    try:
        repo = quay.get_repository(namespace, name)
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        return ActionResult(
            action,
            "no_repo",
            f"No such repository: Quay has no repository {full} (or you cannot see it).",
            ok=False,
        )
    except QuayForbidden:
        return ActionResult(
            action,
            "no_repo",
            f"No such repository: Quay has no repository {full} that you can see.",
            ok=False,
        )
    except QuayError as error:
        return ActionResult(
            action,
            "no_config",
            f"{full} has no mirror config (Quay answered “not found”); the repository could "
            f"not be checked: {error.message}",
            ok=False,
        )
    state = (
        ""
        if repo.is_mirror
        else f" The repository is in state {repo.state}; mirroring needs state MIRROR."
    )
    return ActionResult(
        action,
        "no_config",
        f"No mirror config: {full} is not set up for mirroring yet, so there is nothing to "
        f"{'sync' if action == 'sync_now' else 'cancel'}. Set up mirroring first.{state}",
        ok=False,
    )
