"""The overview's rows: one repository each, drawn from its mirror config, from the
namespace's mirror health, or (before its details arrive) from what little is known.

A row drawn from mirror health before its config is read is *pending*: its status is the one
health reports, its details (source, next run, whether a running sync is stuck) come later
(``overview_details``). Every row carries its :class:`~.row_state.RowState` in the page.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.overview.row_base import (
    NOT_MIRRORED,
    PENDING,
    RESTRICTED,
    STATUS_CHOICES,
    UNCONFIGURED,
    UNREADABLE,
    MirrorRow,
)
from dashboard.mirrors.overview.row_state import RowState
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.freshness import Freshness
from dashboard.mirrors.rules.poll import PollState
from dashboard.mirrors.rules.runs import EventSummary, result_word, summarize_event
from dashboard.mirrors.rules.runs import last_result as log_last_result
from dashboard.mirrors.rules.runs import queued_since as log_queued_since
from dashboard.mirrors.rules.status import (
    OVERDUE,
    MirrorStatus,
    describe,
    describe_health,
)
from dashboard.quay import errors
from dashboard.quay.client import QuayClient
from dashboard.quay.fanout import quietly
from dashboard.quay.models import HealthEntry, LogEntry, MirrorConfig, SyncStatus

HIDDEN_REASON = "you have no rights on this repository; its status comes from mirror health"
#: Why counts are incomplete when rows are RESTRICTED without health: their status is not
#: known (counted as "settings hidden", they may be failing, running, or anything else).
STATUS_UNKNOWN = (
    "the status of mirrors whose settings and mirror health Quay does not show you is not known"
)
#: A row Quay's mirror health does not name, for someone who may not read its settings.
NOT_IN_HEALTH = "Quay does not show them to you"

_ORDER = {key: index for index, (key, _) in enumerate((*STATUS_CHOICES, (PENDING, "")))}

#: Health statuses a stuck rule can apply to (see ``status.describe``): every one but a
#: cancelled sync (nothing runs until Sync now).
_MAY_BE_STUCK = {SyncStatus.SYNCING, SyncStatus.SYNC_NOW, SyncStatus.SUCCESS, SyncStatus.NEVER_RUN}


def dom_id(prefix: str, text: str) -> str:
    """A stable HTML id for ``text`` (any character but letters, digits, ``-`` escaped)."""
    return f"{prefix}-" + re.sub(r"[^a-zA-Z0-9-]", lambda m: f"_{ord(m.group()):x}", text)


def reason_for(error: errors.QuayError, person: Person | None = None, namespace: str = "") -> str:
    """Why one repository's mirror settings could not be read, in words for its row.

    Quay answers the same 403 for a missing scope and for missing rights: ``person`` says
    which when it is known (:meth:`Person.refused_for_scope`), else both are named.
    """
    if isinstance(error, errors.QuayForbidden):
        scope = error.scope or "repo:admin"
        why = person.refused_for_scope(namespace, scope) if person is not None else None
        if why is True:
            return f"your sign-in lacks the {scope} scope"
        rights = (
            "no admin rights on this repository"
            if scope == "repo:admin"
            else "no rights on this repository"
        )
        return rights if why is False else f"{rights} (or your token lacks {scope})"
    if isinstance(error, errors.QuayTimeout):
        return "mirror settings could not be read: Quay timed out"
    if isinstance(error, errors.QuayUnreachable):
        return "mirror settings could not be read: Quay could not be reached"
    if isinstance(error, errors.QuayServerError):
        return f"mirror settings could not be read: Quay failed (HTTP {error.status})"
    if isinstance(error, errors.QuayNotFound):
        return "the repository no longer exists"
    return f"mirror settings could not be read: {error.message}"


def health_reason(error: errors.QuayError, person: Person | None, namespace: str) -> str:
    """Why a namespace's mirror health could not be read, in words for its note.

    Quay shows an organization's mirror health to its members, but a token keeps the
    membership only with ``org:admin`` or ``repo:create`` (a token with ``repo:read`` and
    ``user:read`` alone is refused): for a namespace the person belongs to, a refusal is the
    token's.
    """
    if isinstance(error, errors.QuayForbidden):
        if (
            person is not None
            and namespace in (person.memberships or ())
            and not (person.holds("org:admin") or person.holds("repo:create"))
        ):
            return (
                "your sign-in lacks both the org:admin and the repo:create scope, and Quay shows "
                "an organization's mirror health only to a token with one of them"
            )
        return (
            "Quay shows it to the namespace's members only, and to a token only with the "
            "org:admin or repo:create scope"
        )
    return error.message


def lacks_scope(error: errors.QuayForbidden, person: Person | None, namespace: str) -> bool:
    """The refusal is known to come from the token's scopes (see ``Person``)."""
    if person is None:
        return False
    return person.refused_for_scope(namespace, error.scope or "repo:admin") is True


