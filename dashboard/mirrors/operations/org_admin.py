"""What only an organization mirror has: Quay's test connection to its source, and Delete
(audited with how it went). Its Sync now and Cancel are ``press``'s, as every kind's."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    MAY_HAVE_ACTED,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayNotSent,
    QuayUnauthorized,
)

from ..kinds.organization import NO_CONFIG, OrgTarget
from ..models import AuditEntry, begin, discard, record
from ..person import Person
from ..rules import refusals
from ..rules.org_status import DELETE_WARNING, VERIFY_FAILED, VERIFY_NOT_CHECKED, VERIFY_OK


@dataclass(frozen=True)
class Verified:
    ok: bool
    message: str
    #: Quay's own words (its test connection's message), shown as they are.
    quay_message: str = ""
    #: What the check did not check (a success is not a sync that will work).
    caveat: str = ""

    @property
    def text(self) -> str:
        """All of it in one paragraph (a message after a redirect)."""
        quoted = f" Quay said: “{self.quay_message}”" if self.quay_message else ""
        return " ".join(filter(None, [f"{self.message}{quoted}", self.caveat]))


def verify(client: QuayClient, target: OrgTarget) -> Verified:
    """Quay's test connection to the source (always 200 with success and a message; a dead
    host takes Quay several seconds of retries). Reads only; not audited."""
    try:
        result = target.verify(client)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        why = _not_shown(target, error, "verify")
        return Verified(False, why or f"The connection could not be verified: {error.message}")
    if result.success:
        return Verified(True, VERIFY_OK, result.message, VERIFY_NOT_CHECKED)
    return Verified(False, VERIFY_FAILED, result.message)


def _not_shown(target: OrgTarget, error: QuayError, doing: str) -> str:
    """What a 403 or a 404 to Verify or Delete (``doing``) means ("" for another error)."""
    if isinstance(error, QuayForbidden):
        return f"Quay lets only the organization's admins {doing} {target}."
    return NO_CONFIG.format(org=target.org) if isinstance(error, QuayNotFound) else ""


@dataclass(frozen=True)
class Deleted:
    ok: bool
    message: str


def delete(client: QuayClient, person: Person, target: OrgTarget) -> Deleted:
    """``DELETE …/mirror``, audited with how it went where Quay answered about the mirror."""
    outcome = AuditEntry.Outcome.DONE
    pending = begin(person, target, AuditEntry.Action.DELETE)
    try:
        target.delete(client)
        result = Deleted(True, f"Deleted {target}. {DELETE_WARNING}")
    except QuayUnauthorized:
        discard(pending)
        raise
    # Refused (403), no such mirror (404) or never sent (the calls all in use, or no time
    # left): Quay showed the person no mirror to delete, so nothing is written to the audit
    # trail (anyone can post any name).
    except (QuayForbidden, QuayNotFound, QuayNotSent) as error:
        discard(pending)
        return Deleted(False, _not_shown(target, error, "delete") or f"Not sent: {error.message}")
    except MAY_HAVE_ACTED as error:  # Quay may have deleted it: look
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
    record(
        person,
        target,
        AuditEntry.Action.DELETE,
        outcome=outcome,
        message=result.message,
        entry=pending,
    )
    return result
