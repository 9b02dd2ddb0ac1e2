"""A mirror's page, one type for every kind: :class:`MirrorPage` is what a page (or one of its
parts: the live status, the settings form after a save) shows, ready to draw.

Each kind has one page module (:mod:`.repository`, :mod:`.organization`: :func:`module_of`)
with the same functions, which fill a :class:`MirrorPage` from what the kind reads:

``page(client, person, target, now, *, query, form=None, extra=None, pending=None, edit=None)``
    the whole page (``form``: the settings form a save sent back; ``edit``: the editor's
    rows as posted without JavaScript)
``editor(client, target, posted, action="")``
    the glob editor's rows and preview (its patterns as typed)

and what the one live flow (:mod:`.live`: ``live``, ``after_press``) asks of the kind:

``look(ask)``
    the live part's context (``ask``: a :class:`~.live.Look`): a first look's, a poll's
    (``None``: it found nothing changed), or after Sync now or Cancel
``timing(config, now)``
    what the config says of its runs (due, retried, over), for the pace
``LIVE``, ``LIVE_PAGE``
    the live part's template, and the one that draws it alone as a page (without htmx)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dashboard.mirrors.kinds.base import MirrorKind
from dashboard.mirrors.models import AuditEntry
from dashboard.mirrors.pages.audit import audit_rows

if TYPE_CHECKING:
    from types import ModuleType

#: The no-JavaScript confirmation of a press (Cancel), for every kind.
CONFIRM = "mirrors/confirm.html"
#: The glob editor's template (a repository's tag rule, an organization's filters).
EDITOR = "mirrors/settings_form.html"
#: How many of the changes made through this dashboard a mirror's page lists (newest first;
#: the audit page has them all).
AUDIT_LENGTH = 10
#: Said when the form comes back with what was being submitted before a new sign-in.
RESTORED = (
    "What you were submitting before signing in again is back in the form (except the "
    "password). Check it and save again."
)


@dataclass
class MirrorPage:
    """What to draw: the template (the kind's page skeleton, or one of its partials), what it
    shows, the HTTP status; ``stale``: a poll that could not read Quay (only its note is
    drawn, the rest stays as it was); ``messages``: said once, on top ((level, text))."""

    template: str
    context: dict[str, Any]
    status: int = 200
    stale: bool = False
    messages: list[tuple[str, str]] = field(default_factory=list)
    #: A poll that found nothing changed: the part on the page stays as it is (only what the
    #: template draws out of band is swapped).
    unchanged: bool = False


def module_of(target: MirrorKind) -> ModuleType:
    """The page module of ``target``'s kind."""
    from . import organization, repository

    return {"repository": repository, "organization": organization}[target.kind]


def confirm(target: MirrorKind, role: str, back_url: str, from_row: bool = False) -> MirrorPage:
    """The confirmation of the press ``role`` (``cancel``, or another its kind names: an
    organization mirror's ``delete``), for a browser without JavaScript, in the kind's words
    (:meth:`~dashboard.mirrors.kinds.base.MirrorKind.confirmation`)."""
    context = {
        "target": target,
        "page_url": target.url("page"),
        "action_url": target.url(role),
        "back_url": back_url,
        "view": "row" if from_row else "",
        "confirmation": target.confirmation(role),
    }
    return MirrorPage(CONFIRM, context)


def recent_changes(target: MirrorKind, readable: bool, now: datetime) -> list[dict[str, Any]]:
    """The last changes made to ``target`` through this dashboard, as its page's audit list
    shows them (``readable``: Quay shows the person the config, so the values may be shown)."""
    entries = AuditEntry.objects.filter(namespace=target.namespace, repository=target.name)
    return audit_rows(entries[:AUDIT_LENGTH], readable, now)
