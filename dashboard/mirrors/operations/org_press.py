"""Sync now, Cancel, Verify and Delete of an organization mirror: ask Quay, say what it did or
why it refused (its 400s carry the reason), record every press in the audit trail.

The same :class:`ActionResult` and audit outcomes as a repository mirror's presses
(``sync_actions``); a press costs two calls (the press and one read of the config, which
the page then shows), a Cancel one more (the config read first: with nothing to cancel it is
not sent). A 404 means no config (or a Quay without organization mirroring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.models import AuditEntry, record
from dashboard.mirrors.operations.press import (
    ACTIONS,
    Action,
    ActionResult,
    failed,
    press_all,
    record_result,
    refusal,
    send,
)
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import refusals
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    QuayBadRequest,
    QuayBusy,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
)
from dashboard.quay.fanout import quietly

NO_CONFIG = (
    "No organization mirror: Quay has no organization mirror for {org} (it was deleted, or "
    "this Quay runs without organization mirroring)."
)


def perform(
    client: QuayClient,
    person: Person,
    target: OrgTarget,
    action: Action,
    now: datetime,
    *,
    audit: bool = True,
) -> ActionResult:
    """Sync now / Cancel of an organization mirror. Raises only :class:`QuayUnauthorized`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    result = _perform(client, person, target, action, now)
    if audit:
        record_result(person, target, result)
    return result


def _perform(
    client: QuayClient, person: Person, target: OrgTarget, action: Action, now: datetime
) -> ActionResult:
    if action == "cancel" and (kept := _nothing_to_cancel(client, target, now)) is not None:
        return kept
    error = send(client, target, action)
    if isinstance(error, QuayForbidden):
        return ActionResult(action, "no_rights", refusal(person, target, action, error), ok=False)
    if isinstance(error, QuayNotFound):
        return ActionResult(action, "no_config", NO_CONFIG.format(org=target.org), ok=False)
    if isinstance(error, QuayBadRequest):
        return _refused(client, target, action, now, error)
    if error is not None:
        return failed(client, target, action, now, error)
    config = quietly(target.read_config, client)
    return ActionResult(
        action, "done", target.done_message(action), ok=True, mirror=config, seen=True
    )


def _nothing_to_cancel(client: QuayClient, target: OrgTarget, now: datetime) -> ActionResult | None:
    """A cancel not sent, when the config as Quay has it now has nothing to cancel (read
    first: one call). Quay would take it, but then mark every repository cancelled, report
    SUCCESS as if discovery had run and move a first run still to come to the interval's next
    slot. ``None``: send it (something to cancel, or the config could not be read)."""
    config = quietly(target.read_config, fresh(client))
    if config is None:
        return None
    status = target.describe(config, now)
    if status.can_cancel:
        return None
    message = (
        f"Nothing to cancel: not sent to Quay, because {status.cancel_blocked} The organization "
        f"mirror of {target.org} is {status.label.lower()}: {status.detail}."
    )
    return ActionResult("cancel", "nothing_to_cancel", message, ok=False, mirror=config, seen=True)


def _refused(
    client: QuayClient, target: OrgTarget, action: Action, now: datetime, error: QuayBadRequest
) -> ActionResult:
    """Quay said no (400) and why: its reason, and what the mirror is doing now."""
    config = quietly(target.read_config, client)
    now_words = ""
    if config is not None:
        status = target.describe(config, now)
        now_words = f" It is now {status.label.lower()}: {status.detail}."
    reason = error.message
    if action == "sync_now":
        outcome = "already_syncing"
        text = f"Already syncing: Quay refused a new sync of {target}: “{reason}”{now_words}"
    else:
        outcome = "nothing_to_cancel"
        text = (
            f"Nothing to cancel: Quay says a cancel of {target} is already waiting for the "
            f"worker (“{reason}”).{now_words}"
        )
    # Quay answered about this organization's mirror: it exists and the person may press.
    return ActionResult(action, outcome, text, ok=False, mirror=config, seen=True)


def perform_all(
    client: QuayClient,
    person: Person,
    targets: Sequence[OrgTarget],
    action: Action,
    now: datetime,
) -> list[tuple[OrgTarget, ActionResult]]:
    """The press on several organization mirrors at once (the overview's bulk actions; see
    ``sync_actions.press_all``)."""
    return press_all(perform, client, person, targets, action, now)


# -- verify and delete ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    ok: bool
    message: str
    #: Quay's own words (its test connection's message), shown as they are.
    quay_message: str = ""


def verify(client: QuayClient, target: OrgTarget) -> Verified:
    """Quay's test connection to the source (always 200 with success and a message; a dead
    host takes Quay several seconds of retries). Reads only; not audited."""
    try:
        result = target.verify(client)
    except QuayUnauthorized:
        raise
    except QuayForbidden:
        return Verified(False, f"Quay lets only the organization's admins verify {target}.")
    except QuayNotFound:
        return Verified(False, NO_CONFIG.format(org=target.org))
    except QuayError as error:
        return Verified(False, f"The connection could not be verified: {error.message}")
    if result.success:
        return Verified(
            True, "Quay reached the source and can list its repositories.", result.message
        )
    return Verified(False, "Quay could not use the source.", result.message)


@dataclass(frozen=True)
class Deleted:
    ok: bool
    message: str


#: What Delete does, said before it is done and after.
DELETE_WARNING = (
    "The organization mirror's settings are deleted. The repositories it created stay, with "
    "their tags, and become normal repositories (pushes allowed); nothing syncs them any "
    "more. Quay creates an organization mirror only in an empty organization, so this one "
    "cannot get a new one until those repositories are deleted."
)


def delete(client: QuayClient, person: Person, target: OrgTarget) -> Deleted:
    """``DELETE …/mirror``, audited with how it went where Quay answered about the mirror."""
    outcome = AuditEntry.Outcome.DONE
    try:
        target.delete(client)
        result = Deleted(True, f"Deleted {target}. {DELETE_WARNING}")
    except QuayUnauthorized:
        raise
    # Refused (403) or no such mirror (404): Quay showed the person no mirror to delete, so
    # nothing is written to the audit trail (anyone can post any name).
    except QuayForbidden:
        return Deleted(False, f"Quay lets only the organization's admins delete {target}.")
    except QuayNotFound:
        return Deleted(False, NO_CONFIG.format(org=target.org))
    except QuayBusy as error:
        return Deleted(False, f"Not sent: {error.message}")
    except (QuayTimeout, QuayServerError) as error:
        outcome = AuditEntry.Outcome.UNKNOWN
        waited = refusals.unanswered(client.timeout, error)
        try:
            target.read_config(client)
            gone, state = False, "it is still there"
        except QuayNotFound:
            gone, state = True, "it is gone now"
        except QuayError:
            gone, state = False, "whether it is gone could not be read"
        result = Deleted(gone, f"{waited}; reading it again, {state}.")
    except QuayError as error:
        outcome = AuditEntry.Outcome.REFUSED
        result = Deleted(False, f"Quay did not delete {target}: {error.message}")
    record(person, target, AuditEntry.Action.DELETE, outcome=outcome, message=result.message)
    return result
