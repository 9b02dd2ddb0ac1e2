"""The rest of the overview after its first paint: what only the repository listings tell.

Mirror health names enabled mirrors only. The listings (100 repositories a page, every
namespace at once) add the MIRROR-state repositories it does not name (disabled, or not
configured yet: their details tell which), the repositories not mirrored (with the toggle),
and show which mirrors health names that the person cannot see (read-only, with why).

The health answers the page was drawn from are read again through the read cache, so this
costs the listings only (plus ``GET /user/`` and health again when the cache is off).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings

from dashboard.mirrors.kinds.organization import candidates
from dashboard.mirrors.overview import first_screen, watched
from dashboard.mirrors.overview import orgs as overview_orgs
from dashboard.mirrors.overview.details import not_older_than
from dashboard.mirrors.overview.filters import Filters
from dashboard.mirrors.overview.page import Overview
from dashboard.mirrors.overview.rows import (
    Row,
    detailed_row,
    health_reason,
    hidden_row,
    row_from_health,
    stamped,
)
from dashboard.mirrors.overview.scope import read_health, scope
from dashboard.mirrors.person import Person
from dashboard.quay.cache import prefetch, within
from dashboard.quay.client import QuayClient
from dashboard.quay.fanout import fan_out
from dashboard.quay.models import HealthEntry, Repository

#: The rows whose details are started with the listing: the page's first batch.
BATCH = 10


@dataclass
class Listed:
    overview: Overview
    #: New rows, in the listings' order: mirrors health does not name, then (with the toggle)
    #: the repositories not mirrored.
    rows: list[Row] = field(default_factory=list)
    #: Rows the page drew from health that the person cannot see: drawn again, read-only.
    hidden: list[Row] = field(default_factory=list)
    #: The organization mirrors: their rows (filtered), counts and refresh
    #: (``overview_orgs.section``).
    orgs: dict[str, Any] = field(default_factory=dict)
    #: The rows the first paint counted and left for later (``first_screen``), in its order.
    later: list[Row] = field(default_factory=list)

    @property
    def anything_shown(self) -> bool:
        """A row (of the page's or of these) is on show, or may be once its details come."""
        replaced = {row.full_name for row in self.hidden}
        kept = [row for row in self.overview.rows if row.full_name not in replaced]
        shown = any(not row.hidden for row in self.rows + self.hidden)
        return bool(kept) or shown or any(self.orgs.get(k) for k in ("org_rows", "org_settable"))


def listing(
    client: QuayClient,
    person: Person,
    filters: Filters,
    now: datetime,
    drawn_at: datetime,
    *,
    superuser: bool = True,
    later: str = "",
    after: int = 0,
) -> Listed:
    """The rows the first paint (drawn at ``drawn_at``; ``superuser``: whether it found the
    person one) could not know, and those it left for later (``later``, ``after``: see
    ``first_screen.later``). Raises the :class:`QuayError` of ``GET /user/``."""
    age = (now - drawn_at).total_seconds() + 1
    same = within(client, max(settings.QUAY_READ_CACHE_SECONDS, age))  # the page's answers
    where = scope(
        same,
        [filters.namespace] if filters.namespace else None,
        superuser=superuser,
        person=person,
        now=now,
    )
    shared = watched.shares_health(person, where.wanted)
    health, health_read, health_errors = read_health(same, where, shared)
    overview = Overview(
        where.username,
        where.namespaces,
        queried=where.wanted,
        scopes_known=person.scopes is not None,
        health_errors={ns: health_reason(e, person, ns) for ns, e in health_errors.items()},
    )
    index = watched.read(person, where.wanted, health, now, health_read)
    live = [ns for ns in where.wanted if ns not in index.namespaces]
    overview.rows = [row for ns in live for row in _drawn(health[ns], filters, now)]
    overview.rows += [filters.place(row) for row in index.rows]
    overview.read_only_namespaces = list(index.read_only)
    overview.watched, overview.watch_notes = index.namespaces, index.notes
    listed = Listed(overview)
    normal: list[Row] = []
    read_only: set[str] = set()
    listings: dict[str, list[Repository]] = {}
    for outcome in fan_out(client.list_repositories, live):
        namespace = outcome.item
        if not outcome.ok:
            overview.namespace_errors[namespace] = outcome.error.message if outcome.error else ""
            continue
        repos = listings[namespace] = outcome.value or []
        named = health[namespace]
        origin = "listing" if namespace in health_read else "unknown"
        for repo in repos:
            if repo.is_org_mirror:
                continue  # its organization mirror's row stands for it
            if not repo.is_mirror:
                if filters.show_normal:
                    normal.append(Row(namespace, repo.name, mirrored=False))
            elif repo.name not in named:
                listed.rows.append(Row(namespace, repo.name, pending=True, origin=origin, at=now))
        seen = {repo.name for repo in repos}
        for name, entry in named.items():
            if name not in seen:
                listed.hidden.append(filters.place(hidden_row(entry, now)))
                read_only.add(namespace)
    listed.rows = [filters.place(stamped(row, now)) for row in listed.rows + normal]
    overview.read_only_namespaces += [ns for ns in live if ns in read_only]
    overview.rows.sort(key=lambda row: row.sort_key)
    if later or after:
        redrawn = {row.full_name: row for row in listed.hidden}
        left = first_screen.later(overview.rows, person.username, later, after)
        listed.later = [
            replace(redrawn.pop(row.full_name), counted_as=row.counted_as)
            if row.full_name in redrawn
            else row
            for row in left
        ]
        listed.hidden = list(redrawn.values())
    _prefetch_first_details(client, listed, now, person)
    orgs = candidates(where.username, listings)
    found = overview_orgs.read_rows(client, orgs, now, listings, person)
    listed.orgs = overview_orgs.section([*index.org_rows, *found], filters)
    return listed


def _prefetch_first_details(
    client: QuayClient, listed: Listed, now: datetime, person: Person
) -> None:
    """The page asks for the details of its top rows next (in view, and failed or running
    first): Quay starts on them while the listing is drawn and sent."""
    hidden = {row.full_name for row in listed.hidden}
    first = [
        row.state for row in listed.overview.rows if row.pending and row.full_name not in hidden
    ]
    prefetch(
        client,
        [
            functools.partial(detailed_row, not_older_than(client, state, now), state, now, person)
            for state in first[:BATCH]
        ],
    )


def _drawn(health: dict[str, HealthEntry], filters: Filters, now: datetime) -> list[Row]:
    """The rows the first paint showed (or holds) for one namespace's health."""
    placed = (filters.place(row_from_health(entry, now, pending=True)) for entry in health.values())
    return [row for row in placed if not row.hidden]
