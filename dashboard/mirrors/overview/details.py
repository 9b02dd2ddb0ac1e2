"""The details of overview rows drawn before them, in batches: one request for many rows.

A row drawn from mirror health (or from the listing) is *pending* its details. The page asks
for them in batches of rows -- the ones in view first, failed and running ones next (is the
sync stuck?), and every other row once it scrolls into view -- a few batches at a time:

* :func:`details`: each row's mirror config (and its log, only where the log changes what
  the row says: a queued sync's wait, an overdue retry), drawn as the repository page would;
* :func:`results`: the last finished sync of rows with a history (its time and, for a
  failure, why), from the log.

A batch answers within ``OVERVIEW_DETAILS_WAIT_SECONDS`` whatever its slowest call: a row
whose call is still running, or was not sent because the dashboard's calls to Quay were all
in use (``QuayBusy``), says so ("still waiting for Quay…") and is asked again (an answer,
once in, comes from the read cache). A row whose call failed says why and keeps the status
it had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.overview.row_state import RowState
from dashboard.mirrors.overview.rows import (
    STATUS_UNKNOWN,
    Row,
    detailed_row,
    stamped,
    still_waiting,
)
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.freshness import LATE
from dashboard.mirrors.rules.runs import EventSummary, last_result, summarize_event
from dashboard.quay.cache import fresh, within
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayBusy
from dashboard.quay.fanout import fan_out_until

if TYPE_CHECKING:
    from dashboard.mirrors.overview.filters import Filters

#: Most rows one batch may ask for.
BATCH_LIMIT = 50


def not_older_than(client: QuayClient, state: RowState, now: datetime) -> QuayClient:
    """``client`` reading cached answers no older than what the row shows: for a row a
    refresh drew from a change (``since``), only answers asked after it was drawn; for any
    other, those (a batch asked again gets the answers its slow calls brought in) and any
    young enough for a page (``QUAY_READ_CACHE_SECONDS``)."""
    if state.poll.at is None:
        return fresh(client)
    age = max(0.0, (now - state.poll.at).total_seconds())
    if state.poll.since is not None:
        return within(client, age)
    return within(client, max(age, settings.QUAY_READ_CACHE_SECONDS))


@dataclass
class Detailed:
    rows: list[Row]
    #: Namespaces with a row shown read-only (the page says why, once per namespace).
    read_only: list[str]
    #: Namespaces with a row whose status is not known (no settings, no health: the page
    #: says so once per namespace, and that the counts are incomplete).
    status_unknown: list[str] = field(default_factory=list)

    @property
    def selectable(self) -> bool:
        return any(row.actionable and not row.hidden for row in self.rows)

    @property
    def incomplete(self) -> str:
        """Why the counts are incomplete, as far as this batch can tell ("" if it cannot)."""
        return STATUS_UNKNOWN if self.status_unknown else ""


def details(
    client: QuayClient,
    states: Sequence[RowState],
    filters: Filters,
    now: datetime,
    person: Person | None = None,
) -> Detailed:
    """The rows of ``states`` with their details, placed by ``filters`` (a held row is shown
    or stays hidden now that its details tell). A cached answer is used only if it is no
    older than what the row shows (:func:`not_older_than`)."""
    outcomes = fan_out_until(
        lambda state: detailed_row(not_older_than(client, state, now), state, now, person),
        states[:BATCH_LIMIT],
        settings.OVERVIEW_DETAILS_WAIT_SECONDS,
    )
    rows = [
        filters.place(
            stamped(outcome.value, now)
            if outcome is not None and outcome.value is not None
            else still_waiting(state, now)
        )
        for state, outcome in zip(states, outcomes, strict=False)
    ]
    if filters.status == LATE:
        rows = _lateness(client, rows, filters)
    read_only = sorted({row.namespace for row in rows if row.read_only and not row.hidden})
    unknown = sorted({row.namespace for row in rows if row.status_unknown})
    return Detailed(rows, read_only, unknown)


def _lateness(client: QuayClient, rows: list[Row], filters: Filters) -> list[Row]:
    """Under the "late" filter, the rows whose lateness waits for their last success get it
    in the same batch -- the one log read each that the page's results step makes for a row
    with a history -- and are placed again (shown if late)."""
    wanted = [row for row in rows if row.needs_results and row.fresh_key == "unknown"]
    if not wanted:
        return rows
    read = results(client, [row.target for row in wanted])
    events = {answer.target: answer.event for answer in read if answer.event is not None}
    return [
        filters.place(replace(row, last_event=events[row.target])) if row.target in events else row
        for row in rows
    ]


@dataclass(frozen=True)
class LastResult:
    """A row's last finished sync, from its log (``event`` ``None``: none in the log)."""

    target: RepoTarget
    event: EventSummary | None = None
    error: str = ""
    waiting: bool = False

    @property
    def dom_id(self) -> str:
        return Row(self.target.namespace, self.target.name).dom_id


def results(client: QuayClient, targets: Sequence[RepoTarget]) -> list[LastResult]:
    """The last finished sync of each of ``targets`` (one log read each, in parallel)."""

    def read(target: RepoTarget) -> LastResult:
        logs = target.read_logs(client)
        entry = last_result(logs)
        return LastResult(target, summarize_event(entry, logs) if entry else None)

    outcomes = fan_out_until(read, targets[:BATCH_LIMIT], settings.OVERVIEW_DETAILS_WAIT_SECONDS)
    answers = []
    for target, outcome in zip(targets, outcomes, strict=False):
        if outcome is None or isinstance(outcome.error, QuayBusy):
            answers.append(LastResult(target, waiting=True))
        elif outcome.error is not None:
            answers.append(LastResult(target, error=outcome.error.message))
        else:
            answers.append(outcome.value or LastResult(target))
    return answers
