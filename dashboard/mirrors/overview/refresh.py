"""The overview tab's one refresh: every active row's status again, for the whole page.

Each row carries its :class:`~.row_state.RowState`; the refresh sends those of the active
(queued or running) rows and costs one mirror-health call per namespace that has one (an
answer another tab of the same person got less than an interval ago is shared). A row is
drawn again only when its status changed, from health (its details then follow, like any
pending row's); its config is read only when the status alone cannot tell what to show:

* a running sync whose lease (carried in its state, or the earliest moment it can run out)
  has passed: is the worker dead?
* a queued sync waiting longer than ``QUEUED_TOO_LONG`` (from when it was queued, or when
  the refresh first saw it queued): no worker picked it up?
* a mirror that left the health report (disabled, or its config removed).

Every ``OVERVIEW_REFRESH_SECONDS`` while the tab is visible and something is active; after a
refresh that changed nothing the next waits twice as long, up to
``OVERVIEW_REFRESH_MAX_SECONDS``; none once nothing is active. However many namespaces have
active rows, a tab's refreshes ask Quay at most ``OVERVIEW_REFRESH_CALLS_PER_MINUTE`` times a
minute: with more namespaces the shortest interval grows (4 namespaces at 24 a minute: 10 s).
A refresh that could not read health keeps every row as it was and says since when
(``as_of``). A namespace whose health Quay refuses this token (an organization's, to a token
without ``org:admin`` or ``repo:create``) is refreshed from its active rows' configs instead,
one call each, counted in the pace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from dashboard.mirrors.overview.pace import next_interval, paced
from dashboard.mirrors.overview.row_state import RowState
from dashboard.mirrors.overview.rows import (
    NOT_IN_HEALTH,
    Row,
    detailed_row,
    row_from_health,
    stamped,
)
from dashboard.mirrors.overview.scope import health_by_repo
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.status import LEASE, QUEUED_TOO_LONG, STUCK
from dashboard.quay.cache import for_poll, fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayForbidden
from dashboard.quay.fanout import fan_out
from dashboard.quay.models import HealthEntry, SyncStatus


@dataclass(frozen=True)
class TabRefresh:
    """The refresh element of a tab: when it asks next, and what the rows shown are."""

    interval: int
    #: When the statuses shown were read (a failed refresh says "as of" then).
    as_of: datetime
    #: Something is active: the tab keeps refreshing.
    active: bool
    #: Namespaces whose health could not be read this time, with why.
    failed: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, now: datetime, rows: Iterable[Row]) -> TabRefresh:
        """The refresh of a page showing ``rows``: at its shortest interval for them."""
        active = {row.namespace for row in rows if row.polls}
        return cls(paced(settings.OVERVIEW_REFRESH_SECONDS, len(active)), now, bool(active))

    @classmethod
    def restart(cls, now: datetime, rows: Iterable[Row]) -> TabRefresh | None:
        """The tab's refresh started again (at its shortest interval) when a press left a
        row active, to go with the rows it answers; ``None`` when nothing is active."""
        rows = list(rows)
        return cls.start(now, rows) if any(row.polls for row in rows) else None

    @property
    def as_of_unix(self) -> int:
        return int(self.as_of.timestamp())


@dataclass
class Refreshed:
    rows: list[Row]
    tab: TabRefresh


def _verdict(state: RowState, entry: HealthEntry | None, now: datetime) -> str:
    """``same`` (nothing to draw), ``health`` (draw it from health), or ``read`` (its config
    is needed to tell)."""
    if state.poll.via_health:
        if entry is not None and entry.unreadable:
            return "health"  # says why its status is not known
        return "same" if entry is not None and entry.sync_status == state.sync_status else "health"
    if entry is None or entry.unreadable:
        return "read"
    if entry.sync_status != state.sync_status:
        return "health"
    if state.poll.was == STUCK:
        return "same"  # already shown stuck: only a person's Cancel moves it on
    poll = state.poll
    if entry.sync_status is SyncStatus.SYNCING:
        return "read" if poll.lease is not None and poll.lease <= now else "same"
    if entry.sync_status is SyncStatus.SYNC_NOW:
        waiting_since = poll.queued or poll.since
        too_long = waiting_since is not None and now - waiting_since > QUEUED_TOO_LONG
        return "read" if too_long else "same"
    return "same"


def _from_health(state: RowState, entry: HealthEntry | None, now: datetime) -> Row:
    """A row whose status changed, drawn from health: read-only, or pending its details."""
    if entry is None:
        return Row(
            state.namespace, state.name, reason=NOT_IN_HEALTH, forbidden=True, not_in_health=True
        )
    if state.poll.via_health:
        return row_from_health(entry, now)
    # It changed after the row was read: a sync claimed since cannot be stuck before this.
    read_at = state.poll.at or now
    lease = read_at + LEASE if entry.sync_status is SyncStatus.SYNCING else None
    return row_from_health(entry, now, pending=True, since=now, lease_hint=lease)


def _same(state: RowState, row: Row) -> bool:
    """A row read from its config says what the page shows already."""
    label = row.status.label if row.status is not None else None
    return row.sync_status == state.sync_status and label == state.poll.was


def refresh(
    client: QuayClient,
    states: Sequence[RowState],
    now: datetime,
    *,
    interval: int,
    as_of: datetime,
    person: Person | None = None,
) -> Refreshed:
    """One refresh of a tab's active rows (``states``); see the module's docstring."""
    by_namespace: dict[str, list[RowState]] = {}
    for state in states:
        by_namespace.setdefault(state.namespace, []).append(state)
    polling = for_poll(client, interval)
    outcomes = fan_out(polling.get_mirror_health, list(by_namespace))
    changed: list[Row] = []
    to_read: list[RowState] = []
    #: Rows of namespaces whose health Quay refuses this token: read from their configs.
    refused: list[RowState] = []
    failed: dict[str, str] = {}
    unchanged = 0
    for outcome in outcomes:
        namespace = outcome.item
        if isinstance(outcome.error, QuayForbidden):
            refused += by_namespace[namespace]
            continue
        if not outcome.ok:
            failed[namespace] = outcome.error.message if outcome.error else ""
            unchanged += len(by_namespace[namespace])
            continue
        entries = health_by_repo(outcome.value)
        for state in by_namespace[namespace]:
            entry = entries.get(state.name)
            verdict = _verdict(state, entry, now)
            if verdict == "same":
                unchanged += 1
            elif verdict == "health":
                changed.append(_from_health(state, entry, now))
            else:
                to_read.append(state)
    asking = fresh(client)
    read = fan_out(lambda state: detailed_row(asking, state, now, person), to_read + refused)
    for index, (state, outcome) in enumerate(zip(to_read + refused, read, strict=True)):
        row = outcome.value
        if row is None:
            continue
        if index >= len(to_read) and (row.waiting or _same(state, row)):
            unchanged += 1  # read from its config, and nothing to draw
        else:
            changed.append(row)
    shortest = settings.OVERVIEW_REFRESH_SECONDS
    calls = len(outcomes) + len(refused)
    tab = TabRefresh(
        paced(next_interval(interval, bool(changed)) if not failed else shortest, calls),
        now if not failed else as_of,
        active=unchanged > 0 or any(row.polls for row in changed),
        failed=failed,
    )
    return Refreshed([stamped(row, now) for row in changed], tab)
