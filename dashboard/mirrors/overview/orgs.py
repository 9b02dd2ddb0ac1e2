"""Organization mirrors in the overview: one row each, with its repositories by status.

Quay creates an organization mirror only in an empty organization, and every repository in
it is then in state ORG_MIRROR: so only an organization whose listing is empty or all
ORG_MIRROR can have one, and only those are asked (one ``GET …/mirror`` each, never one a
repository). A Quay that says it runs without organization mirroring (its ``/config``,
asked anonymously and kept ten minutes) is not asked at all; a 404 shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings

from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.overview.org_row import OrgRow
from dashboard.mirrors.overview.row_base import (
    STATUS_CHOICES,
    UNREADABLE,
    Count,
    FreshCount,
    counts,
    fresh_counts,
)
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.outcomes import ActionResult
from dashboard.quay.cache import for_poll, fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import fan_out
from dashboard.quay.models import Repository
from dashboard.quay.org_models import OrgMirrorConfig

if TYPE_CHECKING:
    from dashboard.mirrors.overview.filters import Filters


def read_rows(
    client: QuayClient,
    orgs: Sequence[str],
    now: datetime,
    listings: Mapping[str, Sequence[Repository]] | None = None,
    person: Person | None = None,
) -> list[OrgRow]:
    """The organization mirrors of ``orgs`` (those Quay has one for), broken first; with
    their buttons only where Quay may let ``person`` use them."""
    if not orgs or client.org_mirroring_enabled() is False:
        return []
    rows: list[OrgRow] = []
    for outcome in fan_out(client.get_org_mirror, list(orgs)):
        org = outcome.item
        names = tuple(repo.name for repo in (listings or {}).get(org, ()))
        error = outcome.error
        if isinstance(error, QuayUnauthorized):
            raise error
        if outcome.ok and outcome.value is not None:
            rows.append(OrgRow.of(org, outcome.value, now, person, names))
        elif isinstance(error, QuayNotFound):
            # No organization mirror (Quay answers 404 only to those who may read one): an
            # empty organization whose admin may change it can have one set up.
            if not names and (person is None or person.may_change_org(org)):
                rows.append(OrgRow(org, settable=True))
        elif isinstance(error, QuayForbidden):
            if names:  # its repositories say it has one; only its admins may see it
                reason = "only the organization's admins can see its organization mirror"
                rows.append(OrgRow(org, reason=reason, repositories=names))
        elif isinstance(error, QuayError):
            rows.append(OrgRow(org, reason=error.message, repositories=names))
    rows.sort(key=lambda row: (row.rank, row.org))
    return rows


def place(rows: Iterable[OrgRow], filters: Filters) -> list[OrgRow]:
    """The rows the filters keep (``Filters.keeps``, as a repository's): by namespace, status
    (the derived key), search (the organization, its source, or one of its repositories:
    those are named, ``matched``)."""
    needle = filters.query.lower()
    kept: list[OrgRow] = []
    for row in rows:
        if needle:
            named = (name for name in row.repositories if needle in f"{row.org}/{name}".lower())
            row = replace(row, matched=tuple(named))
        if filters.keeps(row):
            kept.append(row)
    return kept


def row_after_action(
    client: QuayClient, target: OrgTarget, result: ActionResult, now: datetime, person: Person
) -> OrgRow:
    """The row after a press: from the config the press read (no further call), or read
    again when it could not."""
    if isinstance(result.mirror, OrgMirrorConfig):
        return OrgRow.of(target.org, result.mirror, now, person)
    rows = read_rows(fresh(client), [target.org], now, person=person)
    return rows[0] if rows else OrgRow(target.org, reason=result.message)


def refresh_rows(
    client: QuayClient, orgs: Sequence[str], now: datetime, person: Person
) -> list[OrgRow]:
    """The rows of the overview's organization mirrors again (their section's refresh):
    one call each, an answer at most one refresh interval old."""
    polling = for_poll(client, settings.OVERVIEW_REFRESH_SECONDS)
    return read_rows(polling, orgs, now, person=person)


@dataclass(frozen=True)
class OrgCounts:
    """The organization mirrors in the overview's top line: how many, and how many of each
    status (each a link to the status filter, which keeps organization rows too)."""

    total: int
    counts: tuple[Count, ...]
    fresh: tuple[FreshCount, ...] = ()


def counted(rows: Iterable[OrgRow], filters: Filters) -> OrgCounts:
    """The rows the filters keep but for the status (the counts say what each status would
    show), counted by status, broken first; a row whose config could not be read is "no
    access" (not a status the filter knows: no link)."""
    everywhere = place(rows, replace(filters, status=""))
    by_key = counts(everywhere)
    labels = dict(STATUS_CHOICES)
    order = {key: index for index, (key, _) in enumerate(STATUS_CHOICES)}
    links = tuple(
        Count(key, labels[key], by_key[key], filters.params(status=key), False)
        if key in labels
        else Count(key, "no access", by_key[key], "", False)
        for key in sorted(by_key, key=lambda key: order.get(key, order[UNREADABLE]))
    )
    return OrgCounts(len(everywhere), links, tuple(fresh_counts(everywhere, filters)))


def section(rows: Sequence[OrgRow], filters: Filters) -> dict[str, Any]:
    """The template context of the organization mirrors: the rows the filters keep, whether
    the section refreshes itself, their counts for the top line, and the organizations where
    the person may set one up."""
    mirrors = [row for row in rows if not row.settable]
    kept = place(mirrors, filters)
    empty = place([row for row in rows if row.settable], replace(filters, status=""))
    return {
        "org_rows": kept,
        "org_polls": any(row.polls for row in kept),
        "org_counts": counted(mirrors, filters),
        # Where one could be set up (not under a status filter: they have no status).
        "org_settable": [] if filters.status else [row.org for row in empty],
    }
