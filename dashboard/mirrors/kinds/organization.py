"""An organization's mirror: Quay discovers the repositories of a source namespace and mirrors
each into the organization (``FEATURE_ORG_MIRROR``).

Its presses answer 400 with Quay's reason (a sync already under way, a cancel already
waiting) and 404 when there is no config (or a Quay without organization mirroring). A Cancel
with nothing to cancel is not sent: Quay would take it, mark every repository cancelled,
report SUCCESS as if discovery had run and move a first run still to come to the interval's
next slot; the config is read first (one call) to know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from dashboard.quay import ui
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import QuayBadRequest
from dashboard.quay.fanout import quietly
from dashboard.quay.models import Repository, SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig, VerifyResult

from ..forms.organization import PROXIES, REGISTRY_CONFIG, OrgMirrorForm
from ..rules import changes
from ..rules.changes import Snapshot
from ..rules.org_status import (
    DELETE_WARNING,
    ORG_CANCEL_WARNING,
    OrgStatus,
    describe_org,
    during_sync,
)
from ..rules.outcomes import Action, ActionResult
from ..rules.status import SyncWarning
from ..rules.timefmt import clock
from .base import Confirmation, MirrorKind

#: An organization mirror's editable fields (the source type never changes).
FIELDS: tuple[str, ...] = (
    "external_registry_url",
    "external_namespace",
    "repository_filters",
    "robot_username",
    "visibility",
    "is_enabled",
    "sync_start_date",
    "sync_interval",
    "skopeo_timeout",
    "external_registry_username",
    *REGISTRY_CONFIG,
)

NO_CONFIG = (
    "No organization mirror: Quay has no organization mirror for {org} (it was deleted, or "
    "this Quay runs without organization mirroring)."
)


@dataclass(frozen=True)
class OrgTarget(MirrorKind):
    org: str

    kind: ClassVar[str] = "organization"
    admin_scope: ClassVar[str] = "org:admin"
    url_name: ClassVar[str] = "org-mirror"
    cancel_warning: ClassVar[str] = ORG_CANCEL_WARNING
    fields: ClassVar[tuple[str, ...]] = FIELDS
    fixed_fields: ClassVar[tuple[str, ...]] = ("external_registry_type",)
    #: Quay's worker takes an enabled config whose start date has passed at its next pass.
    past_start_words: ClassVar[str] = (
        "Quay's worker starts a discovery at its next pass, then syncs the repositories it finds."
    )
    sync_note: ClassVar[str] = (
        "the organization mirror's sync is under way (what saving now does to it is said below)"
    )
    past_start_note: ClassVar[str] = (
        "the start date is in the past, so Quay's worker starts a discovery at its next pass"
    )
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

    def quay_url(self, mirroring: bool = False) -> str:
        tab = ui.ORGANIZATION_MIRRORING if mirroring else ""
        return ui.namespace_url(self.org, True, tab)

    def confirmation(self, role: str) -> Confirmation:
        """Delete's, besides Cancel's."""
        if role != "delete":
            return super().confirmation(role)
        return Confirmation("Delete", DELETE_WARNING, "Delete the organization mirror", "Keep it")

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
            f"organization mirror of {self.org} is {status.in_words}."
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
            now_words = f" It is now {status.in_words}."
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

    # -- the settings -----------------------------------------------------------------------

    def settings_form(
        self,
        data: Any,
        config: OrgMirrorConfig | None,
        now: datetime,
        *,
        robots: Sequence[str] | None = None,
        initial: dict[str, Any] | None = None,
        creating: bool | None = None,
        stored_password: bool | None = None,
    ) -> OrgMirrorForm:
        """``robots``: the organization's robots, offered as suggestions (a new mirror gets
        ``<org>+mirror`` when there is one). ``creating`` and ``stored_password``: what the
        form was drawn as, where ``config`` cannot tell (it could not be read)."""
        initial = dict(initial or {})
        if config is None and not initial:
            initial = _defaults(self.org, list(robots or ()), now)
        elif config is not None:
            initial.setdefault(
                "loaded", changes.sign(self.namespace, self.name, self.snapshot(config))
            )
        initial.setdefault("org", self.org)
        form = OrgMirrorForm(
            data,
            config=config,
            org=self.org,
            initial=initial,
            creating=creating,
            stored_password=stored_password,
        )
        if robots:
            form.fields["robot_username"].widget.attrs["list"] = "org-robots"
        form.robots = list(robots or ())
        return form

    def payload(
        self,
        values: Mapping[str, Any],
        config: OrgMirrorConfig | None,
        cleaned: Mapping[str, Any],
    ) -> dict[str, Any]:
        """With any part of ``external_registry_config`` changed, the whole of it (the other
        parts as ``config`` has them; no proxy object when no proxy is left), since Quay
        replaces it whole; a create names the source type too, and leaves out what is empty."""
        sent = super().payload(values, config, cleaned)
        if "external_registry_username" in sent and sent["external_registry_username"] is None:
            sent["external_registry_username"] = ""  # Quay clears it (the API's own way)
        if config is None:
            sent["external_registry_type"] = cleaned["external_registry_type"]
            if not sent.get("external_registry_username"):
                sent.pop("external_registry_username", None)
        if any(name in sent for name in REGISTRY_CONFIG):
            for name in REGISTRY_CONFIG:
                if name not in sent and config is not None:
                    sent[name] = getattr(config, name)
            if not any(sent.get(name) for name in PROXIES):
                for name in PROXIES:
                    sent.pop(name, None)
        return sent

    def create_config(self, client: QuayClient, payload: Mapping[str, Any]) -> None:
        client.create_org_mirror(self.org, payload)

    def update_config(self, client: QuayClient, payload: Mapping[str, Any]) -> None:
        client.update_org_mirror(self.org, payload)

    def sync_warning(
        self, config: OrgMirrorConfig, now: datetime, changes: Mapping[str, Any] | None = None
    ) -> SyncWarning | None:
        return during_sync(config, now, changes)

    def created_words(self, mine: Snapshot, now: datetime) -> str:
        start = parse_quay_datetime(mine.get("sync_start_date"))
        when = f". Its first run: {clock(start, now)}" if start else ""
        return f"Organization mirror of {self.org} set up{when}"


def _defaults(org: str, robots: list[str], now: datetime) -> dict[str, Any]:
    """A new organization mirror's settings: a Quay source, the organization's mirror robot,
    private repositories, daily from five minutes from now, TLS verified."""
    mirror_robot = f"{org}+mirror"
    start = (now + timedelta(minutes=5)).replace(second=0, microsecond=0)
    return {
        "external_registry_type": "quay",
        "robot_username": mirror_robot if mirror_robot in robots else (robots[0] if robots else ""),
        "visibility": "private",
        "is_enabled": True,
        "sync_start_date": start,
        "sync_interval_value": 24,
        "sync_interval_unit": "hours",
        "skopeo_timeout_value": 5,
        "skopeo_timeout_unit": "minutes",
        "verify_tls": True,
        "org": org,
    }


def candidates(username: str, listings: Mapping[str, Sequence[Repository]]) -> list[str]:
    """The organizations that can have an organization mirror: empty, or all ORG_MIRROR."""
    return [
        namespace
        for namespace, repos in listings.items()
        if namespace != username and all(repo.is_org_mirror for repo in repos)
    ]
