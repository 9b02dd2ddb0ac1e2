"""Sync now and Cancel: ask Quay, and when it says no, find out and say what really happened.

Quay answers 404 to ``sync-now`` while a sync is running and to ``sync-cancel`` unless one is
queued or running, as well as for a repository without a mirror config or no repository at
all. A bare "not found" would mislead, so on a 404 the config (and, if needed, the repository)
is read again and the answer is put in words. Every press on a repository Quay showed the
person (the press went through, or a read of its config or the repository did) is written to
the audit trail; a press on anything else (a name Quay has not, a repository it hides from
them) is answered but not recorded, so nobody can write into an audit they cannot read.

Used by the repository page's status panel, the overview rows and the bulk actions alike.
A press costs two calls (the press and one read of the config, which the page then shows);
a press Quay answered 404 costs the reads that find out why (one or two); a refused one, the
read of the repository that says whether Quay shows it to the person (one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from dashboard.mirrors.kinds.missing import why_missing
from dashboard.mirrors.kinds.repository import Action, RepoTarget, Target
from dashboard.mirrors.models import AuditEntry, record
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import refusals
from dashboard.mirrors.rules import status as mirror_status
from dashboard.mirrors.rules.status import CANCEL_WARNING
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    QuayBusy,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
)
from dashboard.quay.fanout import fan_out, quietly
from dashboard.quay.models import MirrorConfig, SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig

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
#: How each outcome goes into the audit trail.
AUDIT_OUTCOMES = {
    "done": AuditEntry.Outcome.DONE,
    "no_rights": AuditEntry.Outcome.REFUSED,
    "unknown": AuditEntry.Outcome.UNKNOWN,
}


@dataclass(frozen=True)
class ActionResult:
    """How a Sync now / Cancel went, for a person (``message``) and for code (``outcome``)."""

    action: Action
    outcome: str  # a key of OUTCOMES
    message: str
    ok: bool
    #: The config as read after the action (or while finding out what a 404 meant), if read.
    mirror: MirrorConfig | OrgMirrorConfig | None = None
    #: Quay showed the person this repository (the press or a read went through): only such
    #: a press is audited.
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


def without_label(message: str, label: str) -> str:
    """``"Nothing to cancel: no sync…"`` after the label "nothing to cancel" is just
    ``"no sync…"``: the same words once, not twice."""
    prefix = f"{label}: "
    if message.lower().startswith(prefix.lower()):
        rest = message[len(prefix) :]
        return rest[:1].upper() + rest[1:]
    return message


def perform(
    client: QuayClient,
    person: Person,
    target: RepoTarget,
    action: Action,
    now: datetime,
    *,
    audit: bool = True,
) -> ActionResult:
    """Ask Quay (as ``person``) to sync ``target`` now or cancel its sync, and record it.

    Never raises a :class:`QuayError` except :class:`QuayUnauthorized`, which must reach the
    middleware so the person signs in again. Called from worker threads (bulk actions), pass
    ``audit=False`` and call :func:`record_result` afterwards in the request's own thread, so
    the database is only touched there.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    result = _perform(client, target, action, now, person)
    if audit:
        record_result(person, target, result)
    return result


def record_result(person: Person, target: Target, result: ActionResult) -> ActionResult:
    """The audit entry of one press of Sync now / Cancel, with how it went (none for a
    repository Quay did not show the person)."""
    if not result.seen:
        return result
    record(
        person,
        target,
        AuditEntry.Action.SYNC_NOW if result.action == "sync_now" else AuditEntry.Action.CANCEL,
        outcome=AUDIT_OUTCOMES.get(result.outcome, AuditEntry.Outcome.NOT_DONE),
        message=f"{result.outcome_label}: {result.detail}",
    )
    return result


def send(client: QuayClient, target: Target, action: Action) -> QuayError | None:
    """Press Sync now / Cancel of ``target``: ``None`` when Quay took it, else its error (a
    401 is raised: the person signs in again)."""
    try:
        if action == "sync_now":
            target.sync_now(client)
        else:
            target.sync_cancel(client)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return error
    return None


def failed(
    client: QuayClient, target: Target, action: Action, now: datetime, error: QuayError
) -> ActionResult:
    """A press that failed on the way, the same for every kind of mirror: never sent (the
    dashboard's calls were all in use), sent but unanswered (Quay may have acted), or an
    error in Quay's words."""
    if isinstance(error, QuayBusy):  # never sent: nothing happened in Quay
        return ActionResult(action, "error", f"Not sent: {error.message}", ok=False)
    if isinstance(error, (QuayTimeout, QuayServerError)):
        return _unanswered(client, target, action, now, error)
    return ActionResult(
        action, "error", f"Could not {verb(action)} {target}: {error.message}", ok=False
    )


