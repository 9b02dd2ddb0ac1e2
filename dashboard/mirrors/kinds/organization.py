"""An organization's mirror: Quay discovers the repositories of a source namespace and mirrors
each into the organization (``FEATURE_ORG_MIRROR``).

Its presses answer 400 with Quay's reason (a sync already under way, a cancel already
waiting) and 404 when there is no config (or a Quay without organization mirroring). A Cancel
with nothing to cancel is not sent: Quay would take it, mark every repository cancelled,
report SUCCESS as if discovery had run and move a first run still to come to the interval's
next slot; the config is read first (one call) to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayBadRequest
from dashboard.quay.fanout import quietly
from dashboard.quay.models import SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig, VerifyResult

from ..rules.org_status import ORG_CANCEL_WARNING, OrgStatus, describe_org
from ..rules.outcomes import Action, ActionResult
from .base import MirrorKind

NO_CONFIG = (
    "No organization mirror: Quay has no organization mirror for {org} (it was deleted, or "
    "this Quay runs without organization mirroring)."
)


@dataclass(frozen=True)
class OrgTarget(MirrorKind):
    org: str

    kind: ClassVar[str] = "organization"
    admin_scope: ClassVar[str] = "org:admin"
    routes: ClassVar[dict[str, str]] = {
        "page": "org-mirror",
        "live": "org-mirror",
        "sync_now": "org-mirror-sync-now",
        "cancel": "org-mirror-cancel",
        "settings": "org-mirror-settings",
        "rules": "org-mirror-filter-rows",
        "rules_check": "org-mirror-filters",
        "verify": "org-mirror-verify",
        "delete": "org-mirror-delete",
    }
    cancel_warning: ClassVar[str] = ORG_CANCEL_WARNING
    #: The audit trail files an organization mirror under its namespace, with no repository.
    name: ClassVar[str] = ""

    @property
    def namespace(self) -> str:
        return self.org

    @property
    def full_name(self) -> str:
        return self.org

    @property
    def url_args(self) -> tuple[str, ...]:
        return (self.org,)

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

    # -- what Quay's answers mean ------------------------------------------------------------

    def describe(self, config: OrgMirrorConfig, now: datetime) -> OrgStatus:
        return describe_org(config, now)

    def took_effect(self, action: Action, config: OrgMirrorConfig) -> bool:
        """A sync asked for or repositories under way; every repository's cancel waiting."""
        if action == "sync_now":
            return config.sync_status is SyncStatus.SYNC_NOW or config.repos_active > 0
        return config.sync_status is SyncStatus.CANCEL

    def done_message(self, action: Action) -> str:
        if action == "sync_now":
            return (
                f"Sync requested for {self}: at its next pass the worker lists the source's "
                "repositories, then syncs them one at a time."
            )
        return f"Cancel requested for {self}. {self.cancel_warning}"

    def before_press(
        self, client: QuayClient, action: Action, now: datetime
    ) -> ActionResult | None:
        """A cancel is not sent when the config as Quay has it now has nothing to cancel."""
        if action != "cancel":
            return None
        config = quietly(self.read_config, fresh(client))
        if config is None:
            return None  # could not be read: send it, Quay decides
        status = self.describe(config, now)
        if status.can_cancel:
            return None
        message = (
            f"Nothing to cancel: not sent to Quay, because {status.cancel_blocked} The "
            f"organization mirror of {self.org} is {status.label.lower()}: {status.detail}."
        )
        return ActionResult(
            "cancel", "nothing_to_cancel", message, ok=False, mirror=config, seen=True
        )

    def explain_not_found(self, client: QuayClient, action: Action, now: datetime) -> ActionResult:
        return ActionResult(action, "no_config", NO_CONFIG.format(org=self.org), ok=False)

    def explain_bad_request(
        self, client: QuayClient, action: Action, now: datetime, error: QuayBadRequest
    ) -> ActionResult:
        """Quay said no, and why: its reason, and what the mirror is doing now. Quay answered
        about this organization's mirror: it exists and the person may press."""
        config = quietly(self.read_config, client)
        now_words = ""
        if config is not None:
            status = self.describe(config, now)
            now_words = f" It is now {status.label.lower()}: {status.detail}."
        reason = error.message
        if action == "sync_now":
            outcome = "already_syncing"
            text = f"Already syncing: Quay refused a new sync of {self}: “{reason}”{now_words}"
        else:
            outcome = "nothing_to_cancel"
            text = (
                f"Nothing to cancel: Quay says a cancel of {self} is already waiting for the "
                f"worker (“{reason}”).{now_words}"
            )
        return ActionResult(action, outcome, text, ok=False, mirror=config, seen=True)