@dataclass(frozen=True)
class Row(MirrorRow):
    """One repository of the overview."""

    namespace: str
    name: str
    mirrored: bool = True
    config: MirrorConfig | None = None
    status: MirrorStatus | None = None
    #: Set when the status comes from the namespace's mirror health.
    health: HealthEntry | None = None
    last_sync: datetime | None = None
    reason: str = ""
    #: The reason is a refusal (403: rights or scope), not a failure of Quay.
    forbidden: bool = False
    #: A message for this row only (the outcome of an action just taken).
    message: str = ""
    #: When Sync now was pressed (from the log), for a queued sync: carried in its state.
    queued_since: datetime | None = None
    #: The config is not read yet: the status (if any) is health's, the details come later.
    pending: bool = False
    #: What the row was drawn from (see ``row_state``).
    origin: str = "config"
    #: Why the details could not be read; the row keeps the status it had.
    detail_error: str = ""
    #: A detail call was still running when its batch answered: it is asked again.
    waiting: bool = False
    #: For a running sync whose config is not read: its lease cannot run out before then.
    lease_hint: datetime | None = None
    #: When the status shown was first seen (a change seen by a refresh).
    since: datetime | None = None
    #: When the status was read from Quay.
    at: datetime | None = None
    #: Hidden until its details say whether it matches the filters (a search by source, a
    #: status that health cannot tell).
    held: bool = False
    #: Drawn but hidden: it does not match the status filter (kept for the counts).
    hidden: bool = False
    #: Counted at the top (it matches the search, as far as is known).
    counted: bool = True
    #: Quay may let the person change this mirror (``Person.may_change``): False for a
    #: read-only superuser outside their own namespaces, a token without repo:admin.
    may_change: bool = True
    #: Read from the listing (MIRROR state), but not in the namespace's health report.
    not_in_health: bool = False
    #: Read from the listing (MIRROR state), settings refused, and the namespace's health
    #: could not be read: its status is not known (see ``status_unknown``).
    health_unread: bool = False
    #: ...because the health report's entry for it could not be read (the rest could).
    health_spoiled: bool = False
    #: The message is Quay refusing a press (shown as a refusal).
    refused: bool = False
    #: The last finished sync as its log tells it (when, and for a failure why): read with
    #: the row (a log it needed anyway, or the page drawn whole), else asked by the page.
    last_event: EventSummary | None = None
    #: Drawn by the listing for the first paint, which counted it under this status key (""
    #: when it did not count it): the page moves it from there to its own (``counted_key``).
    counted_as: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def dom_id(self) -> str:
        """A stable HTML id for the row."""
        return dom_id("row", self.full_name)

    @property
    def at_ms(self) -> int:
        """When the row was read, in ms (the page keeps the newer of two answers)."""
        return int(self.at.timestamp() * 1000) if self.at else 0

    @property
    def key(self) -> str:
        """The status key: what the row is counted and filtered as."""
        if not self.mirrored:
            return NOT_MIRRORED
        if self.status is not None:
            return self.status.key
        if self.pending:
            return PENDING
        if self.reason:
            return RESTRICTED if self.forbidden else UNREADABLE
        return UNCONFIGURED

    @property
    def counted_key(self) -> str:
        """The key the counts at the top count this row under ("" when it is not counted), as
        the page's script reads it (``data-uncounted``): a pending row is counted in the total
        only ("pending": a repository mirror, its status not known yet)."""
        return self.key if self.counted else ""

    @property
    def read_only(self) -> bool:
        """The status is known only from mirror health: no settings, no actions."""
        return (
            self.config is None
            and self.health is not None
            and not self.pending
            and not self.detail_error
        )

    @property
    def status_unknown(self) -> bool:
        """Neither its settings nor its namespace's mirror health could be read: it is in
        mirror state, and that is all that is known (counted as "settings hidden")."""
        return self.health_unread and self.config is None and self.health is None

    @property
    def is_active(self) -> bool:
        """A sync is queued or running."""
        return self.status is not None and self.status.is_active

    @property
    def has_history(self) -> bool:
        """Worth reading the last result from the log: a readable mirror that has run, and
        is not mid-sync (a refreshed row must cost no call of its own)."""
        return _has_history(self.config, self.status)

    @property
    def needs_results(self) -> bool:
        """The last result's time and reason are still to be read from the log."""
        return self.has_history and not self.last_sync and self.last_event is None

    @property
    def need(self) -> str:
        """What the page still has to ask for this row: ``details``, ``results`` or ""."""
        if self.pending:
            return "details"
        return "results" if self.needs_results else ""

    @property
    def priority(self) -> bool:
        """Its details are wanted even out of view: a failed or running sync (is it stuck?),
        a row whose status is not known, or one the filters wait for."""
        if not self.pending:
            return False
        return self.held or self.status is None or self.key in ("fail", "active")

    @property
    def stuck_unknown(self) -> bool:
        """Known from mirror health alone for good (its settings are not shown to the
        person) and running or queued: whether it is stuck cannot be told (the stuck count
        is then not known either)."""
        if self.pending or self.origin != "health" or self.health is None:
            return False
        return self.health.sync_status in (SyncStatus.SYNCING, SyncStatus.SYNC_NOW)

    @property
    def checks_stuck(self) -> bool:
        """Asked first because it may turn out stuck (a running or failed sync whose lease or
        retry health cannot tell): the stuck count waits for these (``stuck_checking``)."""
        return self.priority and self.may_be_stuck

    @property
    def target(self) -> RepoTarget:
        return RepoTarget(self.namespace, self.name)

    @property
    def lease(self) -> datetime | None:
        config = self.config
        if config is not None and config.sync_status is SyncStatus.SYNCING:
            return config.sync_expiration_date
        return self.lease_hint

    @property
    def sync_status(self) -> SyncStatus | None:
        if self.config is not None:
            return self.config.sync_status
        return self.health.sync_status if self.health is not None else None

    @property
    def state(self) -> RowState:
        """What the row carries in the page (its ``row`` field)."""
        queued = self.sync_status is SyncStatus.SYNC_NOW and self.config is not None
        poll = PollState(
            was=self.status.label if self.status else None,
            at=self.at,
            queued=self.queued_since if queued else None,
            queue_checked=queued,  # what the log said (or not): no need to look again
            via_health=self.read_only,
            lease=self.lease,
            since=self.since,
        )
        health = self.health
        return RowState(
            self.namespace,
            self.name,
            poll,
            origin=self.origin,
            sync_status=self.sync_status,
            retries=health.retries_remaining if health is not None else None,
            last_sync=self.last_sync,
        )

    @property
    def token(self) -> str:
        return self.state.encode()

    @property
    def external_reference(self) -> str:
        return self.config.external_reference if self.config else ""

    @property
    def next_run(self) -> datetime | None:
        config = self.config
        if config is None or not config.is_enabled or config.sync_status.is_active:
            return None
        if config.sync_retries_remaining <= 0:
            return None
        return config.sync_start_date

    @property
    def enabled(self) -> bool | None:
        if self.config is not None:
            return self.config.is_enabled
        if self.health is not None:
            return self.health.is_enabled
        return None

    @property
    def last_result(self) -> str:
        """What the last finished run did, in a word ("" when none is known)."""
        return result_word(self.sync_status)

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (self.rank, self.namespace, self.name)

    @property
    def rank(self) -> int:
        """Where the row's status sorts in the overview (broken first)."""
        return _ORDER[self.key]

    @property
    def freshness(self) -> Freshness | None:
        """Its last success's age against its interval, or whether it will run again at all
        (``rules.freshness``), from what the row has: its config, and its last success from
        the log, the index or mirror health. ``None`` when not known (no config)."""
        config = self.config
        if config is None or self.at is None or not self.mirrored:
            return None
        event = self.last_event
        succeeded = event.when if event is not None and event.key == "success" else None
        if succeeded is None and config.sync_status is SyncStatus.SUCCESS:
            succeeded = self.last_sync
        not_since = event.when if event is not None and event.key != "success" else None
        retries = config.sync_retries_remaining
        return self.judged(self.at, retries=retries, succeeded_at=succeeded, not_since=not_since)

    @property
    def fresh_key(self) -> str:
        """As :attr:`MirrorRow.fresh_key`, or "" (no schedule to judge: not mirrored, not
        configured)."""
        if not self.mirrored or self.key == UNCONFIGURED:
            return ""
        return super().fresh_key

    @property
    def may_be_stuck(self) -> bool:
        """A pending row that its details may still show stuck (health cannot tell)."""
        if not self.pending:
            return self.key == "stuck"
        status = self.sync_status
        if status is None:
            return True
        if status is SyncStatus.FAIL:
            retries = self.health.retries_remaining if self.health is not None else None
            return retries is None or retries > 0
        return status in _MAY_BE_STUCK


