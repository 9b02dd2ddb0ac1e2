"""The overview as first drawn: every enabled mirror with the status Quay's mirror health
reports, at a cost independent of how many there are.

Two rounds of calls: ``GET /user/`` with the global health (``overview.scope``; neither
when the person was seen in the last ``OVERVIEW_PERSON_SECONDS`` and is known to be no
superuser), then one mirror-health call per namespace (none for a superuser: the global one
has it all; none for a watched namespace whose shared answer is fresh). Every
row is drawn at once, *pending* its details; the page then asks for the rest (a namespace
whose health Quay refuses this token, or failed to answer, says so, and its mirrors all come
from the listing):

* the repository listings (``overview_listing``): disabled and unconfigured mirrors, the
  repositories not mirrored, and mirrors health names but the person cannot see;
* the details of rows in view, and of failed and running ones first (``overview_details``);
* one refresh for the whole tab while anything is active (``overview_refresh``).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.urls import reverse

from dashboard.mirrors.overview import first_screen, watched
from dashboard.mirrors.overview import orgs as overview_orgs
from dashboard.mirrors.overview.filters import Filters
from dashboard.mirrors.overview.page import Overview, summary
from dashboard.mirrors.overview.refresh import TabRefresh
from dashboard.mirrors.overview.rows import health_reason, row_from_health
from dashboard.mirrors.overview.scope import read_health, scope
from dashboard.mirrors.person import Person
from dashboard.quay.cache import prefetch
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayTimeout, QuayUnreachable


def first_paint(
    client: QuayClient, person: Person, filters: Filters, now: datetime
) -> dict[str, Any]:
    """What the overview shows before its details: health's rows, the counts, and where the
    page fetches the rest. Raises the :class:`QuayError` of ``GET /user/``."""
    where = scope(
        client, [filters.namespace] if filters.namespace else None, person=person, now=now
    )
    shared = watched.shares_health(person, where.wanted)
    health, health_read, health_errors = read_health(client, where, shared)
    index = watched.read(person, where.wanted, health, now, health_read)
    if where.user is None and not health_read and not index.namespaces:
        _quay_failed(health_errors)
    live = [ns for ns in where.wanted if ns not in index.namespaces]
    # The page asks for the listings as soon as it is shown: Quay starts on them now.
    prefetch(client, [functools.partial(client.list_repositories, ns) for ns in live])
    rows = sorted(
        [
            *(
                row_from_health(entry, now, pending=True)
                for ns in live
                for entry in health[ns].values()
            ),
            *index.rows,
        ],
        key=lambda row: row.sort_key,
    )
    overview = Overview(
        username=where.username,
        namespaces=where.namespaces,
        rows=rows,
        queried=where.wanted,
        read_only_namespaces=index.read_only,
        scopes_known=person.scopes is not None,
        health_errors={ns: health_reason(e, person, ns) for ns, e in health_errors.items()},
        org_rows=index.org_rows,
        watched=index.namespaces,
        watch_notes=index.notes,
    )
    context = summary(rows, filters)
    screen = first_screen.split(context["rows"], person.username)
    drawn_at = int(now.timestamp())
    return {
        **context,
        **overview_orgs.section(index.org_rows, filters),
        "rows": screen.rows,
        "rows_later": screen.later,
        "overview": overview,
        "lazy": True,
        # The listing may bring mirrors mirror health does not name (disabled ones): the
        # total is not known until it has answered.
        "total_known": context["total_known"] and not live,
        "total_grows": bool(live),
        # Rows held uncounted (a search their details will tell): a zero is not known.
        "counts_held": not context["total_known"],
        "pending_count": sum(row.pending and not row.held for row in context["rows"]),
        "stuck_checking": sum(row.checks_stuck for row in context["rows"]),
        # Running or failed rows the status filter leaves out: this page never asks their
        # details, so whether they are stuck is not known here.
        "stuck_unchecked": sum(
            row.checks_stuck for row in context["placed"] if row.hidden and row.counted
        ),
        "person": person,
        "read_only_superuser": person.read_only_superuser,
        "selectable": False,
        "listing_url": reverse("mirrors:overview-listing")
        + f"?{filters.params(at=drawn_at, su=str(int(where.superuser)), **screen.params())}",
        "refresh": TabRefresh.start(now, context["rows"]),
        "seen_user": where.user,  # for the session (``Person.known``)
    }


def _quay_failed(errors: dict[str, QuayError]) -> None:
    """Nothing read, nothing watched, and not asked who the person is (``Person.known``):
    when Quay could not be reached or did not answer in time for any of them, the page says
    so as it does when ``GET /user/`` fails, instead of one note per namespace (a health
    report Quay refuses or fails to build leaves the listings to draw the rows)."""
    if errors and all(isinstance(e, QuayUnreachable | QuayTimeout) for e in errors.values()):
        raise next(iter(errors.values()))
