"""An organization's mirror as a target of the operations (the status panel, the presses, the
audit trail), with the Quay calls that concern it: the same names as :class:`RepoTarget`'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from dashboard.mirrors.kinds.repository import Action
from dashboard.mirrors.rules.org_status import ORG_CANCEL_WARNING, OrgStatus, describe_org
from dashboard.quay.client import QuayClient
from dashboard.quay.models import SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig, VerifyResult


@dataclass(frozen=True)
class OrgTarget:
    org: str

    kind = "organization"
    admin_scope = "org:admin"
    #: The audit trail files an organization mirror under its namespace, with no repository.
    name = ""

    @property
    def namespace(self) -> str:
        return self.org

    @property
    def full_name(self) -> str:
        return self.org

    def __str__(self) -> str:
        return f"the organization mirror of {self.org}"

    # -- Quay calls -------------------------------------------------------------------------

    def read_config(self, client: QuayClient) -> OrgMirrorConfig:
        return client.get_org_mirror(self.org)

    def sync_now(self, client: QuayClient) -> None:
        client.org_mirror_sync_now(self.org)

    def sync_cancel(self, client: QuayClient) -> None:
        client.org_mirror_sync_cancel(self.org)

    def verify(self, client: QuayClient) -> VerifyResult:
        return client.verify_org_mirror(self.org)

    def delete(self, client: QuayClient) -> None:
        client.delete_org_mirror(self.org)

    # -- words ------------------------------------------------------------------------------

    def describe(self, config: OrgMirrorConfig, now: datetime) -> OrgStatus:
        return describe_org(config, now)

    def took_effect(self, action: Action, config: OrgMirrorConfig) -> bool:
        """Whether ``config`` shows the press done (read after a press Quay did not answer):
        a sync asked for or repositories under way; every repository's cancel waiting."""
        if action == "sync_now":
            return config.sync_status is SyncStatus.SYNC_NOW or config.repos_active > 0
        return config.sync_status is SyncStatus.CANCEL

    def done_message(self, action: str) -> str:
        if action == "sync_now":
            return (
                f"Sync requested for the organization mirror of {self.org}: at its next pass "
                "the worker lists the source's repositories, then syncs them one at a time."
            )
        return f"Cancel requested for the organization mirror of {self.org}. {ORG_CANCEL_WARNING}"

    # -- the dashboard's own pages for it ---------------------------------------------------

    def url(self, name: str) -> str:
        """The dashboard URL ``mirrors:org-<name>`` (``org-mirror``, ``org-mirror-status``...)."""
        return reverse(f"mirrors:{name}", args=[self.org])
