"""Enrolling a namespace for watching, and ending it: request-free operations.

A namespace is watched with a token given for that purpose (a dedicated Quay user's, see
docs/watching.md). Whoever enrols it must administer the namespace, which their own token
shows (``GET /user/``); the watch token itself must be able to read what the watcher reads
(the namespace's mirror health, its usage log, its mirrors' configs), which is tried before
it is kept. The token is sealed with the watcher's own keys (``keys``), never shown again,
never logged; who enrolled it and when is kept. Every enrolment is in the audit trail's log
of the watcher (``logging``), never with the token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.names import valid_namespace
from dashboard.quay.tokens import BadToken, clean_token

from . import keys
from .models import Enrolment

logger = logging.getLogger(__name__)

#: What a watch token must carry: the listing (repo:read), the configs (repo:admin), the
#: usage log and the mirror health (org:admin), who it is (user:read).
SCOPES = ("repo:read", "repo:admin", "org:admin", "user:read")


@dataclass(frozen=True)
class Enrolled:
    ok: bool
    message: str


def administers(client: QuayClient, namespace: str) -> bool | None:
    """Whether the person behind ``client`` administers ``namespace``, as their own token
    shows it: their own namespace (``GET /user/``), an organization Quay says they administer
    (``GET /organization/{org}``: ``is_admin``, a superuser's too); ``None`` when Quay could
    not be asked."""
    try:
        user = client.get_user()
        if namespace == user.username or user.super_user:
            return True
        return fresh(client).get_organization(namespace).is_admin
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        return False  # no organization: a user's namespace is only its user's
    except QuayError:
        return None


def unsealable_here() -> str:
    """Why tokens cannot be kept here ("" when they can): exposed without keys of their own."""
    if settings.EXPOSED and not settings.DEBUG and not settings.WATCH_TOKEN_KEYS:
        return (
            "Watching is off: this dashboard is reachable from other machines and has no keys "
            "of its own to seal watch tokens with. Set WATCH_TOKEN_KEYS (python manage.py "
            "watch new-key makes one) and restart it."
        )
    return ""


def check_token(token: str, namespace: str) -> tuple[str, str]:
    """The Quay user a watch token acts as, and what it cannot do for ``namespace`` ("" when
    it can read everything the watcher reads). Three calls: who it is, the mirror health,
    the usage log."""
    client = QuayClient(token)
    try:
        user = client.get_user()
    except QuayUnauthorized:
        return "", "Quay does not accept this token (it is wrong, expired or revoked)."
    except QuayError as error:
        return "", f"The token could not be checked: {error.message}"
    try:
        client.get_mirror_health(namespace)
        client.list_namespace_log(namespace, max_pages=1)
    except (QuayUnauthorized, QuayForbidden) as error:
        return user.username, (
            f"Quay does not let this token read the mirrors of {namespace} "
            f"({error.message}). It must be a token of an administrator of {namespace} and "
            f"carry the scopes {', '.join(SCOPES)}."
        )
    except QuayError as error:
        return user.username, f"The token could not be checked: {error.message}"
    return user.username, ""


def enrol(namespace: str, token: str, *, enrolled_by: str, now: datetime) -> Enrolled:
    """Watch ``namespace`` with ``token`` (or replace the token it is watched with). The
    caller has checked that ``enrolled_by`` administers it."""
    if not valid_namespace(namespace):
        return Enrolled(False, f"“{namespace}” is not a namespace Quay can have.")
    refused = unsealable_here()
    if refused:
        return Enrolled(False, refused)
    if not token.strip():
        return Enrolled(False, "Paste the token the watcher is to use.")
    try:
        token = clean_token(token)
    except BadToken as bad:
        return Enrolled(False, f"Not enrolled: {bad.message}")
    token_user, problem = check_token(token, namespace)
    if problem:
        return Enrolled(False, f"Not enrolled: {problem}")
    _, created = Enrolment.objects.update_or_create(
        namespace=namespace,
        defaults={
            "sealed_token": keys.seal(token),
            "token_user": token_user,
            "enrolled_by": enrolled_by,
            "enrolled_at": now,
            "state": Enrolment.State.OK,
            "broken_reason": "",
            "broken_since": None,
            "next_poll_at": now,
            "claimed_until": None,
        },
    )
    logger.info(
        "%s %s watching %s (the token acts as %s)",
        enrolled_by,
        "started" if created else "renewed",
        namespace,
        token_user,
    )
    verb = "Watching" if created else "The new token watches"
    return Enrolled(
        True,
        f"{verb} {namespace}, as {token_user}: its mirrors are indexed within a few minutes.",
    )


def remove(namespace: str, *, removed_by: str) -> Enrolled:
    """Stop watching ``namespace``: its token, its index and its alert rules are deleted."""
    deleted, _ = Enrolment.objects.filter(namespace=namespace).delete()
    if not deleted:
        return Enrolled(False, f"{namespace} is not watched.")
    logger.info("%s stopped watching %s", removed_by, namespace)
    return Enrolled(
        True, f"{namespace} is no longer watched; its token and its alert rules are deleted."
    )