def _perform(
    client: QuayClient, target: RepoTarget, action: Action, now: datetime, person: Person
) -> ActionResult:
    full = target.full_name
    error = send(client, target, action)
    if isinstance(error, QuayForbidden):
        return ActionResult(
            action,
            "no_rights",
            refusal(person, target, action, error),
            ok=False,
            seen=quietly(target.read_repository, client) is not None,
        )
    if isinstance(error, QuayNotFound):
        return _explain_not_found(client, target, action, now)
    if error is not None:
        return failed(client, target, action, now, error)

    mirror = quietly(target.read_config, client)  # a failure only costs the fresh status
    if action == "sync_now":
        message = f"Sync requested for {full}: a mirror worker will pick it up shortly."
    else:
        message = f"Sync of {full} cancelled. {CANCEL_WARNING}"
    return ActionResult(action, "done", message, ok=True, mirror=mirror, seen=True)


def _unanswered(
    client: QuayClient, target: Target, action: Action, now: datetime, error: QuayError
) -> ActionResult:
    """No answer in time, or a 5xx: Quay may have acted. Read the status and say what it
    shows; whether this press did it is not known (audited as unknown, never as failed)."""
    waited = refusals.unanswered(client.timeout, error)
    mirror = quietly(target.read_config, client)
    if mirror is None:
        message = (
            f"{waited}, and the status could not be read: whether it did "
            f"{'start a sync' if action == 'sync_now' else 'cancel the sync'} of {target} is "
            "not known. Look at the status in a moment before pressing again."
        )
        return ActionResult(action, "unknown", message, ok=False)
    status = target.describe(mirror, now)
    now_words = f"{status.label.lower()}: {status.detail}"
    took = target.took_effect(action, mirror)
    if action == "sync_now":
        effect = "so a sync is under way" if took else "so the sync may not have been requested"
    else:
        effect = "so the sync is cancelled" if took else "so the cancel may not have taken effect"
    message = f"{waited}; {target} is now {now_words}, {effect}."
    if not took:
        message += " Look again in a moment before pressing again."
    return ActionResult(action, "unknown", message, ok=False, mirror=mirror, seen=True)


def refusal(person: Person, target: Target, action: Action, error: QuayForbidden) -> str:
    """A press's 403 in words (see :func:`refused_because`)."""
    scope = error.scope or target.admin_scope
    unknown = f"Quay does not let you {verb(action)} {target}. {error.message}"
    return "No rights: " + refused_because(person, target, verb(action), scope, unknown)


def refused_because(person: Person, target: Target, doing: str, scope: str, unknown: str) -> str:
    """Quay's 403 to ``doing`` (``"start a sync of"``, ``"read"``...) ``target`` in words: the
    token's scope, the person's rights, or -- not known which -- ``unknown``."""
    why = person.refused_for_scope(target.namespace, scope)
    if why is True:
        return (
            f"Quay does not let you {doing} {target}: your sign-in lacks the {scope} scope. "
            f"Sign in again with a token that carries {scope}."
        )
    if why is False:
        return (
            f"Quay does not let you {doing} {target}: you have no admin rights on it. Ask an "
            f"admin of {target.namespace}."
        )
    return unknown


def verb(action: Action) -> str:
    return "start a sync of" if action == "sync_now" else "cancel the sync of"


