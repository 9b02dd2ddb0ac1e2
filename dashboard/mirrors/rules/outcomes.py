"""How a press of Sync now or Cancel went, for a person and for code: one result type for
every kind of mirror (``operations.press`` makes them; the pages and the overview show them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["sync_now", "cancel"]
ACTIONS: tuple[Action, ...] = ("sync_now", "cancel")

#: outcome -> is it a success for the person? (``already_syncing`` means a sync is running,
#: which is what Sync now asked for, but nothing new was started: not ok.)
OUTCOMES = {
    "done": "done",
    "already_syncing": "already syncing",
    "nothing_to_cancel": "nothing to cancel",
    "no_config": "no mirror config",
    "no_repo": "no such repository",
    "no_rights": "no rights",
    "error": "error",
    "unknown": "no answer in time",
}


@dataclass(frozen=True)
class ActionResult:
    """How a Sync now / Cancel went, for a person (``message``) and for code (``outcome``)."""

    action: Action
    outcome: str  # a key of OUTCOMES
    message: str
    ok: bool
    #: The config as read after the action (or while finding out what a 404 meant), if read:
    #: the kind's config type (``MirrorConfig``, ``OrgMirrorConfig``).
    mirror: Any = None
    #: Quay showed the person this mirror (the press or a read went through): only such a
    #: press is audited.
    seen: bool = False

    @property
    def refused(self) -> bool:
        """Quay refused the press (403: rights or scope): shown as a refusal."""
        return self.outcome == "no_rights"

    @property
    def outcome_label(self) -> str:
        """Short words for a per-row result ("done", "already syncing", "no rights", ...)."""
        return OUTCOMES[self.outcome]

    @property
    def detail(self) -> str:
        """The message without a leading "<outcome label>: " (for use after the label)."""
        return without_label(self.message, self.outcome_label)

    @property
    def level(self) -> str:
        """The message's level on a page: a success, a refusal (an error), or a warning."""
        if self.ok:
            return "success"
        return "error" if self.refused else "warning"


def without_label(message: str, label: str) -> str:
    """``"Nothing to cancel: no sync…"`` after the label "nothing to cancel" is just
    ``"no sync…"``: the same words once, not twice."""
    prefix = f"{label}: "
    if message.lower().startswith(prefix.lower()):
        rest = message[len(prefix) :]
        return rest[:1].upper() + rest[1:]
    return message


def verb(action: Action) -> str:
    return "start a sync of" if action == "sync_now" else "cancel the sync of"


@dataclass(frozen=True)
class OutcomeGroup:
    """The presses of a bulk action that went the same way (for one line of its results)."""

    outcome: str
    label: str
    results: list[tuple[Any, ActionResult]]


def grouped(results: Sequence[tuple[Any, ActionResult]]) -> list[OutcomeGroup]:
    """``results`` by outcome, in the order each outcome first came."""
    groups: dict[str, list[tuple[Any, ActionResult]]] = {}
    for target, result in results:
        groups.setdefault(result.outcome, []).append((target, result))
    return [OutcomeGroup(key, OUTCOMES[key], pairs) for key, pairs in groups.items()]
