"""The overview: the whole page with every row's details at once (``details=all``, what a
browser without JavaScript is sent to), and a row again after a press.

The page a browser with JavaScript gets first (``overview_first_paint``) costs one call per
namespace; the rest follows in fragments (``overview_listing``, ``overview_details``,
``overview_refresh``). The whole page read here costs three or four rounds of upstream
calls, each fanned out in parallel (bounded by ``QUAY_MAX_PARALLEL``):

1. ``GET /user/`` -- the person's namespaces -- together with the global mirror health, which
   Quay shows only to (read-only) superusers: it tells them apart and names every namespace
   (``overview.scope``);
2. ``GET /repository?namespace=X`` for every namespace at once;
3. ``GET .../mirror`` for every MIRROR repository, together with one mirror-health call per
   namespace (last sync times for everyone; the whole status for people who may not read
   configs);
4. only for queued or overdue-failed mirrors (few): their logs, so Stuck is decided as on
   the repository page;
5. on the page (:func:`page`), the logs of the finished rows drawn -- at most
   :data:`WHOLE_PAGE_RESULTS`, broken ones first -- for their last result's time and reason,
   as the page with JavaScript asks them row by row (``overview_details.results``).

A repository whose config cannot be read keeps its own reason; one failure never sinks the
page. Only a failure of round 1 (or every listing failing) is a page-wide error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dashboard.mirrors.kinds.base import MirrorKind
from dashboard.mirrors.kinds.organization import OrgTarget, candidates
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.overview import details as overview_details
from dashboard.mirrors.overview import orgs as overview_orgs
from dashboard.mirrors.overview.filters import Filters, count_links, total, total_known
from dashboard.mirrors.overview.org_row import OrgRow
from dashboard.mirrors.overview.refresh import TabRefresh
from dashboard.mirrors.overview.row_base import counts, fresh_counts
from dashboard.mirrors.overview.rows import (
    NOT_IN_HEALTH,
    STATUS_UNKNOWN,
    Row,
    for_person,
    health_reason,
    hidden_row,
    needs_log,
    row_from_config,
    row_from_health,
    row_without_config,
    stamped,
    unreadable_row,
)
from dashboard.mirrors.overview.scope import Scope, health_by_repo, read_health, scope
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.freshness import LATE
from dashboard.mirrors.rules.outcomes import ActionResult, grouped
from dashboard.mirrors.rules.poll import PollState
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.quay.fanout import fan_out, parallel
from dashboard.quay.models import (
    LogEntry,
    MirrorConfig,
    Repository,
    SyncStatus,
)

#: The answer of an overview row of either kind to a press (and of a row read again).
ROW_ANSWER = "mirrors/overview.html#row_answer"


@dataclass
class Overview:
    """Everything the overview page shows."""

    username: str
    namespaces: list[str]
    rows: list[Row] = field(default_factory=list)
    #: Namespaces whose repositories could not be listed, with the reason.
    namespace_errors: dict[str, str] = field(default_factory=dict)
    #: The namespaces whose repositories were asked for (all of them, or the filtered one).
    queried: list[str] = field(default_factory=list)
    #: Namespaces shown read-only from mirror health (the person may not read configs).
    read_only_namespaces: list[str] = field(default_factory=list)
    #: Namespaces whose mirror health could not be read, with why (their mirrors come from
    #: the listing, each with its own settings where Quay shows them).
    health_errors: dict[str, str] = field(default_factory=dict)
    #: Namespaces with mirrors whose status is not known: Quay shows the person neither their
    #: settings nor their namespace's mirror health.
    status_unknown: list[str] = field(default_factory=list)
    #: Whether the token's scopes are known (OAuth sign-in) or not (a pasted token).
    scopes_known: bool = True
    #: The organization mirrors of the person's organizations (``overview_orgs``).
    org_rows: list[OrgRow] = field(default_factory=list)
    #: Watched namespaces drawn from the fleet index, and what to say of one whose index
    #: is not current (``overview.watched``).
    watched: set[str] = field(default_factory=set)
    watch_notes: list[str] = field(default_factory=list)

    @property
    def health_notes(self) -> list[tuple[str, str]]:
        """The namespaces whose mirror health could not be read, grouped by why (one note
        each): ``(namespaces, why)``."""
        grouped: dict[str, list[str]] = {}
        for namespace, why in self.health_errors.items():
            grouped.setdefault(why, []).append(namespace)
        return [(", ".join(namespaces), why) for why, namespaces in grouped.items()]

    @property
    def incomplete(self) -> str:
        """Why the counts are not the whole truth ("" when every namespace was listed and
        every mirror's status is known)."""
        parts = []
        if self.namespace_errors:
            failed = len(self.namespace_errors)
            asked = len(self.queried) or failed
            parts.append(f"could not list {failed} of {asked} namespace{'s' if asked != 1 else ''}")
        if self.status_unknown:
            parts.append(f"{STATUS_UNKNOWN} ({', '.join(self.status_unknown)})")
        return "; ".join(parts)


def collect(
    client: QuayClient,
    now: datetime,
    *,
    namespaces: Sequence[str] | None = None,
    include_normal: bool = False,
    person: Person | None = None,
    where: Scope | None = None,
) -> Overview:
    """Read every repository of the person's namespaces (or of ``namespaces``) with its status
    and details (``where``: round 1 already done, its ``wanted`` the namespaces to read).

    Raises the :class:`QuayError` of ``GET /user/`` (the page cannot say anything without it);
    every later failure stays with its namespace or row. :class:`QuayUnauthorized` propagates.
    """
    if where is None:
        where = scope(client, namespaces, person=person, now=now)
    overview = Overview(
        username=where.username,
        namespaces=where.namespaces,
        scopes_known=person is not None and person.scopes is not None,
        queried=where.wanted,
    )

    listings = fan_out(client.list_repositories, where.wanted)
    repos: list[Repository] = []
    listed: list[str] = []
    by_namespace: dict[str, list[Repository]] = {}
    for outcome in listings:
        if outcome.ok:
            repos.extend(outcome.value or ())
            listed.append(outcome.item)
            by_namespace[outcome.item] = list(outcome.value or ())
        else:
            assert outcome.error is not None
            overview.namespace_errors[outcome.item] = outcome.error.message

    mirrored = [repo for repo in repos if repo.is_mirror]
    listed_scope = replace(where, wanted=listed)
    got_health, got_configs = parallel(
        lambda: read_health(client, listed_scope),
        lambda: fan_out(lambda repo: client.get_mirror(repo.namespace, repo.name), mirrored),
    )
    if got_health.error is not None or got_configs.error is not None:
        raise got_health.error or got_configs.error  # type: ignore[misc]
    health, health_read, health_errors = got_health.value  # type: ignore[misc]
    overview.health_errors = {
        ns: health_reason(error, person, ns) for ns, error in health_errors.items()
    }
    configs: dict[tuple[str, str], MirrorConfig | QuayError] = {
        (outcome.item.namespace, outcome.item.name): outcome.value if outcome.ok else outcome.error  # type: ignore[misc]
        for outcome in got_configs.value or ()
    }

    # Round 4, only for the few queued or overdue-failed mirrors: their logs, all at once, so
    # that Stuck here means what it means on the repository page.
    log_keys = [
        key
        for key, value in configs.items()
        if isinstance(value, MirrorConfig) and needs_log(value, now)
    ]
    logs: dict[tuple[str, str], list[LogEntry]] = {}
    if log_keys:
        for outcome in fan_out(lambda key: client.list_logs(*key), log_keys):
            if isinstance(outcome.error, QuayUnauthorized):
                raise outcome.error
            if outcome.ok and outcome.value is not None:
                logs[outcome.item] = outcome.value

    read_only: set[str] = set()
    unknown: set[str] = set()
    for repo in mirrored:
        result = configs[(repo.namespace, repo.name)]
        entry = health.get(repo.namespace, {}).get(repo.name)
        if isinstance(result, MirrorConfig):
            row = for_person(
                row_from_config(
                    repo.namespace,
                    repo.name,
                    result,
                    now,
                    last_sync=entry.last_sync if entry else None,
                    logs=logs.get((repo.namespace, repo.name)),
                ),
                person,
            )
        else:
            row = row_without_config(
                repo.namespace, repo.name, result, entry, now, person, health_read, health_errors
            )
            if row.read_only:
                read_only.add(repo.namespace)
            if row.status_unknown:
                unknown.add(repo.namespace)
        overview.rows.append(row)
    # Mirrors the health report names but the listing did not show (an organization member
    # without rights on its repositories): their status, read-only, with the reason.
    seen = {(repo.namespace, repo.name) for repo in repos}
    for namespace in listed:
        for name, entry in health.get(namespace, {}).items():
            if (namespace, name) not in seen:
                overview.rows.append(hidden_row(entry, now))
                read_only.add(namespace)
    if include_normal:
        overview.rows.extend(
            Row(repo.namespace, repo.name, mirrored=False)
            for repo in repos
            if not repo.is_mirror and not repo.is_org_mirror
        )
    orgs = candidates(where.username, by_namespace)
    overview.org_rows = overview_orgs.read_rows(client, orgs, now, by_namespace, person)
    overview.rows.sort(key=lambda row: row.sort_key)
    overview.read_only_namespaces = [ns for ns in where.wanted if ns in read_only]
    overview.status_unknown = [ns for ns in where.wanted if ns in unknown]
    return overview


def read_row(
    client: QuayClient,
    target: RepoTarget,
    now: datetime,
    state: PollState | None = None,
    person: Person | None = None,
) -> Row:
    """One row again, in one upstream call (the mirror config; or health for read-only rows).

    The log is read too when it can change the status (see :func:`needs_log`), except for a
    queued sync whose state already knows when it was queued (``state.queued``, or
    ``state.queue_checked``: looked before, not known). :class:`QuayUnauthorized`
    propagates; every other failure becomes the row's reason.
    """
    state = state or PollState()
    client = fresh(client)  # asked for by a person ("try again"): what Quay says now
    namespace, name = target.namespace, target.name
    try:
        if state.via_health:
            entry = health_by_repo(client.get_mirror_health(namespace)).get(name)
            if entry is None:
                return Row(
                    namespace,
                    name,
                    reason=NOT_IN_HEALTH,
                    forbidden=True,
                    not_in_health=True,
                    at=now,
                )
            return row_from_health(entry, now)
        config = target.read_config(client)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return stamped(unreadable_row(namespace, name, error, person), now)
    logs = None
    known = config.sync_status is SyncStatus.SYNC_NOW and (state.queued or state.queue_checked)
    if needs_log(config, now) and not known:
        try:
            logs = target.read_logs(client)
        except QuayUnauthorized:
            raise
        except QuayError:
            logs = None  # the status without the log's help
    row = row_from_config(namespace, name, config, now, logs=logs, queued_since=state.queued)
    return for_person(row, person)


def row_after_action(
    client: QuayClient,
    target: RepoTarget,
    result: ActionResult,
    now: datetime,
    person: Person | None = None,
) -> Row:
    """The row after a press, with what it did in words: from the config the press read
    (no further call), or read again when the press could not read it."""
    if result.mirror is not None:
        pressed = result.action == "sync_now" and result.outcome == "done"
        row = row_from_config(
            target.namespace, target.name, result.mirror, now, queued_since=now if pressed else None
        )
        row = for_person(row, person)
    else:
        row = read_row(client, target, now, person=person)
    return replace(stamped(row, now), message=result.message, refused=result.refused)


def row_after_press(
    client: QuayClient,
    person: Person,
    target: MirrorKind,
    result: ActionResult,
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    """An overview row of either kind after a press on it, with what the press did: the one
    answer of a row (``overview.html#row_answer``) and what it shows. Its refresh restarts
    when the row is active: a repository's, the tab's; an organization mirror's, its
    section's (``row.polls``)."""
    if isinstance(target, OrgTarget):
        org_row = overview_orgs.row_after_action(client, target, result, now, person)
        return ROW_ANSWER, {"row": org_row, "message": result.message, "org_polls": org_row.polls}
    assert isinstance(target, RepoTarget)
    row = row_after_action(client, target, result, now, person)
    return ROW_ANSWER, {"row": row, "refresh": TabRefresh.restart(now, [row])}


def bulk_selection(selected: Sequence[MirrorKind]) -> dict[str, Any]:
    """What a bulk press's confirmation page names (``overview_bulk.html``)."""
    return {
        "selected": [str(t) for t in selected if isinstance(t, RepoTarget)],
        "selected_orgs": [t.org for t in selected if isinstance(t, OrgTarget)],
    }


def bulk_answer(
    client: QuayClient,
    person: Person,
    every: Sequence[tuple[MirrorKind, ActionResult]],
    now: datetime,
    *,
    redraw: bool,
) -> dict[str, Any]:
    """A bulk press's results (``#bulk_results``), grouped by outcome; with ``redraw`` the
    rows again too (from what each press read: no call more; both kinds'), and the tab's
    refresh restarted when one of them is active."""
    context: dict[str, Any] = {
        "results": list(every),
        "grouped": grouped(every),
        "done": sum(result.ok for _, result in every),
    }
    if not redraw:
        return context
    repos = [(t, r) for t, r in every if isinstance(t, RepoTarget)]
    orgs = [(t, r) for t, r in every if isinstance(t, OrgTarget)]
    again = rows_after_actions(client, repos, now, person)
    after = [overview_orgs.row_after_action(client, t, r, now, person) for t, r in orgs]
    context["rows"] = [*again, *after]
    context["refresh"] = TabRefresh.restart(now, again)
    context["org_polls"] = any(row.polls for row in after)
    return context


def rows_after_actions(
    client: QuayClient,
    results: Sequence[tuple[RepoTarget, ActionResult]],
    now: datetime,
    person: Person | None = None,
) -> list[Row]:
    """The rows after a bulk press, each with its own result (calls only for the few whose
    press could not read the config), in parallel."""
    outcomes = fan_out(
        lambda pair: row_after_action(client, pair[0], pair[1], now, person), list(results)
    )
    # The bulk result names each outcome above the rows: a row repeats only the detail.
    return [
        replace(outcome.value, message=outcome.item[1].detail)
        for outcome in outcomes
        if outcome.value is not None
    ]


# -- the page -------------------------------------------------------------------------------

#: The most last results (one log read each) the page drawn whole reads: one batch's worth,
#: the rows at the top (broken first); the others say the result in a word, and their time
#: and reason are on their repository pages.
WHOLE_PAGE_RESULTS = overview_details.BATCH_LIMIT


def with_last_results(client: QuayClient, rows: Sequence[Row]) -> tuple[list[Row], int]:
    """``rows`` with the last result read from the log of each finished one that does not
    say it yet (in parallel, the first :data:`WHOLE_PAGE_RESULTS`), and how many rows were
    left to their word."""
    wanted = [row for row in rows if row.needs_results]
    asked = wanted[:WHOLE_PAGE_RESULTS]
    if not asked:
        return list(rows), 0
    answers = overview_details.results(client, [row.target for row in asked])
    events = {answer.target: answer.event for answer in answers if answer.event is not None}
    done = [
        replace(row, last_event=events[row.target]) if row.target in events else row for row in rows
    ]
    return done, len(wanted) - len(asked)


def summary(rows: Sequence[Row], filters: Filters) -> dict[str, Any]:
    """The counts at the top and the rows drawn, for ``rows`` placed by ``filters``."""
    placed = [filters.place(row) for row in rows]
    counted = counts(placed)
    return {
        "rows": [row for row in placed if not row.hidden],
        "counts": count_links(counted, filters),
        "fresh_counts": fresh_counts(placed, filters),
        "total": total(placed),
        "total_known": total_known(placed),
        "all_params": filters.params(status=""),
        "filters_params": filters.params(),
        "full_params": filters.params(details="all"),
        "stuck_unknown": sum(row.stuck_unknown for row in placed),
        "placed": placed,
    }


def page(client: QuayClient, person: Any, filters: Filters, now: datetime) -> dict[str, Any]:
    """The whole page with every row's details (``details=all``): the rows, the counts.

    Raises the :class:`QuayError` of :func:`collect` (the page cannot be drawn without it).
    """
    data = collect(
        client,
        now,
        namespaces=[filters.namespace] if filters.namespace else None,
        include_normal=filters.show_normal,
        person=person,
    )
    rows = data.rows
    if filters.status == LATE:
        # Whether a row is late needs its last success: read before the status filter.
        searched = replace(filters, status="")
        rows, _ = with_last_results(client, [r for r in rows if not searched.place(r).hidden])
    context = summary(rows, filters)
    drawn, left = with_last_results(client, context["rows"])
    context.update(rows=drawn, results_left=left, results_limit=WHOLE_PAGE_RESULTS)
    read = {row.full_name: row for row in drawn}
    placed = [read.get(row.full_name, row) for row in context.pop("placed")]
    context["fresh_counts"] = fresh_counts(placed, filters)  # with the last results read
    orgs = overview_orgs.section(data.org_rows, filters)
    return {
        **context,
        **orgs,
        "overview": data,
        "selectable": any(row.actionable for row in drawn)
        or any(row.config is not None for row in orgs["org_rows"]),
        "lazy": False,
        "person": person,
        "read_only_superuser": person.read_only_superuser,
        "refresh": TabRefresh.start(now, drawn),
    }
