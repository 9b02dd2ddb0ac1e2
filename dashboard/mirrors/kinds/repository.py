"""What an operation acts on, with the Quay calls that concern it.

A :class:`RepoTarget` is one repository's mirror. The status panel, the actions and the audit
trail speak to a target through these methods and names only, so a different kind of mirror
(an organization's) can be served by giving it the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from django.urls import reverse

from dashboard.mirrors.rules import status as mirror_status
from dashboard.quay.client import QuayClient
from dashboard.quay.models import LogEntry, MirrorConfig, Repository, SyncStatus

Action = Literal["sync_now", "cancel"]


class Described(Protocol):
    """A status in words (``MirrorStatus``, ``OrgStatus``)."""

    @property
    def label(self) -> str: ...

    @property
    def detail(self) -> str: ...


class Target(Protocol):
    """What Sync now / Cancel and the audit trail act on: a repository's mirror
    (:class:`RepoTarget`) or an organization's (``org_target.OrgTarget``)."""

    kind: str
    #: The scope Quay wants for a press (``repo:admin``, ``org:admin``).
    admin_scope: str

    @property
    def namespace(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def full_name(self) -> str: ...

    def read_config(self, client: QuayClient) -> Any: ...

    def sync_now(self, client: QuayClient) -> None: ...

    def sync_cancel(self, client: QuayClient) -> None: ...

    def describe(self, config: Any, now: datetime) -> Described: ...

    def took_effect(self, action: Action, config: Any) -> bool: ...

    def url(self, name: str) -> str: ...


@dataclass(frozen=True)
class RepoTarget:
    namespace: str
    name: str

    kind = "repository"
    admin_scope = "repo:admin"

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

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
        """Whether ``config`` shows the press done (read after a press Quay did not answer)."""
        if action == "sync_now":
            return config.sync_status.is_active
        return config.sync_status is SyncStatus.CANCEL

    # -- the dashboard's own pages for it ---------------------------------------------------

    def url(self, name: str) -> str:
        """The dashboard URL ``mirrors:<name>`` of this repository (``repo``, ``status``...)."""
        return reverse(f"mirrors:{name}", args=[self.namespace, self.name])
