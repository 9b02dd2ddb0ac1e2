"""What Quay lets a token do, learned once at sign-in and kept in the session.

Quay answers 403 ``insufficient_scope`` both when a token lacks a scope and when the person
lacks rights, so the dashboard tells them apart from what it can know:

* the scopes granted at an OAuth sign-in (Quay's callback names them; else those asked for);
* for a pasted token, two probes in the person's *own* namespace, where everybody is admin,
  so a refusal there can only be the token's scope: ``GET /repository?namespace=<me>``
  (refused without ``repo:read``) and ``GET /repository/<me>/<probe>/mirror`` (refused
  without ``repo:admin``; a 404 when the scope is there, as no such repository exists);
* ``GET /api/v1/user/``'s organizations: ``is_org_admin`` (present only for a token with
  ``user:admin``) and the memberships themselves;
* whether Quay shows the global mirror health: only to superusers (a read-only superuser
  reads every mirror's config and may change none outside their own namespaces).

Cost: the sign-in's ``GET /user/``, then one round of 1 (OAuth) or 3 (a pasted token) calls.
Memberships are as they were at sign-in (sign in again to see a new one), but the overview's:
it reads ``GET /user/`` again once the last answer (``seen``) is ``OVERVIEW_PERSON_SECONDS`` old.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import parallel
from dashboard.quay.models import QuayUser

SESSION_ACCESS = "quay_access"
#: The person as ``GET /user/`` last said (``seen``).
SESSION_SEEN = "quay_seen"
#: A repository name no one has (the probe's answer is 404 or 403, never a config).
PROBE_REPOSITORY = "mirror-dashboard-scope-probe"
#: What each scope the dashboard uses costs when a token lacks it (docs/using.md).
WITHOUT = {
    "user:read": "sign-in fails",
    "repo:read": "no repository can be listed or shown",
    "repo:admin": (
        "mirror settings, history, Sync now and Cancel are refused: a read-only view from "
        "mirror health where Quay shows it (an organization's only to a token with org:admin "
        "or repo:create)"
    ),
    "org:admin": (
        "the robot list is refused: type the robot's name instead; so is your organizations' "
        "mirror health unless it carries repo:create (the overview then reads each mirror's "
        "settings)"
    ),
}


def _refused(call: Any) -> bool | None:
    """True: Quay refused (403); False: it answered (or 404); None: it could not say."""
    try:
        call()
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        return False
    except QuayForbidden:
        return True
    except QuayError:  # Quay down or slow: nothing learned
        return None
    return False


def _administers(client: QuayClient, org: str) -> bool | None:
    """Whether Quay lets this token administer ``org`` (``None``: it could not be asked)."""
    try:
        return client.get_organization(org).is_admin
    except QuayUnauthorized:
        raise
    except QuayError:
        return None


def learn(client: QuayClient, user: QuayUser, scopes: list[str] | None) -> dict[str, Any]:
    """What the session keeps: ``superuser``, ``super_user``, ``memberships``, ``org_admin``,
    ``lacking`` and ``holding`` (scopes known missing / present)."""
    me = user.username
    probes = [lambda: _refused(lambda: client.get_mirror_health(None, detailed=False))]
    if scopes is None:
        probes += [
            lambda: _refused(lambda: client.list_repositories(me)),
            lambda: _refused(lambda: client.get_mirror(me, PROBE_REPOSITORY)),
        ]
    orgs = [org.name for org in user.organizations]
    probes += [functools.partial(_administers, client, org) for org in orgs]
    outcomes = parallel(*probes)  # a 401 propagates
    health_refused = outcomes[0].value
    said = outcomes[len(outcomes) - len(orgs) :]
    outcomes = outcomes[: len(outcomes) - len(orgs)]
    lacking: set[str] = set()
    holding: set[str] = {"user:read"}  # GET /user/ just answered
    if scopes is not None:
        holding |= set(scopes)
        lacking |= {scope for scope in WITHOUT if scope not in scopes}
    else:
        for scope, outcome in zip(("repo:read", "repo:admin"), outcomes[1:], strict=True):
            if outcome.value is True:
                lacking.add(scope)
            elif outcome.value is False:
                holding.add(scope)
    if not user.super_user and any(org.is_org_admin for org in user.organizations):
        # Quay grants an organization's admin role to a token only with org:admin (auth/
        # permissions.py, SCOPE_MAX_TEAM_ROLES): is_org_admin true anywhere proves the scope
        # (a super:user token, whose superuser rights make every organization "admin", aside).
        holding.add("org:admin")
    return {
        "superuser": health_refused is False,
        # Whether that is known (Quay answered the probe): the overview asks again otherwise.
        "superuser_known": health_refused is not None,
        "super_user": user.super_user,
        "memberships": user.namespaces,
        "org_admin": [org.name for org in user.organizations if org.is_org_admin],
        # Each organization's own answer (GET /organization/{org}): admin_of, member_of;
        # one that could not be asked is in neither ("not known").
        "admin_of": [org for org, got in zip(orgs, said, strict=True) if got.value is True],
        "not_admin_of": [org for org, got in zip(orgs, said, strict=True) if got.value is False],
        "lacking": sorted(lacking),
        "holding": sorted(holding),
    }


def warnings(access: dict[str, Any]) -> list[str]:
    """One sentence per scope the token is known to lack, with what it costs."""
    return [
        f"Your sign-in lacks the {scope} scope: {WITHOUT[scope]}. Sign in again with a token "
        f"that carries {scope} to do more."
        for scope in WITHOUT
        if scope in access.get("lacking", ())
    ]


def store(request: HttpRequest, access: dict[str, Any]) -> None:
    request.session[SESSION_ACCESS] = access


def seen(request: HttpRequest, user: QuayUser, at: float) -> None:
    """``GET /user/``'s answer at ``at`` (Unix time): who the person is and their namespaces,
    which the overview reuses for ``OVERVIEW_PERSON_SECONDS`` (``Person.seen``)."""
    request.session[SESSION_SEEN] = {
        "at": at,
        "username": user.username,
        "namespaces": user.namespaces,
    }


def seen_of(request: HttpRequest) -> dict[str, Any] | None:
    return request.session.get(SESSION_SEEN)


def access_of(request: HttpRequest) -> dict[str, Any]:
    """What was learned at sign-in (empty for a session older than this knowledge)."""
    return dict(request.session.get(SESSION_ACCESS) or {})
