"""A mirror's page, one type for every kind: :class:`MirrorPage` is what a page (or one of its
parts: the live status, the settings form after a save) shows, ready to draw.

Each kind has one page module (:mod:`.repository`, :mod:`.organization`) with the same
functions, which fill a :class:`MirrorPage` from what the kind reads (:data:`PAGE_MODULES`):

``page(client, person, target, now, *, query, form=None, extra=None, pending=None, focus=None)``
    the whole page (``form``: the settings form a save or the editor sent back)
``live(client, person, target, now, query, *, htmx)``
    the live status alone (what its polls ask for)
``after_press(client, person, target, result, now, query)``
    the live status after Sync now or Cancel, with what the press did
``editor(client, target, posted, rows, focus=None)``
    the glob editor's rows and preview (its patterns as typed)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dashboard.mirrors.kinds.base import MirrorKind

if TYPE_CHECKING:
    from types import ModuleType

#: The no-JavaScript confirmation of a press (Cancel), for every kind.
CONFIRM = "mirrors/confirm.html"
#: The glob editor's template (a repository's tag rule, an organization's filters).
EDITOR = "mirrors/settings_form.html"
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


def confirm_cancel(target: MirrorKind, back_url: str, from_row: bool) -> MirrorPage:
    """Cancel's confirmation, for a browser without JavaScript (htmx asks in a dialog)."""
    return confirm(target, "cancel", back_url, from_row)


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
