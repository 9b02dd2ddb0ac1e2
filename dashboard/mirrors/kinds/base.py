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
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from django.urls import reverse

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayBadRequest

from ..rules.outcomes import Action, ActionResult


class Described(Protocol):
    """A status in words (``rules.status.MirrorStatus``, ``rules.org_status.OrgStatus``)."""

    key: str
    label: str
    detail: str
    remedy: str

    @property
    def is_stuck(self) -> bool: ...

    @property
    def rank(self) -> int: ...


class MirrorKind(ABC):
    """One mirror of one kind. Subclasses are frozen dataclasses of the names that find it."""

    #: ``repository`` or ``organization`` (what the audit trail and the templates tell apart).
    kind: ClassVar[str]
    #: The scope Quay wants of a token for this kind's config and presses.
    admin_scope: ClassVar[str]
    #: The dashboard's URL name for each role (``page``, ``live``, ``sync_now``, ``cancel``,
    #: ``settings``, ``rules``, ``rules_check``…): one set of views serves every kind.
    routes: ClassVar[Mapping[str, str]]
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
        """The dashboard's URL of this mirror's ``role`` (see :attr:`routes`)."""
        return reverse(f"mirrors:{self.routes[role]}", args=self.url_args)

    # -- Quay calls -------------------------------------------------------------------------

    @abstractmethod
    def read_config(self, client: QuayClient) -> Any: ...

    @abstractmethod
    def sync_now(self, client: QuayClient) -> None: ...

    @abstractmethod
    def sync_cancel(self, client: QuayClient) -> None: ...

    # -- what Quay's answers mean -----------------------------------------------------------

    @abstractmethod
    def describe(self, config: Any, now: datetime) -> Any:
        """The status of ``config`` in words at ``now`` (a :class:`Described`)."""

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