def _explain_not_found(
    client: QuayClient, target: RepoTarget, action: Action, now: datetime
) -> ActionResult:
    """Quay said 404: read the config (and the repository) again and say what it meant."""
    full = target.full_name
    try:
        mirror = target.read_config(client)
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        return _no_config_or_repo(client, target, action)
    except QuayError as error:
        return ActionResult(
            action,
            "error",
            f"Quay refused to {verb(action)} {full} (it answered “not found”), and the mirror "
            f"config could not be read to find out why: {error.message}",
            ok=False,
        )

    status = mirror_status.describe(mirror, now)
    now_words = f"{status.label.lower()}: {status.detail}"
    if action == "sync_now":
        if mirror.sync_status is SyncStatus.SYNCING:
            stuck = (
                " It looks stuck: cancel it first, then press Sync now." if status.is_stuck else ""
            )
            return ActionResult(
                action,
                "already_syncing",
                f"Already syncing: a worker is copying {full} right now ({now_words}), and "
                f"Quay does not start a second sync.{stuck}",
                ok=False,
                mirror=mirror,
                seen=True,
            )
        return ActionResult(
            action,
            "already_syncing",
            f"Quay refused because {full} was syncing at that moment; it is now "
            f"{now_words}. Press Sync now again to start another sync.",
            ok=False,
            mirror=mirror,
            seen=True,
        )
    if mirror.sync_status.is_active:
        return ActionResult(
            action,
            "error",
            f"Quay refused to cancel the sync of {full}, which is {now_words}. Try again.",
            ok=False,
            mirror=mirror,
            seen=True,
        )
    return ActionResult(
        action,
        "nothing_to_cancel",
        f"Nothing to cancel: no sync of {full} is queued or running; "
        f"the last one has finished ({now_words}).",
        ok=False,
        mirror=mirror,
        seen=True,
    )


def _no_config_or_repo(client: QuayClient, target: RepoTarget, action: Action) -> ActionResult:
    missing = why_missing(client, target)
    if missing.kind == "no_repo":
        return ActionResult(
            action, "no_repo", f"No such repository: {missing.words(target)}", ok=False
        )
    repo = missing.repository
    if missing.unchecked or repo is None:
        return ActionResult(action, "no_config", missing.words(target), ok=False)
    # The repository was read: Quay shows it to the person.
    state = (
        ""
        if repo.is_mirror
        else f" The repository is in state {repo.state}; mirroring needs state MIRROR."
    )
    return ActionResult(
        action,
        "no_config",
        f"No mirror config: {target} is not set up for mirroring yet, so there is nothing to "
        f"{'sync' if action == 'sync_now' else 'cancel'}. Set up mirroring first.{state}",
        ok=False,
        seen=True,
    )


# -- several at once -------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeGroup:
    """The presses of a bulk action that went the same way (for one line of its results)."""

    outcome: str
    label: str
    results: list[tuple[Target, ActionResult]]


def grouped(results: Sequence[tuple[Target, ActionResult]]) -> list[OutcomeGroup]:
    """``results`` by outcome, in the order each outcome first came."""
    groups: dict[str, list[tuple[Target, ActionResult]]] = {}
    for target, result in results:
        groups.setdefault(result.outcome, []).append((target, result))
    return [OutcomeGroup(key, OUTCOMES[key], pairs) for key, pairs in groups.items()]


T = TypeVar("T", bound=Target)


def perform_all(
    client: QuayClient,
    person: Person,
    targets: Sequence[RepoTarget],
    action: Action,
    now: datetime,
) -> list[tuple[RepoTarget, ActionResult]]:
    """The action on every repository mirror of ``targets`` at once (see :func:`press_all`)."""
    return press_all(perform, client, person, targets, action, now)


def press_all(
    perform_one: Callable[..., ActionResult],
    client: QuayClient,
    person: Person,
    targets: Sequence[T],
    action: Action,
    now: datetime,
) -> list[tuple[T, ActionResult]]:
    """``perform_one`` (a ``perform`` of this module or of ``org_actions``) on every target at
    once; each gets its own result, none sinks another.

    The upstream calls run in parallel threads (two calls a target: the press and one read);
    the audit entries are written afterwards in this thread (a database connection belongs to
    the thread that opened it). A 401 on some of them (the token was revoked mid-way) does not
    lose the others: every press that got an answer is recorded, then the
    :class:`QuayUnauthorized` is raised again (the middleware asks the person to sign in).
    """

    def press(target: T) -> ActionResult | QuayUnauthorized:
        try:
            return perform_one(client, person, target, action, now, audit=False)
        except QuayUnauthorized as error:
            return error  # an outcome like the others, so the rest are not lost

    outcomes = fan_out(press, targets)
    unauthorized: QuayUnauthorized | None = None
    results: list[tuple[T, ActionResult]] = []
    for outcome in outcomes:
        value = outcome.value
        if isinstance(value, QuayUnauthorized):
            unauthorized = value
            continue
        if value is None:  # perform() turns Quay's errors into results; only a safety net
            message = outcome.error.message if outcome.error else "Quay did not answer."
            value = ActionResult(action, "error", message, ok=False)
        results.append((outcome.item, record_result(person, outcome.item, value)))
    if unauthorized is not None:
        raise unauthorized
    return results
