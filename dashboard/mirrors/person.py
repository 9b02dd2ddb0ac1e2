"""Who is acting: the signed-in person as the operations need them (no request), and what
Quay is known to let them do (``dashboard.accounts.access``: learned at sign-in)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError
from dashboard.quay.models import MirrorHealth

ADMIN = "repo:admin"
#: What Quay asks of a token for an organization mirror's calls.
ORG_ADMIN = "org:admin"


@dataclass(frozen=True)
class Person:
    """The person an operation acts for.

    ``user``: the dashboard's user object (the audit trail links to it; ``None`` outside a
    request, e.g. a management command). ``scopes``: the OAuth scopes the token is known to
    carry (``None`` for a pasted token, whose scopes Quay does not tell). ``lacking`` and
    ``holding``: scopes known missing or present (OAuth, or the sign-in's probes).
    ``memberships``: their own namespace and organizations (``None``: not known);
    ``org_admin``: the organizations Quay says they administer (only a token with
    ``user:admin`` is told; ``false`` there may be the rights or a token without org:admin).
    ``superuser``: Quay showed them the global mirror health; ``super_user``: Quay said so in
    ``GET /user/`` (a token with ``super:user``, whose superuser rights then apply).
    """

    username: str
    user: Any = None
    scopes: Collection[str] | None = None
    lacking: frozenset[str] = frozenset()
    holding: frozenset[str] = frozenset()
    memberships: frozenset[str] | None = None
    org_admin: frozenset[str] = frozenset()
    superuser: bool = False
    super_user: bool = False
    #: The organizations Quay says (``GET /organization/{org}``, asked at sign-in) this token
    #: administers, and those it says it does not; one it could not ask is in neither.
    admin_of: frozenset[str] = frozenset()
    not_admin_of: frozenset[str] = frozenset()
    #: Whether ``superuser`` is known (Quay answered the sign-in's probe).
    superuser_known: bool = False
    #: ``GET /user/`` as last read: (Unix time, their namespaces, own first); see ``known``.
    seen: tuple[float, tuple[str, ...]] | None = None

    @classmethod
    def from_access(
        cls,
        username: str,
        user: Any,
        scopes: Collection[str] | None,
        access: Mapping[str, Any],
        seen: Mapping[str, Any] | None = None,
    ) -> Person:
        memberships = access.get("memberships")
        if seen is not None and seen.get("username") != username:
            seen = None
        return cls(
            username=username,
            user=user,
            scopes=scopes,
            lacking=frozenset(access.get("lacking") or ()),
            holding=frozenset(access.get("holding") or ()),
            memberships=frozenset(memberships) if memberships is not None else None,
            org_admin=frozenset(access.get("org_admin") or ()),
            superuser=bool(access.get("superuser")),
            super_user=bool(access.get("super_user")),
            admin_of=frozenset(access.get("admin_of") or ()),
            not_admin_of=frozenset(access.get("not_admin_of") or ()),
            superuser_known=bool(access.get("superuser_known")),
            seen=(float(seen["at"]), tuple(seen["namespaces"])) if seen else None,
        )

    def known(self, now: datetime) -> list[str] | None:
        """Their namespaces as ``GET /user/`` said at most ``OVERVIEW_PERSON_SECONDS`` ago
        (``None``: ask again): the overview does not ask who they are at every visit."""
        if self.seen is None:
            return None
        age = now.timestamp() - self.seen[0]
        if not 0 <= age <= settings.OVERVIEW_PERSON_SECONDS:
            return None
        return list(self.seen[1])

    @property
    def maybe_superuser(self) -> bool:
        """Whether the overview must ask for the global mirror health (Quay shows it only
        to superusers): a superuser, or not known not to be one."""
        return self.superuser or not self.superuser_known

    def lacks(self, scope: str) -> bool:
        """The token is known not to carry ``scope``."""
        return scope in self.lacking or (self.scopes is not None and scope not in self.scopes)

    def holds(self, scope: str) -> bool:
        """The token is known to carry ``scope``."""
        return scope in self.holding or (self.scopes is not None and scope in self.scopes)

    @property
    def read_only_superuser(self) -> bool:
        """Quay shows them every namespace but lets them change none outside their own."""
        return self.superuser and not self.super_user and self.memberships is not None

    def may_change(self, namespace: str) -> bool:
        """Whether Quay may let them change mirrors of ``namespace`` (False only where it is
        known not to: a token without ``repo:admin``; a read-only superuser, or a superuser
        whose token lacks ``super:user``, outside their own namespaces)."""
        if self.lacks(ADMIN):
            return False
        return not (self.read_only_superuser and namespace not in (self.memberships or ()))

    def may_change_org(self, org: str) -> bool:
        """Whether Quay may let them change ``org``'s organization mirror (False only where it
        is known not to: a token without ``org:admin``; a read-only superuser outside their
        own organizations)."""
        if self.lacks(ORG_ADMIN):
            return False
        return not (self.read_only_superuser and org not in (self.memberships or ()))

    def reads_configs(self, namespace: str) -> bool | None:
        """Whether Quay shows this token ``namespace``'s mirror configs as to an admin: True
        for their own namespace, an organization Quay said at sign-in they administer, a
        superuser; False for one Quay said they do not (an admin whose token lacks org:admin
        is said not to: it is shown less, never more; a token known to lack ``repo:admin``
        is shown no config, of their own namespace neither); ``None``: not known."""
        if self.lacks(ADMIN):
            return False
        if namespace == self.username or namespace in self.admin_of:
            return True
        if self.superuser or self.super_user:
            return True
        if namespace in self.not_admin_of:
            return False
        return None

    def reads_health(self, namespace: str) -> bool:
        """Whether Quay shows them ``namespace``'s mirror health (its members and admins)."""
        return bool(self.reads_configs(namespace)) or namespace in (self.memberships or ())

    def read_only_cause(self, namespaces: Iterable[str]) -> str:
        """Why Quay shows the mirrors of ``namespaces`` read-only (it refused their configs),
        the same for all of them as far as is known (:meth:`refused_for_scope`): ``scope``
        (the token lacks repo:admin: sign in with one that carries it), ``rights`` (they are no
        administrator: ask one), or ``unknown`` (either)."""
        causes = {self.refused_for_scope(namespace) for namespace in namespaces}
        if causes == {True}:
            return "scope"
        return "rights" if causes == {False} else "unknown"

    def refused_for_scope(self, namespace: str, scope: str = ADMIN) -> bool | None:
        """Why Quay refused a call needing ``scope`` in ``namespace``: True, the token's scope
        (it lacks it, or they administer the organization, so rights cannot be missing);
        False, their rights (the token carries it); None, not known."""
        if self.lacks(scope):
            return True
        if scope == ADMIN and (namespace in self.org_admin or namespace == self.username):
            return True
        if self.holds(scope):
            return False
        return None


def global_health(client: QuayClient) -> MirrorHealth | None:
    """The global mirror health, or ``None`` when Quay refuses it.

    Quay shows the health of every namespace (``namespace`` left out) only to superusers and
    global read-only superusers, and ``GET /user/`` does not tell who they are (``super_user``
    needs the super:user scope): the answer to this one call is the test. A refusal of any
    kind (403; also a 401, since ``GET /user/`` has just accepted the token) or a failure means
    "not a superuser": the person's own namespaces are read as usual.
    """
    try:
        return client.get_mirror_health(None)
    except QuayError:
        return None
