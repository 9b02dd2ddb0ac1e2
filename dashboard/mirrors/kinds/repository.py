"""A repository's mirror: one repository of Quay in state MIRROR, with its mirror config.

Quay answers 404 to ``sync-now`` while a sync is running and to ``sync-cancel`` unless one is
queued or running, as well as for a repository without a mirror config or no repository at
all. A bare "not found" would mislead, so on a 404 the config (and, if needed, the
repository) is read again and the answer is put in words (one or two calls more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from dashboard.quay import ui
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import parallel, quietly
from dashboard.quay.models import LogEntry, MirrorConfig, Repository, SyncStatus

from ..forms.repository import MirrorSettingsForm
from ..rules import changes, globs
from ..rules import status as mirror_status
from ..rules.changes import Change, Snapshot
from ..rules.outcomes import Action, ActionResult, verb
from ..rules.status import REPO_SYNC_RUNNING, REPO_SYNC_STUCK, SyncWarning
from .base import MirrorKind
from .missing import why_missing


@dataclass(frozen=True)
class RepoTarget(MirrorKind):
    namespace: str
    name: str

    kind: ClassVar[str] = "repository"
    admin_scope: ClassVar[str] = "repo:admin"
    url_name: ClassVar[str] = "repo"
    cancel_warning: ClassVar[str] = mirror_status.CANCEL_WARNING
    fields: ClassVar[tuple[str, ...]] = changes.FIELDS
    past_start_words: ClassVar[str] = "Quay will start a sync right away."
    past_start_note: ClassVar[str] = (
        "the start date is in the past, so Quay will start a sync right away"
    )
    sync_note: ClassVar[str] = (
        "a sync is running; saving now can disturb it (Quay restarts its bookkeeping on "
        "every change)"
    )

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def url_args(self) -> tuple[str, ...]:
        return (self.namespace, self.name)

    def __str__(self) -> str:
        return self.full_name

    def quay_url(self, mirroring: bool = False) -> str:
        tab = ui.REPOSITORY_MIRRORING if mirroring else ""
        return ui.repository_url(self.namespace, self.name, tab)

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
        now_words = status.in_words
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

    # -- the settings -----------------------------------------------------------------------

    def settings_form(
        self,
        data: Any,
        config: MirrorConfig | None,
        now: datetime,
        *,
        robots: Sequence[str] | None = None,
        robots_error: str = "",
        capabilities: Any = None,
        initial: dict[str, Any] | None = None,
        creating: bool | None = None,
        stored_password: bool | None = None,
        tag_names: Any = None,
    ) -> MirrorSettingsForm:
        """``robots``: the namespace's robots (a new mirror gets one meant for mirroring);
        ``capabilities``: Quay's registry capabilities (architecture filters)."""
        if initial is None:
            initial = MirrorSettingsForm.initial_from(config, now)
            if config is not None:
                initial["loaded"] = changes.sign(self.namespace, self.name, self.snapshot(config))
            elif robots:
                named = [r for r in robots if "mirror" in r.split("+", 1)[-1]]
                initial["robot_username"] = (named or list(robots))[0]
        return MirrorSettingsForm(
            data,
            namespace=self.namespace,
            robots=robots,
            robots_error=robots_error,
            creating=config is None if creating is None else creating,
            stored_password=bool(config and config.external_registry_username)
            if stored_password is None
            else stored_password,
            architectures=capabilities,
            initial=initial,
        )

    def save_reads(
        self,
        client: QuayClient,
        username: str,
        posted: Mapping[str, Any],
        loaded: Snapshot | None,
    ) -> dict[str, Any]:
        """Whether Quay takes architecture filters (the page draws the filter disabled where
        it does not, so a save must not read a missing tick as "none"; Quay's anonymous
        registry capabilities, kept for minutes: usually no call); the namespace's robots for
        a new robot (Quay refuses an unknown one only after it has stored the tag rule, which
        then ignores later changes: never send one); the current tags for a new tag rule
        (which of them the next sync deletes)."""
        rows = posted.getlist("root_rule") if hasattr(posted, "getlist") else []
        new_rule = loaded is None or globs.clean_patterns(rows) != loaded.get("root_rule")
        new_robot = loaded is None or posted.get("robot_username") != loaded.get("robot_username")
        calls = {"capabilities": client.get_registry_capabilities}
        if new_robot:
            calls["robots"] = lambda: [r.name for r in client.list_robots(self.namespace, username)]
        if new_rule:
            calls["tag_names"] = lambda: [t.name for t in client.list_tags(*self.url_args)]
        names = list(calls)
        got = parallel(*calls.values())
        for outcome in got:
            if isinstance(outcome.error, QuayUnauthorized):
                raise outcome.error
        return {name: outcome.value for name, outcome in zip(names, got, strict=True)}

    def create_config(self, client: QuayClient, payload: Mapping[str, Any]) -> None:
        client.create_mirror(self.namespace, self.name, payload)

    def update_config(self, client: QuayClient, payload: Mapping[str, Any]) -> None:
        client.update_mirror(self.namespace, self.name, payload)

    def sync_warning(
        self, config: MirrorConfig, now: datetime, changes: Mapping[str, Any] | None = None
    ) -> SyncWarning | None:
        """A running sync is disturbed by any save; one whose worker died (its lease ran
        out) is not running at all."""
        status = mirror_status.describe(config, now)
        if status.changes_by_itself:
            return REPO_SYNC_RUNNING
        return REPO_SYNC_STUCK if status.is_active else None

    def more_confirmations(
        self,
        client: QuayClient,
        config: MirrorConfig | None,
        asked: Sequence[Change],
        mine: Snapshot,
        posted: Mapping[str, Any],
        reads: Mapping[str, Any],
    ) -> tuple[dict[str, Any], list[str]]:
        """The tags here now that the new rule would have the next (or first) sync delete,
        unless already confirmed (the confirmation names the very tags, so a different list
        asks again). No confirmation where the tags could not be read."""
        tags = reads.get("tag_names")
        if tags is None or (config is not None and not any(c.field == "root_rule" for c in asked)):
            return {}, []
        deleted = sorted(globs.preview(mine["root_rule"], tags).deleted)
        if not deleted or posted.get("confirm_delete_tags") == ",".join(deleted):
            return {}, []
        more = f" and {len(deleted) - 10} more" if len(deleted) > 10 else ""
        words = f"{len(deleted)} tag{'s' if len(deleted) != 1 else ''} ({', '.join(deleted[:10])}"
        which = "first" if config is None else "next"
        return {"confirm_delete": deleted}, [f"the {which} sync would delete {words}{more})"]

    def created_words(self, mine: Snapshot, now: datetime) -> str:
        return (
            f"Mirror created: {mine['external_reference']}, tags "
            f"{changes.format_value('root_rule', mine['root_rule'])}, every "
            f"{changes.format_value('sync_interval', mine['sync_interval'])}, robot "
            f"{mine['robot_username']}"
        )
