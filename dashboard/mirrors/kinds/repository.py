"""A repository's mirror: one repository of Quay in state MIRROR, with its mirror config.

Quay answers 404 to ``sync-now`` while a sync is running and to ``sync-cancel`` unless one is
queued or running, as well as for a repository without a mirror config or no repository at
all. A bare "not found" would mislead, so on a 404 the config (and, if needed, the
repository) is read again and the answer is put in words (one or two calls more).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import quietly
from dashboard.quay.models import LogEntry, MirrorConfig, Repository, SyncStatus

from ..rules import status as mirror_status
from ..rules.outcomes import Action, ActionResult, verb
from .base import MirrorKind
from .missing import why_missing


@dataclass(frozen=True)
class RepoTarget(MirrorKind):
    namespace: str
    name: str

    kind: ClassVar[str] = "repository"
    admin_scope: ClassVar[str] = "repo:admin"
    routes: ClassVar[dict[str, str]] = {
        "page": "repo",
        "live": "status",
        "row": "row",
        "sync_now": "sync-now",
        "cancel": "sync-cancel",
        "settings": "settings",
        "rules": "rules",
        "rules_check": "rules-check",
        "state": "switch-state",
    }
    cancel_warning: ClassVar[str] = mirror_status.CANCEL_WARNING

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def url_args(self) -> tuple[str, ...]:
        return (self.namespace, self.name)

    def __str__(self) -> str:
        return self.full_name

    # -- Quay calls -------------------------------------------------------------------------

    def read_config(self, client: QuayClient) -> MirrorConfig:
        return client.get_mirror(self.namespace, self.name)

    def read_repository(self, client: QuayClient) -> Repository:
        return client.get_repository(self.namespace, self.name)

    def read_logs(self, client: QuayClient, **options: Any) -> list[LogEntry]:
        return client.list_logs(self.namespace, self.name, **options)

    def sync_now(self, client: QuayClient) -> None:
        client.sync_now(self.namespace, self.name)

    def sync_cancel(self, client: QuayClient) -> None:
        client.sync_cancel(self.namespace, self.name)

    # -- what Quay's answers mean ------------------------------------------------------------

    def describe(self, config: MirrorConfig, now: datetime) -> mirror_status.MirrorStatus:
        return mirror_status.describe(config, now)

    def took_effect(self, action: Action, config: MirrorConfig) -> bool:
        if action == "sync_now":
            return config.sync_status.is_active
        return config.sync_status is SyncStatus.CANCEL

    def done_message(self, action: Action) -> str:
        if action == "sync_now":
            return f"Sync requested for {self}: a mirror worker will pick it up shortly."
        return f"Sync of {self} cancelled. {self.cancel_warning}"

    def seen_after_refusal(self, client: QuayClient) -> bool:
        """Quay refused the press: it still shows the repository if it can be read."""
        return quietly(self.read_repository, client) is not None

    def explain_not_found(self, client: QuayClient, action: Action, now: datetime) -> ActionResult:
        """Read the config (and the repository) again and say what the 404 meant."""
        try:
            mirror = self.read_config(client)
        except QuayUnauthorized:
            raise
        except QuayNotFound:
            return self._no_config_or_repo(client, action)
        except QuayError as error:
            return ActionResult(
                action,
                "error",
                f"Quay refused to {verb(action)} {self} (it answered “not found”), and the "
                f"mirror config could not be read to find out why: {error.message}",
                ok=False,
            )
        status = mirror_status.describe(mirror, now)
        now_words = f"{status.label.lower()}: {status.detail}"
        seen = {"ok": False, "mirror": mirror, "seen": True}
        if action == "sync_now" and mirror.sync_status is SyncStatus.SYNCING:
            stuck = (
                " It looks stuck: cancel it first, then press Sync now." if status.is_stuck else ""
            )
            return ActionResult(
                action,
                "already_syncing",
                f"Already syncing: a worker is copying {self} right now ({now_words}), and "
                f"Quay does not start a second sync.{stuck}",
                **seen,
            )
        if action == "sync_now":
            return ActionResult(
                action,
                "already_syncing",
                f"Quay refused because {self} was syncing at that moment; it is now "
                f"{now_words}. Press Sync now again to start another sync.",
                **seen,
            )
        if mirror.sync_status.is_active:
            return ActionResult(
                action,
                "error",
                f"Quay refused to cancel the sync of {self}, which is {now_words}. Try again.",
                **seen,
            )
        return ActionResult(
            action,
            "nothing_to_cancel",
            f"Nothing to cancel: no sync of {self} is queued or running; "
            f"the last one has finished ({now_words}).",
            **seen,
        )

    def _no_config_or_repo(self, client: QuayClient, action: Action) -> ActionResult:
        missing = why_missing(client, self)
        if missing.kind == "no_repo":
            return ActionResult(
                action, "no_repo", f"No such repository: {missing.words(self)}", ok=False
            )
        repo = missing.repository
        if missing.unchecked or repo is None:
            return ActionResult(action, "no_config", missing.words(self), ok=False)
        # The repository was read: Quay shows it to the person.
        state = (
            ""
            if repo.is_mirror
            else f" The repository is in state {repo.state}; mirroring needs state MIRROR."
        )
        return ActionResult(
            action,
            "no_config",
            f"No mirror config: {self} is not set up for mirroring yet, so there is nothing "
            f"to {'sync' if action == 'sync_now' else 'cancel'}. Set up mirroring first.{state}",
            ok=False,
            seen=True,
        )
