"""Switching a repository to mirror state (``PUT .../changestate``), after a confirmation.

Cost: one read of the repository and, unless it is already mirrored, the switch.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.quay.models import RepositoryState

from ..models import AuditEntry, record
from .person import Person
from .target import RepoTarget


@dataclass(frozen=True)
class SwitchResult:
    level: str  # a message level: success, info, error
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
        if repo.is_mirror:
            return SwitchResult("info", f"{target} is already in mirror state.")
        client.change_repository_state(target.namespace, target.name, RepositoryState.MIRROR)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        record(
            person,
            target,
            AuditEntry.Action.STATE,
            changes={"state": {"from": None, "to": "MIRROR", "applied": False}},
            ok=False,
            message=error.message,
        )
        return SwitchResult(
            "error", f"The repository was not switched to mirror state: {error.message}"
        )
    record(
        person,
        target,
        AuditEntry.Action.STATE,
        changes={"state": {"from": str(repo.state), "to": "MIRROR", "applied": True}},
    )
    return SwitchResult(
        "success",
        f"{target} is now in mirror state: pushes are refused. Set up the mirror below.",
    )
