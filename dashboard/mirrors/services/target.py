"""What an operation acts on, with the Quay calls that concern it.

A :class:`RepoTarget` is one repository's mirror. The status panel, the actions and the audit
trail speak to a target through these methods and names only, so a different kind of mirror
(an organization's) can be served by giving it the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from dashboard.quay.client import QuayClient
from dashboard.quay.models import LogEntry, MirrorConfig, Repository


@dataclass(frozen=True)
class RepoTarget:
    namespace: str
    name: str

    kind = "repository"

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

    # -- the dashboard's own pages for it ---------------------------------------------------

    def url(self, name: str) -> str:
        """The dashboard URL ``mirrors:<name>`` of this repository (``repo``, ``status``...)."""
        return reverse(f"mirrors:{name}", args=[self.namespace, self.name])