def _has_history(config: MirrorConfig | None, status: MirrorStatus | None) -> bool:
    """See :attr:`Row.has_history`."""
    polls = status is not None and status.changes_by_itself
    return (
        config is not None
        and not polls
        and config.sync_status.value in ("SUCCESS", "FAIL", "CANCEL")
    )


def for_person(row: Row, person: Person | None) -> Row:
    """``row`` with whether ``person`` may change it (decided here, once, for every step of
    the page: details, refresh, a row asked again, a press's answer, the whole page)."""
    if person is None or person.may_change(row.namespace):
        return row
    return replace(row, may_change=False)


def stamped(row: Row, now: datetime) -> Row:
    """``row`` with when it was read (``now`` unless it says): the page keeps the newer of
    two answers for a row."""
    return row if row.at is not None else replace(row, at=now)


def needs_log(config: MirrorConfig, now: datetime) -> bool:
    """Whether the usage log can change what :func:`describe` says (stuck or not): a queued
    sync (how long has it waited?) and a failed one whose retry is overdue (when did the last
    try end?). Few rows; every other status is decided by the config alone."""
    if config.sync_status is SyncStatus.SYNC_NOW:
        return True
    start = config.sync_start_date
    return (
        config.sync_status is SyncStatus.FAIL
        and config.is_enabled
        and config.sync_retries_remaining > 0
        and start is not None
        and now - start > OVERDUE
    )


