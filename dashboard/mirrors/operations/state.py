"""Switching a repository to mirror state (``PUT .../changestate``), after a confirmation.

Cost: one read of the repository and, unless it is already mirrored, the switch.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.models import AuditEntry, begin, discard, record
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import refusals
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    QuayBusy,
    QuayError,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
)
from dashboard.quay.models import Repository, RepositoryState


@dataclass(frozen=True)
class SwitchResult:
    level: str  # a message level: success, info, warning, error
    message: str


def switch_to_mirror(
    client: QuayClient, person: Person, target: RepoTarget, *, confirmed: bool
) -> SwitchResult:
    """Put ``target`` in mirror state (pushes are refused from then on); audited."""
    if not confirmed:
        return SwitchResult(
            "error",
            "The repository was not switched: tick the box to confirm that pushes will be "
            "refused from now on.",
        )
    try:
        repo = target.read_repository(fresh(client))  # decides the write: never cached
    except QuayUnauthorized:
        raise
    except QuayError as error:  # nothing was asked of Quay yet: nothing to audit
        return SwitchResult("error", f"The repository was not switched: {error.message}")
    if repo.is_mirror:
        return SwitchResult("info", f"{target} is already in mirror state.")
    pending = begin(person, target, AuditEntry.Action.STATE, changes=_change(repo, None))
    try:
        client.change_repository_state(target.namespace, target.name, RepositoryState.MIRROR)
    except QuayUnauthorized:
        discard(pending)
        raise
    except QuayBusy as error:  # never sent
        discard(pending)
        return SwitchResult("error", f"The repository was not switched: {error.message}")
    except (QuayTimeout, QuayServerError) as error:  # Quay may have acted: look
        return _unanswered(client, person, target, repo, error, pending)
    except QuayError as error:
        _record(person, target, repo, AuditEntry.Outcome.REFUSED, error.message, pending)
        return SwitchResult(
            "error", f"The repository was not switched to mirror state: {error.message}"
        )
    _record(person, target, repo, AuditEntry.Outcome.DONE, entry=pending)
    return SwitchResult(
        "success",
        f"{target} is now in mirror state: pushes are refused. Set up the mirror below.",
    )


def _change(before: Repository, applied: bool | None) -> dict[str, dict[str, object]]:
    return {"state": {"from": str(before.state), "to": "MIRROR", "applied": applied}}


def _record(
    person: Person,
    target: RepoTarget,
    before: Repository,
    outcome: str,
    message: str = "",
    entry: AuditEntry | None = None,
) -> None:
    """The switch's entry (``entry``: the one written before the call), completed."""
    applied = {AuditEntry.Outcome.DONE: True, AuditEntry.Outcome.UNKNOWN: None}.get(outcome, False)
    record(
        person,
        target,
        AuditEntry.Action.STATE,
        changes=_change(before, applied),
        outcome=outcome,
        message=message,
        entry=entry,
    )


def _unanswered(
    client: QuayClient,
    person: Person,
    target: RepoTarget,
    before: Repository,
    error: QuayError,
    pending: AuditEntry,
) -> SwitchResult:
    why = refusals.unanswered(client.timeout, error)
    try:
        now_mirror = target.read_repository(client).is_mirror
    except QuayUnauthorized:
        raise
    except QuayError:
        _record(
            person, target, before, AuditEntry.Outcome.UNKNOWN, f"{why}; not read back.", pending
        )
        return SwitchResult(
            "warning",
            f"{why}, and the repository could not be read again: whether it is in mirror state "
            "now is not known. Reload the page in a moment.",
        )
    if now_mirror:
        _record(
            person, target, before, AuditEntry.Outcome.DONE, f"{why}; read back: MIRROR.", pending
        )
        return SwitchResult(
            "success", f"{why}, but {target} is now in mirror state. Set up the mirror below."
        )
    outcome = (
        AuditEntry.Outcome.UNKNOWN
        if isinstance(error, QuayTimeout)
        else (AuditEntry.Outcome.NOT_DONE)
    )
    _record(person, target, before, outcome, f"{why}; read back: still {before.state}.", pending)
    return SwitchResult(
        "warning",
        f"{why}, and {target} is still in state {before.state}"
        + (
            ": Quay may still switch it; reload the page in a moment."
            if outcome == "unknown"
            else "."
        ),
    )
