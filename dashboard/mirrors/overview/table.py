"""The overview as a table (CSV): one line per mirror the person can see, under the page's
filters, what a team lead pastes into a report.

Drawn from the data the overview itself draws from, at no call more: the fleet index for
the watched namespaces the person is served from it (``overview.watched``; a row whose
status moved since the index was read is read again, as the page reads its details), and
for the other namespaces the reads of the page drawn whole (``overview.page.collect``:
the listings, the mirror health, each mirror's config, the last results of the first
:data:`~.page.WHOLE_PAGE_RESULTS` finished rows). Round 1 (who the person is) is made once
for both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dashboard.mirrors.overview import orgs as overview_orgs
from dashboard.mirrors.overview import watched
from dashboard.mirrors.overview.filters import Filters
from dashboard.mirrors.overview.orgs import OrgRow
from dashboard.mirrors.overview.page import (
    collect,
    read_row,
    summary,
    with_last_results,
)
from dashboard.mirrors.overview.row_base import STATUS_CHOICES
from dashboard.mirrors.overview.rows import Row
from dashboard.mirrors.overview.scope import read_health, scope
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.changes import format_value
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayUnauthorized
from dashboard.quay.fanout import fan_out
from dashboard.watch.visible import served as index_serves

HEADER = (
    "namespace",
    "repository",
    "kind",
    "source",
    "status",
    "detail",
    "last_sync_utc",
    "reason",
    "interval",
    "interval_seconds",
    "next_sync_utc",
    "link",
)

#: A row's status in words where it has no status of its own (not configured, unreadable…).
_KEY_LABELS = dict(STATUS_CHOICES)

#: Cells a spreadsheet would read as a formula begin with one of these (OWASP).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """The overview's rows under its filters, both kinds, in the page's order."""

    rows: list[Row] = field(default_factory=list)
    org_rows: list[OrgRow] = field(default_factory=list)
    #: Namespaces whose repositories could not be listed, with why: their mirrors are not
    #: known, so no file is given (it would look whole).
    unlisted: dict[str, str] = field(default_factory=dict)

    @property
    def incomplete(self) -> str:
        """Why no file is given, in words ("" when the table is whole)."""
        return " ".join(
            f"The repositories of {ns} could not be listed: {why}"
            for ns, why in self.unlisted.items()
        )


def build(client: QuayClient, person: Person, filters: Filters, now: datetime) -> Table:
    """The rows the overview lists under ``filters`` (the page drawn whole, the index where
    it serves). Raises the :class:`QuayError` of ``GET /user/``."""
    where = scope(
        client, [filters.namespace] if filters.namespace else None, person=person, now=now
    )
    served = [ns for ns in where.wanted if ns in index_serves(person, where.wanted)]
    index_scope = replace(where, wanted=served)
    health, health_read, _ = read_health(client, index_scope, watched.shares_health(person, served))
    index = watched.read(person, served, health, now, health_read)
    live = [ns for ns in where.wanted if ns not in index.namespaces]
    data = collect(
        client,
        now,
        include_normal=filters.show_normal,
        person=person,
        where=replace(where, wanted=live),
    )
    indexed = _details(client, index.rows, now, person)
    placed = summary([*data.rows, *indexed], filters)["rows"]
    rows, _ = with_last_results(client, sorted(placed, key=lambda row: row.sort_key))
    kept = overview_orgs.section([*data.org_rows, *index.org_rows], filters)["org_rows"]
    orgs = sorted(kept, key=lambda row: (row.rank, row.org))
    return Table(rows, orgs, dict(data.namespace_errors))


def _details(client: QuayClient, rows: Sequence[Row], now: datetime, person: Person) -> list[Row]:
    """The index's rows, those whose status moved since (pending) read again (one call
    each, as the page's details do)."""
    pending = [row for row in rows if row.pending]
    if not pending:
        return list(rows)
    again: dict[str, Row] = {}
    for outcome in fan_out(lambda row: read_row(client, row.target, now, person=person), pending):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
        if outcome.value is not None:
            again[outcome.item.full_name] = outcome.value
    return [again.get(row.full_name, row) for row in rows]


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one beginning like a formula gets a ``'``."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _repository_line(row: Row, link: Callable[[str], str]) -> list[object]:
    status = row.status
    event = row.last_event
    last = row.last_sync or (event.when if event is not None and event.key == "success" else None)
    reason = row.reason or row.detail_error
    if event is not None and event.key == "fail" and status is not None and status.key == "fail":
        reason = event.detail
    interval = row.config.sync_interval if row.config is not None else None
    label = status.label if status is not None else _KEY_LABELS.get(row.key, "")
    return [
        row.namespace,
        row.name,
        "repository",
        row.external_reference,
        label,
        status.detail if status is not None else "",
        _utc(last),
        reason,
        format_value("sync_interval", interval) if interval is not None else "",
        "" if interval is None else interval,
        _utc(row.next_run),
        link(row.target.url("page")),
    ]


def _org_line(row: OrgRow, link: Callable[[str], str]) -> list[object]:
    config = row.config
    status = row.status
    interval = config.sync_interval if config is not None else None
    next_run = config.sync_start_date if config is not None and config.is_enabled else None
    return [
        row.org,
        "",
        "organization",
        row.external_reference,
        status.label if status is not None else "Unreadable",
        status.detail if status is not None else "",
        "",
        row.reason,
        format_value("sync_interval", interval) if interval is not None else "",
        "" if interval is None else interval,
        _utc(next_run),
        link(overview_orgs.OrgTarget(row.org).url("page")),
    ]


def to_csv(table: Table, link: Callable[[str], str]) -> str:
    """``table`` as CSV (``link``: a dashboard path made absolute), every cell safe for a
    spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    lines = [_org_line(row, link) for row in table.org_rows]
    lines += [_repository_line(row, link) for row in table.rows]
    for line in lines:
        writer.writerow([safe_cell(cell) for cell in line])
    return out.getvalue()


def file_name(now: datetime) -> str:
    return f"mirrors-{now.astimezone(UTC):%Y%m%d-%H%M}.csv"