def row_from_config(
    namespace: str,
    name: str,
    config: MirrorConfig,
    now: datetime,
    *,
    last_sync: datetime | None = None,
    logs: Sequence[LogEntry] | None = None,
    queued_since: datetime | None = None,
    last_event: EventSummary | None = None,
    at: datetime | None = None,
    may_change: bool = True,
) -> Row:
    """A row from a mirror config; with the log (see :func:`needs_log`) the status is the same
    one the repository page gives, stuck included. ``last_event``: the last finished sync
    where it is known without the log (the fleet index's), shown once the mirror has run;
    ``at``: when the config was read (``now``)."""
    if queued_since is None and logs:
        queued_since = log_queued_since(logs)
    ended = log_last_result(logs) if logs else None
    status = describe(
        config,
        now,
        queued_since=queued_since,
        last_event_at=ended.datetime if ended else None,
        last_sync=last_sync,
    )
    history = _has_history(config, status)
    if ended is not None and history:  # the log read anyway tells the last result
        last_event = summarize_event(ended, logs or ())
    return Row(
        namespace,
        name,
        config=config,
        status=status,
        last_sync=last_sync,
        queued_since=queued_since if config.sync_status is SyncStatus.SYNC_NOW else None,
        at=at or now,
        last_event=last_event if history else None,
        may_change=may_change,
    )


def row_from_health(
    entry: HealthEntry,
    now: datetime,
    *,
    pending: bool = False,
    since: datetime | None = None,
    lease_hint: datetime | None = None,
) -> Row:
    """A row from the namespace's mirror health (status, enabled, retries, last sync):
    read-only, or ``pending`` its details for someone who may read them.

    Health carries no schedule and no lease: :func:`describe_health` says only what is known.
    An entry Quay's answer spoiled says nothing of the status: the row waits for its details
    (``spoiled``), or says why it has no status.
    """
    if entry.unreadable:
        if pending:
            return Row(entry.namespace, entry.repository, pending=True, origin="spoiled", at=now)
        return Row(entry.namespace, entry.repository, reason=entry.unreadable, at=now)
    return Row(
        entry.namespace,
        entry.repository,
        status=describe_health(entry, now),
        health=entry,
        last_sync=entry.last_sync,
        pending=pending,
        origin="health",
        at=now,
        since=since,
        lease_hint=lease_hint,
    )


