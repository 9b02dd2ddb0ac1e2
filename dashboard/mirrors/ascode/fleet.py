"""The mirrors of some namespaces as Quay holds them now: what an export writes and a plan
compares a file with.

Cost: one listing a namespace (``GET /repository?namespace=X``, 100 a page), one config
read a mirror (``GET …/mirror`` of each repository in state MIRROR; ``GET
/organization/X/mirror`` of each organization that can have one: empty, or all its
repositories ORG_MIRROR, on a Quay with organization mirroring), all in parallel, asked
afresh (what a plan decides must be what Quay has now). Nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import fan_out
from dashboard.quay.models import Repository

from ..kinds import target_of
from ..kinds.base import MirrorKind
from ..kinds.organization import candidates


@dataclass
class Fleet:
    """The mirrors of the namespaces read, by mirror; what could not be read, and why."""

    namespaces: list[str]
    configs: dict[MirrorKind, Any] = field(default_factory=dict)
    #: Every repository listed, by ``namespace/name`` (its state: a create may switch it).
    repositories: dict[str, Repository] = field(default_factory=dict)
    #: Namespaces whose repositories could not be listed, with why.
    unlisted: dict[str, str] = field(default_factory=dict)
    #: Mirrors whose config could not be read, with why.
    unreadable: dict[MirrorKind, str] = field(default_factory=dict)
    #: Organizations asked for an organization mirror (a 404 there means none).
    orgs_asked: set[str] = field(default_factory=set)

    def mirrors(self) -> list[MirrorKind]:
        """Every mirror read, namespace by namespace, an organization's first."""
        order = {ns: i for i, ns in enumerate(self.namespaces)}
        return sorted(self.configs, key=lambda t: (order.get(t.namespace, 0), t.name))


def read(client: QuayClient, username: str, namespaces: Sequence[str]) -> Fleet:
    """The mirrors of ``namespaces`` as Quay holds them. :class:`QuayUnauthorized`
    propagates; every other failure stays with its namespace or mirror."""
    client = fresh(client)
    fleet = Fleet(list(dict.fromkeys(namespaces)))
    listings: dict[str, list[Repository]] = {}
    for outcome in fan_out(client.list_repositories, fleet.namespaces):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
        if outcome.error is not None:
            fleet.unlisted[outcome.item] = outcome.error.message
            continue
        listings[outcome.item] = list(outcome.value or ())
        for repo in listings[outcome.item]:
            fleet.repositories[repo.full_name] = repo
    targets: list[MirrorKind] = [
        target_of({"namespace": repo.namespace, "name": repo.name})
        for repos in listings.values()
        for repo in repos
        if repo.is_mirror
    ]
    orgs = candidates(username, listings)
    if orgs and client.org_mirroring_enabled() is not False:
        fleet.orgs_asked = set(orgs)
        targets = [target_of({"org": org}) for org in orgs] + targets
    for outcome in fan_out(lambda target: target.read_config(client), targets):
        error = outcome.error
        if isinstance(error, QuayUnauthorized):
            raise error
        if outcome.ok:
            fleet.configs[outcome.item] = outcome.value
        elif isinstance(error, QuayNotFound):
            continue  # no mirror config (yet): a repository in state MIRROR not set up
        elif isinstance(error, QuayError):
            fleet.unreadable[outcome.item] = error.message
    return fleet
