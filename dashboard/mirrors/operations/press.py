"""Sync now and Cancel, for every kind of mirror: ask Quay, and when it says no, find out and
say what really happened (the kind knows what a 404 or a 400 means for it).

Every press on a mirror Quay showed the person (the press went through, or a read of it did)
is written to the audit trail; a press on anything else (a name Quay has not, a mirror it
hides from them) is answered but not recorded, so nobody can write into an audit they cannot
read.

A press waits for Quay one timeout (``QUAY_TIMEOUT``) in all, whatever it then reads: the
press itself gets three quarters of it, and reading the status back (or why Quay said no) and
drawing what the person sees after it share what is left (``bounded``). Quay answering in 12 s
with a 10 s timeout: told after 10 s, not 30.

Used by the pages' live status, the overview rows and the bulk actions alike. A press costs
two calls (the press and one read of the config, which the page then shows); a press Quay
answered 404 costs the reads that find out why (one or two); a refused one, the read that
says whether Quay shows the mirror to the person (one, for a repository). An organization
mirror's Cancel reads its config first (one more): with nothing to cancel it is not sent.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    MAY_HAVE_ACTED,
    QuayBadRequest,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayNotSent,
    QuayUnauthorized,
)
from dashboard.quay.fanout import fan_out, quietly

from ..kinds.base import MirrorKind
from ..models import AuditEntry, begin, discard, record
from ..person import Person
from ..rules import refusals
from ..rules.outcomes import ACTIONS, Action, ActionResult, verb

#: How each outcome goes into the audit trail.
AUDIT_OUTCOMES = {
    "done": AuditEntry.Outcome.DONE,
    "no_rights": AuditEntry.Outcome.REFUSED,
    "unknown": AuditEntry.Outcome.UNKNOWN,
}

M = TypeVar("M", bound=MirrorKind)
C = TypeVar("C", bound=QuayClient)
#: The share of a press's one timeout kept for what follows the press when Quay does not
#: answer it in time: the status read back (a real Quay answers one in 0.3-0.4 s).
READ_BACK_SHARE = 0.25


def bounded(client: C) -> C:
    """``client`` for one press and what is drawn after it: every call ends within one
    timeout from now (a client already bounded keeps its deadline)."""
    if client.deadline is not None:
        return client
    return client.until(time.monotonic() + client.timeout)


def perform(
    client: QuayClient,
    person: Person,
    target: MirrorKind,
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
    pending = begin(person, target, _audit_action(action)) if audit else None
    try:
        result = _perform(bounded(client), person, target, action, now)
    except QuayUnauthorized:
        discard(pending)  # Quay refused the token: nothing was done
        raise
    if audit:
        record_result(person, target, result, pending)
    return result


def _audit_action(action: Action) -> str:
    return AuditEntry.Action.SYNC_NOW if action == "sync_now" else AuditEntry.Action.CANCEL


def _perform(
    client: QuayClient, person: Person, target: MirrorKind, action: Action, now: datetime
) -> ActionResult:
    answered = target.before_press(client, action, now)
    if answered is not None:
        return answered
    deadline = client.deadline or time.monotonic() + client.timeout
    pressing = client.until(deadline - client.timeout * READ_BACK_SHARE)
    started = time.monotonic()
    error = send(pressing, target, action)
    waited = time.monotonic() - started
    if isinstance(error, QuayForbidden):
        message = refusal(person, target, action, error)
        seen = target.seen_after_refusal(client)
        return ActionResult(action, "no_rights", message, ok=False, seen=seen)
    if isinstance(error, QuayNotFound):
        return target.explain_not_found(client, action, now)
    if isinstance(error, QuayBadRequest):
        explained = target.explain_bad_request(client, action, now, error)
        if explained is not None:
            return explained
    if error is not None:
        return failed(client, target, action, now, error, waited=waited)
    mirror = quietly(target.read_config, client)  # a failure only costs the fresh status
    return ActionResult(
        action, "done", target.done_message(action), ok=True, mirror=mirror, seen=True
    )


def record_result(
    person: Person, target: MirrorKind, result: ActionResult, pending: AuditEntry | None = None
) -> ActionResult:
    """The audit entry of one press of Sync now / Cancel, with how it went (none for a
    mirror Quay did not show the person): ``pending``, written before the press, completed."""
    if not result.seen:
        discard(pending)
        return result
    record(
        person,
        target,
        _audit_action(result.action),
        outcome=AUDIT_OUTCOMES.get(result.outcome, AuditEntry.Outcome.NOT_DONE),
        message=f"{result.outcome_label}: {result.detail}",
        entry=pending,
    )
    return result


def send(client: QuayClient, target: MirrorKind, action: Action) -> QuayError | None:
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
    client: QuayClient,
    target: MirrorKind,
    action: Action,
    now: datetime,
    error: QuayError,
    *,
    waited: float,
) -> ActionResult:
    """A press that failed on the way: never sent (the dashboard's calls were all in use, or
    reading before it took the press's time), sent but unanswered after ``waited`` seconds
    (Quay may have acted), or an error in Quay's words."""
    if isinstance(error, QuayNotSent):  # never sent: nothing happened in Quay
        return ActionResult(action, "error", f"Not sent: {error.message}", ok=False)
    if isinstance(error, MAY_HAVE_ACTED):
        return _unanswered(client, target, action, now, error, waited)
    return ActionResult(
        action, "error", f"Could not {verb(action)} {target}: {error.message}", ok=False
    )


def _unanswered(
    client: QuayClient,
    target: MirrorKind,
    action: Action,
    now: datetime,
    error: QuayError,
    seconds: float,
) -> ActionResult:
    """No answer in time (``seconds``), or a 5xx: Quay may have acted. Read the status, in
    what is left of the press's timeout, and say what it shows; whether this press did it is
    not known (audited as unknown, never as failed)."""
    waited = refusals.unanswered(round(seconds, 1), error)
    mirror = quietly(target.read_config, client)
    if mirror is None:
        message = (
            f"{waited}, and the status could not be read: whether it did "
            f"{'start a sync' if action == 'sync_now' else 'cancel the sync'} of {target} is "
            "not known. Look at the status in a moment before pressing again."
        )
        return ActionResult(action, "unknown", message, ok=False)
    status = target.describe(mirror, now)
    now_words = status.in_words
    took = target.took_effect(action, mirror)
    if action == "sync_now":
        effect = "so a sync is under way" if took else "so the sync may not have been requested"
    else:
        effect = "so the sync is cancelled" if took else "so the cancel may not have taken effect"
    message = f"{waited}; {target} is now {now_words}, {effect}."
    if not took:
        message += " Look again in a moment before pressing again."
    return ActionResult(action, "unknown", message, ok=False, mirror=mirror, seen=True)


def refusal(person: Person, target: MirrorKind, action: Action, error: QuayForbidden) -> str:
    """A press's 403 in words (see :func:`refusals.refused_because`)."""
    scope = error.scope or target.admin_scope
    unknown = f"Quay does not let you {verb(action)} {target}. {error.message}"
    return "No rights: " + refusals.refused_because(person, target, verb(action), scope, unknown)


def perform_all(
    client: QuayClient,
    person: Person,
    targets: Sequence[M],
    action: Action,
    now: datetime,
) -> list[tuple[M, ActionResult]]:
    """The press on every target at once, of any kinds; each gets its own result, none sinks
    another.

    The upstream calls run in parallel threads (two calls a target: the press and one read);
    the audit entries are written afterwards in this thread (a database connection belongs to
    the thread that opened it). A 401 on some of them (the token was revoked mid-way) does not
    lose the others: every press that got an answer is recorded, then the
    :class:`QuayUnauthorized` is raised again (the middleware asks the person to sign in).
    """

    def press(target: M) -> ActionResult | QuayUnauthorized:
        try:
            return perform(client, person, target, action, now, audit=False)
        except QuayUnauthorized as error:
            return error  # an outcome like the others, so the rest are not lost

    # Each press is written down before any is sent (here: the database is this thread's).
    pending = [begin(person, target, _audit_action(action)) for target in targets]
    outcomes = fan_out(press, targets)
    unauthorized: QuayUnauthorized | None = None
    results: list[tuple[M, ActionResult]] = []
    for outcome, entry in zip(outcomes, pending, strict=True):
        value = outcome.value
        if isinstance(value, QuayUnauthorized):
            discard(entry)
            unauthorized = value
            continue
        if value is None:  # perform() turns Quay's errors into results; only a safety net
            message = outcome.error.message if outcome.error else "Quay did not answer."
            value = ActionResult(action, "error", message, ok=False)
        results.append((outcome.item, record_result(person, outcome.item, value, entry)))
    if unauthorized is not None:
        raise unauthorized
    return results
