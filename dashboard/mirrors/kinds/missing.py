"""After Quay answered 404 for a mirror config: is there no config, or no repository at all?

One call (the repository). Used by the status panel and by the presses, which put the answer
in their own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.models import Repository

if TYPE_CHECKING:
    from .repository import RepoTarget


@dataclass(frozen=True)
class Missing:
    """``kind``: ``no_repo`` (Quay shows no such repository) or ``no_config`` (it exists but
    has no mirror config; ``repository`` says its state). ``unchecked``: why the repository
    could not be read (Quay down, slow, failing): then only "no config" is known."""

    kind: str
    repository: Repository | None = None
    unchecked: str = ""

    def words(self, target: RepoTarget) -> str:
        """What is missing, as a sentence."""
        if self.kind == "no_repo":
            return f"Quay has no repository {target} that you can see."
        if self.unchecked:
            return (
                f"{target} has no mirror config (Quay answered “not found”); the repository "
                f"could not be checked: {self.unchecked}"
            )
        repo = self.repository
        if repo is not None and not repo.is_mirror:
            return (
                f"{target} is not mirrored (its state is {repo.state}): "
                "there is no mirror config to show."
            )
        return f"{target} is set to mirror but has no mirror config yet."


def why_missing(client: QuayClient, target: RepoTarget) -> Missing:
    try:
        repo = target.read_repository(client)
    except QuayUnauthorized:
        raise
    except (QuayNotFound, QuayForbidden):
        return Missing("no_repo")
    except QuayError as error:
        return Missing("no_config", unchecked=error.message)
    return Missing("no_config", repository=repo)
