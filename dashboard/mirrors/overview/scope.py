"""Round 1 of every overview page: who is asking, their namespaces, and the ones a page
reads (:func:`scope`), and those namespaces' mirror health (:func:`read_health`) -- what
the overview's phases (the first paint, the listing, the page drawn whole, the table) and
the pages that only need the person's namespaces (``/as-code/``, the failures) share, below
the rows they draw."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from dashboard.mirrors.person import Person, global_health
from dashboard.quay import cache as read_cache
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.quay.fanout import fan_out, parallel
from dashboard.quay.models import HealthEntry, MirrorHealth, QuayUser
from dashboard.watch.models import Enrolment


@dataclass(frozen=True)
class Scope:
    """Who is asking, their namespaces, and the ones this page reads."""

    username: str
    namespaces: list[str]
    wanted: list[str]
    #: The global mirror health, for a (read-only) superuser; ``None`` for everyone else.
    everything: MirrorHealth | None
    #: ``GET /user/``'s answer when it was asked (not when the person was ``known``).
    user: QuayUser | None = None

    @property
    def superuser(self) -> bool:
        return self.everything is not None


def scope(
    client: QuayClient,
    namespaces: Sequence[str] | None = None,
    *,
    superuser: bool = True,
    person: Person | None = None,
    now: datetime | None = None,
) -> Scope:
    """Round 1: ``GET /user/`` and the global health at once (2 calls); the global health
    is not asked for when ``person`` is known not to be a superuser (or ``superuser=False``),
    nor ``GET /user/`` when ``person`` was seen lately (``Person.known``): often no call.

    Raises the :class:`QuayError` of ``GET /user/`` (the page cannot say anything without it).
    """
    known = person.known(now) if person is not None and now is not None else None
    asks: dict[str, Callable[[], Any]] = {}
    if known is None:
        asks["user"] = client.get_user
    if superuser and (person is None or person.maybe_superuser):
        asks["health"] = lambda: global_health(client)
    got = dict(zip(asks, parallel(*asks.values()), strict=True))  # none, one or both at once
    user: QuayUser | None = None
    if "user" in got:
        if got["user"].error is not None:
            raise got["user"].error
        user = got["user"].value
        assert user is not None
        username, mine = user.username, user.namespaces
    else:
        assert person is not None and known is not None
        username, mine = person.username, known
    everything = got["health"].value if "health" in got else None
    if everything is not None:  # a (read-only) superuser: every namespace with a mirror
        extra = sorted({entry.namespace for entry in everything.details} | indexed())
        mine = mine + [ns for ns in extra if ns not in mine]
    wanted = [ns for ns in mine if ns in namespaces] if namespaces else mine
    return Scope(username, mine, wanted, everything, user)


def read_health(
    client: QuayClient, where: Scope, shared: Collection[str] = ()
) -> tuple[dict[str, dict[str, HealthEntry]], set[str], dict[str, QuayError]]:
    """Every wanted namespace's mirror health (one call each; none for a superuser, whose
    global health has it all): entries by namespace and repository, the namespaces whose
    report was read (a mirror missing from it is not enabled), and why the others were not
    (a token whose scopes drop the organization membership Quay asks for is refused: see
    ``QuayClient.get_mirror_health``; their mirrors are then known from the listings).
    :class:`QuayUnauthorized` propagates.

    The reports of ``shared`` namespaces (watched ones the person is known to be shown the
    health of: ``watched.shares_health``) are one answer for all their viewers, asked at most
    every ``WATCH_SHARED_HEALTH_SECONDS``: one not to be had at once (another is asking, and
    does not answer in time) is neither read nor an error -- the index has it."""
    health: dict[str, dict[str, HealthEntry]] = {ns: {} for ns in where.wanted}
    if where.everything is not None:
        for entry in where.everything.details:
            if entry.namespace in health:
                health[entry.namespace][entry.repository] = entry
        return health, set(where.wanted), {}
    read: set[str] = set()
    errors: dict[str, QuayError] = {}

    def one(namespace: str) -> MirrorHealth | None:
        if namespace not in shared:
            return client.get_mirror_health(namespace)
        return read_cache.shared(
            namespace,
            "health",
            lambda: fresh(client).get_mirror_health(namespace),  # the shared answer alone
            settings.WATCH_SHARED_HEALTH_SECONDS,
        )

    for outcome in fan_out(one, where.wanted):
        if outcome.ok and outcome.value is not None:
            health[outcome.item] = health_by_repo(outcome.value)
            read.add(outcome.item)
        elif isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
        elif outcome.error is not None:
            errors[outcome.item] = outcome.error
    return health, read, errors


def indexed() -> set[str]:
    """Every namespace the index holds: a superuser's overview shows them all (Quay shows
    a superuser every namespace's mirrors, but names in its global mirror health only those
    with an enabled repository mirror: an organization mirror's organization never)."""
    return set(
        Enrolment.objects.filter(indexed_at__isnull=False).values_list("namespace", flat=True)
    )


def health_by_repo(health: MirrorHealth | None) -> dict[str, HealthEntry]:
    """A namespace's mirror health by repository name (nothing without one)."""
    return {entry.repository: entry for entry in health.details} if health else {}
