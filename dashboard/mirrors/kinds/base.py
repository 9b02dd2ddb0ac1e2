"""The seam: what differs between a repository mirror and an organization mirror.

A mirror is named by an object of its kind (:class:`~.repository.RepoTarget`,
:class:`~.organization.OrgTarget`): it holds the names that find it in Quay, the Quay calls
that read and change it, what Quay's answers mean for it (a 404 to Sync now, a 400 to
Cancel), its status in words, its fields and their labels, and the dashboard's URLs for it.
Every flow -- a save (``operations.save``), a press (``operations.press``), the live status
(``pages.live``), a page (``pages``) -- exists once and asks the kind; it never asks which
kind it holds. A third kind is one module here, one form and one page skeleton.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.urls import reverse

from dashboard.quay import ui
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import QuayBadRequest
from dashboard.quay.ui import QuayLink

from ..rules.outcomes import Action, ActionResult
from ..rules.snapshots import snapshot_of

if TYPE_CHECKING:  # names for annotations only
    from ..forms.base import SettingsForm
    from ..rules.changes import Change
    from ..rules.snapshots import Snapshot
    from ..rules.status import Status, SyncWarning


@dataclass(frozen=True)
class Confirmation:
    """What a press asks before it is done (on a page of its own without JavaScript)."""

    #: What it does, before the mirror's name: the page's title and question.
    doing: str
    #: What it does, said before it is done.
    warning: str
    #: Its button, and the way back without it.
    button: str
    keep: str


class MirrorKind(ABC):
    """One mirror of one kind. Subclasses are frozen dataclasses of the names that find it."""

    #: ``repository`` or ``organization`` (what the audit trail and the templates tell apart).
    kind: ClassVar[str]
    #: The scope Quay wants of a token for this kind's config and presses.
    admin_scope: ClassVar[str]
    #: The name of the dashboard's URL of its page; each other role's (``live``, ``sync_now``,
    #: ``cancel``, ``settings``, ``rules``, ``rules_check``…) is this and ``-<role>``
    #: (``urls.py``): one set of views serves every kind.
    url_name: ClassVar[str]
    #: What Cancel does, said before it is done (confirmations) and after.
    cancel_warning: ClassVar[str]

    if TYPE_CHECKING:  # what every kind has (fields or properties of its dataclass)
        #: The namespace the mirror belongs to (its audit entries are filed under it).
        namespace: str
        #: The repository's name ("" for a mirror of a whole namespace, as the audit files it).
        name: str
        #: The names in one word, as the pages say them (``acme/nginx``, ``orgmirror``).
        full_name: str
        #: The arguments of this mirror's URLs (``namespace, name`` or ``org``).
        url_args: tuple[str, ...]

    def url(self, role: str) -> str:
        """The dashboard's URL of this mirror's ``role`` (see :attr:`url_name`)."""
        name = self.url_name if role == "page" else f"{self.url_name}-{role.replace('_', '-')}"
        return reverse(f"mirrors:{name}", args=self.url_args)

    def confirmation(self, role: str) -> Confirmation:
        """What the press ``role`` asks first: Cancel, for every kind (a kind may have more)."""
        return Confirmation(
            "Cancel the sync of", self.cancel_warning, "Cancel the sync", "Keep it running"
        )

    @property
    def press_urls(self) -> dict[str, str]:
        """Where its Sync now and Cancel post (``sync_now``, ``cancel``), for a template."""
        return {role: self.url(role) for role in ("sync_now", "cancel")}

    # -- Quay's own UI ----------------------------------------------------------------------

    @abstractmethod
    def quay_url(self, mirroring: bool = False) -> str:
        """This mirror's page in Quay's UI (``mirroring``: at its mirroring settings)."""

    def quay_links(
        self, robot: str, is_organization: bool, mirroring: bool = True
    ) -> list[QuayLink]:
        """This mirror in Quay's own UI: its page, its mirroring settings there (``mirroring``:
        Quay's UI has them for it), and its robot ``robot``, on its namespace's robot accounts
        (Quay takes a robot of the mirror's own namespace only; no robot: the list, to pick
        or create one). ``is_organization``: the namespace is an organization, not a user."""
        links = [QuayLink(self.full_name, self.quay_url())]
        if mirroring:
            links.append(QuayLink("its mirroring settings", self.quay_url(mirroring=True)))
        robots = ui.namespace_url(self.namespace, is_organization, ui.ROBOT_ACCOUNTS)
        said = f"robot {robot}" if robot else f"robot accounts of {self.namespace}"
        links.append(QuayLink(said, robots))
        return links

    # -- Quay calls -------------------------------------------------------------------------

    @abstractmethod
    def read_config(self, client: QuayClient) -> Any: ...

    @abstractmethod
    def sync_now(self, client: QuayClient) -> None: ...

    @abstractmethod
    def sync_cancel(self, client: QuayClient) -> None: ...

    # -- what Quay's answers mean -----------------------------------------------------------

    @abstractmethod
    def describe(self, config: Any, now: datetime) -> Status:
        """The status of ``config`` in words at ``now``."""

    @abstractmethod
    def took_effect(self, action: Action, config: Any) -> bool:
        """Whether ``config`` shows the press done (read after a press Quay did not answer)."""

    @abstractmethod
    def done_message(self, action: Action) -> str:
        """What a press Quay took did, in a sentence."""

    def before_press(
        self, client: QuayClient, action: Action, now: datetime
    ) -> ActionResult | None:
        """A press answered without sending it (``None``: send it)."""
        return None

    def seen_after_refusal(self, client: QuayClient) -> bool:
        """After a 403 to a press: whether Quay shows the person this mirror at all (only a
        press on what they can see is audited)."""
        return False

    @abstractmethod
    def explain_not_found(self, client: QuayClient, action: Action, now: datetime) -> ActionResult:
        """Quay answered 404 to a press: what it meant, in words."""

    def explain_bad_request(
        self, client: QuayClient, action: Action, now: datetime, error: QuayBadRequest
    ) -> ActionResult | None:
        """Quay answered 400 to a press: what it meant (``None``: say Quay's words)."""
        return None

    # -- the settings, and what a save needs of them ----------------------------------------

    #: The fields a save compares and may change (Quay's names), in the order they are shown
    #: and summarised.
    fields: ClassVar[tuple[str, ...]]
    #: Fields Quay takes when the mirror is created and never changes after (not compared).
    fixed_fields: ClassVar[tuple[str, ...]] = ()
    #: What a start date in the past makes Quay's worker do (said by the box that confirms it).
    past_start_words: ClassVar[str]
    #: Why a save asks before it disturbs a sync under way, or before it sets a start date in
    #: the past (the notes of "Nothing was saved yet: …").
    sync_note: ClassVar[str]
    past_start_note: ClassVar[str]

    def snapshot(self, config: Any) -> Snapshot:
        """The fields of a config Quay returned, as a save compares them."""
        return snapshot_of(config, self.fields)

    def fixed_values(self, config: Any) -> dict[str, Any]:
        """The :attr:`fixed_fields` of a config Quay returned."""
        return snapshot_of(config, self.fixed_fields)

    def form_snapshot(self, cleaned: Mapping[str, Any]) -> Snapshot:
        """The fields as the person left them in a valid form (``cleaned_data``)."""
        return snapshot_of(cleaned, self.fields)

    @abstractmethod
    def settings_form(self, data: Any, config: Any, now: datetime, **reads: Any) -> SettingsForm:
        """The kind's settings form, drawn from ``config`` (``None``: a new mirror's defaults)
        and bound to ``data`` when given. ``reads``: what the page read to draw it better
        (the robots to choose from, …); a save passes none: Quay judges what they would."""

    def save_reads(
        self,
        client: QuayClient,
        username: str,
        posted: Mapping[str, Any],
        loaded: Snapshot | None,
    ) -> dict[str, Any]:
        """What a save must read besides the config to judge ``posted`` (the form, drawn from
        ``loaded``; ``None``: a new mirror) as the page drew it, and to know what to confirm:
        ``settings_form``'s reads and ``more_confirmations``'. Read at once with the config,
        only for what the person changed. Nothing, unless the kind says so."""
        return {}

    def payload(
        self, values: Mapping[str, Any], config: Any, cleaned: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What to send Quay for ``values`` (snapshot values and credentials) on top of
        ``config`` (``None``: a create, from the form's ``cleaned`` data): the fields as they
        are, the start date as a moment (the client writes it), unless the kind says more."""
        sent = dict(values)
        if sent.get("sync_start_date"):
            sent["sync_start_date"] = parse_quay_datetime(sent["sync_start_date"])
        return sent

    @abstractmethod
    def create_config(self, client: QuayClient, payload: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def update_config(self, client: QuayClient, payload: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def sync_warning(
        self, config: Any, now: datetime, changes: Mapping[str, Any] | None = None
    ) -> SyncWarning | None:
        """What saving now does to a sync under way (``changes``: the fields a save would
        send; ``None``: the form as drawn); ``None`` when nothing runs."""

    def more_confirmations(
        self,
        client: QuayClient,
        config: Any,
        asked: Sequence[Change],
        mine: Snapshot,
        posted: Mapping[str, Any],
        reads: Mapping[str, Any],
    ) -> tuple[dict[str, Any], list[str]]:
        """Confirmations of the kind's own before a save is sent (the context of their boxes,
        and why, in words), from what :meth:`save_reads` read; none unless the kind has some."""
        return {}, []

    @abstractmethod
    def created_words(self, mine: Snapshot, now: datetime) -> str:
        """What a create that Quay took set up, in a sentence (without its full stop)."""