def unreadable_row(
    namespace: str, name: str, error: errors.QuayError, person: Person | None = None
) -> Row:
    if isinstance(error, errors.QuayNotFound):
        return Row(namespace, name)  # MIRROR without a config: "not configured yet"
    return Row(
        namespace,
        name,
        reason=reason_for(error, person, namespace),
        forbidden=isinstance(error, errors.QuayForbidden),
    )


def hidden_row(entry: HealthEntry, now: datetime) -> Row:
    """A mirror that health names but the listing does not show: read-only, with why."""
    return replace(row_from_health(entry, now), reason=HIDDEN_REASON)


def row_without_config(
    namespace: str,
    name: str,
    error: errors.QuayError,
    entry: HealthEntry | None,
    now: datetime,
    person: Person | None,
    health_read: Collection[str],
    health_unread: Collection[str] = (),
) -> Row:
    """The row of a mirror whose config could not be read (``error``): read-only from its
    health entry when Quay refused it; health's status and what failed when Quay failed or
    was slow; or why it is not in health; or, when its namespace's health (``health_unread``)
    could not be read either, that its status is not known; or the failure itself."""
    if entry is not None and not isinstance(error, errors.QuayNotFound):
        row = row_from_health(entry, now)
        if isinstance(error, errors.QuayForbidden):
            return row
        return replace(row, detail_error=reason_for(error, person, namespace))
    row = unreadable_row(namespace, name, error, person)
    if not row.forbidden:
        return row
    # Health names enabled mirrors only: one it does not name is disabled or not set up.
    return replace(
        row,
        not_in_health=namespace in health_read,
        health_unread=namespace in health_unread and namespace not in health_read,
    )


# -- a row read again ---------------------------------------------------------------------


def detailed_row(client: QuayClient, state: RowState, now: datetime, person: Person | None) -> Row:
    """The row of ``state`` with its details: its config (and log where it tells more).

    Never raises a :class:`QuayError` but :class:`QuayUnauthorized`: a failure is the row's.
    """
    target = RepoTarget(state.namespace, state.name)
    try:
        config = target.read_config(client)
    except errors.QuayUnauthorized:
        raise
    except errors.QuayBusy:
        return still_waiting(state, now)  # never sent: the page asks again in a moment
    except errors.QuayError as error:
        return _without_details(state, error, now, person)
    poll = state.poll
    queue_known = config.sync_status is SyncStatus.SYNC_NOW and (poll.queued or poll.queue_checked)
    logs = quietly(target.read_logs, client) if needs_log(config, now) and not queue_known else None
    row = row_from_config(
        target.namespace,
        target.name,
        config,
        now,
        last_sync=state.last_sync,
        logs=logs,
        queued_since=poll.queued,
    )
    return for_person(row, person)


def _without_details(
    state: RowState, error: errors.QuayError, now: datetime, person: Person | None
) -> Row:
    namespace = state.namespace
    # A row from the listing: its namespace's health was read ("listing"), or not ("unknown");
    # or from health, whose entry for it could not be read ("spoiled").
    health_read = {namespace} if state.origin == "listing" else set()
    unread = {namespace} if state.origin in ("unknown", "spoiled") else set()
    row = row_without_config(
        namespace, state.name, error, state.health_entry(), now, person, health_read, unread
    )
    return replace(row, health_spoiled=state.origin == "spoiled")


def still_waiting(state: RowState, now: datetime) -> Row:
    """The row as it was (pending), saying that Quay has not answered yet."""
    entry = state.health_entry()
    if entry is not None:
        row = row_from_health(entry, now, pending=True, since=state.poll.since)
        return replace(row, lease_hint=state.poll.lease, waiting=True)
    return Row(state.namespace, state.name, pending=True, origin=state.origin, waiting=True, at=now)
