"""The overview's rows: every repository a person can see, with its mirror status.

Collecting them costs three or four rounds of upstream calls, each fanned out in parallel
(bounded by ``QUAY_MAX_PARALLEL``):

1. ``GET /user/`` — the person's namespaces — together with the global mirror health, which
   Quay shows only to (read-only) superusers: it tells them apart and names every namespace;
2. ``GET /repository?namespace=X`` for every namespace at once;
3. ``GET .../mirror`` for every MIRROR repository, together with one mirror-health call per
   namespace (last sync times for everyone; the whole status for people who may not read
   configs);
4. only for queued or overdue-failed mirrors (few): their logs, so Stuck is decided as on
   the repository page.

A repository whose config cannot be read keeps its own reason; one failure never sinks the
page. Only a failure of round 1 (or every listing failing) is a page-wide error.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import (
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
    QuayUnreachable,
)
from dashboard.quay.fanout import fan_out, parallel
from dashboard.quay.models import (
    HealthEntry,
    LogEntry,
    MirrorConfig,
    MirrorHealth,
    Repository,
    SyncStatus,
)

from ..status import (
    CANCELLED,
    DISABLED,
    FAILED,
    NEVER_SYNCED,
    OVERDUE,
    RANK,
    STUCK,
    SYNCED,
    SYNCING,
    MirrorStatus,
    describe,
    describe_health,
    result_word,
)
from ..status import last_result as log_last_result
from ..status import queued_since as log_queued_since
from .status_panel import PollState
from .sync_actions import ActionResult
from .target import RepoTarget

#: Filter values besides the status keys of :mod:`.status`.
UNREADABLE = "unreadable"  # the config could not be read
UNCONFIGURED = "unconfigured"  # MIRROR state, but no mirror config yet
NOT_MIRRORED = "normal"  # NORMAL / READ_ONLY repositories (shown with the toggle)

HIDDEN_REASON = "you have no rights on this repository; its status comes from mirror health"
#: A row Quay's mirror health does not name, for someone who may not read its settings.
NOT_IN_HEALTH = (
    "Not in Quay's health report (disabled or not configured); you can't read its settings"
)

#: Every status a row can have, in the overview's order, with the word for its count.
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("fail", FAILED),
    ("stuck", STUCK),
    (UNREADABLE, "Unreadable"),
    ("active", SYNCING),
    ("cancel", CANCELLED),
    ("never", NEVER_SYNCED),
    (UNCONFIGURED, "Not configured"),
    ("success", SYNCED),
    ("disabled", DISABLED),
    (NOT_MIRRORED, "Not mirrored"),
)
STATUS_KEYS = frozenset(key for key, _ in STATUS_CHOICES)
_ORDER = {key: index for index, (key, _) in enumerate(STATUS_CHOICES)}
assert set(RANK) <= STATUS_KEYS  # every key status.describe() gives has a place here


def reason_for(error: QuayError, scopes: Collection[str] | None = None) -> str:
    """Why one repository's mirror settings could not be read, in words for its row.

    ``scopes``: the scopes the person's token is known to carry (``None`` for a pasted token:
    Quay answers the same 403 for a missing scope and for missing rights, so say both).
    """
    if isinstance(error, QuayForbidden):
        scope = error.scope or "repo:admin"
        if scopes is not None and scope not in scopes:
            return f"your sign-in lacks the {scope} scope"
        rights = (
            "no admin rights on this repository"
            if scope == "repo:admin"
            else "no rights on this repository"
        )
        return rights if scopes is not None else f"{rights} (or your token lacks {scope})"
    if isinstance(error, QuayTimeout):
        return "mirror settings could not be read: Quay timed out"
    if isinstance(error, QuayUnreachable):
        return "mirror settings could not be read: Quay could not be reached"
    if isinstance(error, QuayServerError):
        return f"mirror settings could not be read: Quay failed (HTTP {error.status})"
    if isinstance(error, QuayNotFound):
        return "the repository no longer exists"
    return f"mirror settings could not be read: {error.message}"


def _lacks_scope(error: QuayForbidden, scopes: Collection[str] | None) -> bool:
    """The refusal is known to come from the token's scopes (a sign-in that did not ask)."""
    return scopes is not None and (error.scope or "repo:admin") not in scopes


@dataclass(frozen=True)
class Row:
    """One repository of the overview."""

    namespace: str
    name: str
    mirrored: bool = True
    config: MirrorConfig | None = None
    status: MirrorStatus | None = None
    #: Set when the status comes from the namespace's mirror health (no right to read configs).
    health: HealthEntry | None = None
    last_sync: datetime | None = None
    reason: str = ""
    #: The reason is a refusal (403: rights or scope), not a failure of Quay.
    forbidden: bool = False
    #: A message for this row only (the outcome of an action just taken).
    message: str = ""
    #: When Sync now was pressed (from the log), for a queued sync: carried in the poll URL.
    queued_since: datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def dom_id(self) -> str:
        """A stable HTML id for the row (any character but letters, digits, ``-`` escaped)."""
        return "row-" + re.sub(
            r"[^a-zA-Z0-9-]", lambda m: f"_{ord(m.group()):x}", f"{self.namespace}/{self.name}"
        )

    @property
    def key(self) -> str:
        """The status key: what the row is counted and filtered as."""
        if not self.mirrored:
            return NOT_MIRRORED
        if self.status is not None:
            return self.status.key
        if self.reason:
            return UNREADABLE
        return UNCONFIGURED

    @property
    def read_only(self) -> bool:
        """The status is known only from mirror health: no settings, no actions."""
        return self.config is None and self.health is not None

    @property
    def is_active(self) -> bool:
        """A sync is queued or running."""
        return self.status is not None and self.status.is_active

    @property
    def polls(self) -> bool:
        """The row refreshes itself: its status changes by itself (queued or running, but
        not a sync whose worker died: only a person's Cancel moves that one on)."""
        return self.status is not None and self.status.changes_by_itself

    @property
    def has_history(self) -> bool:
        """Worth reading the last result from the log: a readable mirror that has run, and
        is not mid-sync (a polling row must cost one call per poll)."""
        return (
            self.config is not None
            and not self.polls
            and self.config.sync_status.value in ("SUCCESS", "FAIL", "CANCEL")
        )

    @property
    def target(self) -> RepoTarget:
        return RepoTarget(self.namespace, self.name)

    @property
    def poll_url(self) -> str:
        """The row's own poll URL (the live-status format of ``status_panel.PollState``)."""
        queued = self.config is not None and self.config.sync_status is SyncStatus.SYNC_NOW
        state = PollState(
            was=self.status.label if self.status else None,
            queued=self.queued_since if queued else None,
            queue_checked=queued,  # what the log said (or not): the polls need not look again
            via_health=self.read_only,
        )
        return state.url(self.target, "row")

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
        status = self.config.sync_status if self.config else None
        if status is None and self.health is not None:
            status = self.health.sync_status
        return result_word(status)

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (_ORDER[self.key], self.namespace, self.name)

    def matches(self, query: str) -> bool:
        """Search by name (``ns/name``) or by external reference, case-insensitively."""
        query = query.strip().lower()
        if not query:
            return True
        return query in self.full_name.lower() or query in self.external_reference.lower()


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
) -> Row:
    """A row from a mirror config; with the log (see :func:`needs_log`) the status is the same
    one the repository page gives, stuck included."""
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
    return Row(
        namespace,
        name,
        config=config,
        status=status,
        last_sync=last_sync,
        queued_since=queued_since if config.sync_status is SyncStatus.SYNC_NOW else None,
    )


def row_from_health(entry: HealthEntry, now: datetime) -> Row:
    """A read-only row from the namespace's mirror health (status, enabled, retries, last sync).

    Health carries no schedule and no lease: :func:`describe_health` says only what is known.
    """
    return Row(
        entry.namespace,
        entry.repository,
        status=describe_health(entry, now),
        health=entry,
        last_sync=entry.last_sync,
        reason="",
    )


def unreadable_row(
    namespace: str, name: str, error: QuayError, scopes: Collection[str] | None = None
) -> Row:
    if isinstance(error, QuayNotFound):
        return Row(namespace, name)  # MIRROR without a config: "not configured yet"
    return Row(
        namespace,
        name,
        reason=reason_for(error, scopes),
        forbidden=isinstance(error, QuayForbidden),
    )


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
    upstream_calls: int = 0
    #: Whether the token's scopes are known (OAuth sign-in) or not (a pasted token).
    scopes_known: bool = True

    @property
    def incomplete(self) -> str:
        """Why the counts are not the whole truth ("" when every namespace was listed)."""
        if not self.namespace_errors:
            return ""
        failed, asked = len(self.namespace_errors), len(self.queried) or len(self.namespace_errors)
        return f"could not list {failed} of {asked} namespace{'s' if asked != 1 else ''}"

    def counts(self) -> dict[str, int]:
        return dict(Counter(row.key for row in self.rows))

    def filtered(self, *, status: str = "", query: str = "") -> list[Row]:
        return [
            row for row in self.rows if (not status or row.key == status) and row.matches(query)
        ]


def _health_by_repo(health: MirrorHealth | None) -> dict[str, HealthEntry]:
    return {entry.repository: entry for entry in health.details} if health else {}


def global_health(client: QuayClient) -> MirrorHealth | None:
    """The global mirror health, or ``None`` when Quay refuses it.

    Quay shows the health of every namespace (``namespace`` left out) only to superusers and
    global read-only superusers, and ``GET /user/`` does not tell who they are (``super_user``
    needs the super:user scope): the answer to this one call is the test. A refusal of any
    kind (403; also a 401, since ``GET /user/`` has just accepted the token) or a failure means
    "not a superuser": the person's own namespaces are read as usual.
    """
    try:
        return client.get_mirror_health(None)
    except QuayError:
        return None


def collect(
    client: QuayClient,
    now: datetime,
    *,
    namespaces: Sequence[str] | None = None,
    include_normal: bool = False,
    scopes: Collection[str] | None = None,
) -> Overview:
    """Read every repository of the person's namespaces (or of ``namespaces``) with its status.

    Raises the :class:`QuayError` of ``GET /user/`` (the page cannot say anything without it);
    every later failure stays with its namespace or row. :class:`QuayUnauthorized` propagates.
    """
    got_user, got_health = parallel(client.get_user, lambda: global_health(client))
    calls = 2
    if got_user.error is not None:
        raise got_user.error
    user = got_user.value
    assert user is not None
    mine = user.namespaces
    everything = got_health.value
    if everything is not None:  # a (read-only) superuser: every namespace with a mirror
        extra = sorted({entry.namespace for entry in everything.details})
        mine = mine + [ns for ns in extra if ns not in mine]
    wanted = [ns for ns in mine if ns in namespaces] if namespaces else mine
    overview = Overview(
        username=user.username, namespaces=mine, scopes_known=scopes is not None, queried=wanted
    )

    listings = fan_out(client.list_repositories, wanted)
    calls += len(wanted)
    repos: list[Repository] = []
    listed: list[str] = []
    for outcome in listings:
        if outcome.ok:
            repos.extend(outcome.value or ())
            listed.append(outcome.item)
        else:
            assert outcome.error is not None
            overview.namespace_errors[outcome.item] = outcome.error.message

    mirrored = [repo for repo in repos if repo.is_mirror]
    health: dict[str, dict[str, HealthEntry]] = {}
    #: Namespaces whose health report was read (a mirror missing there is not enabled).
    health_read: set[str] = set()
    if everything is not None:
        health_read.update(listed)
        for entry in everything.details:
            health.setdefault(entry.namespace, {})[entry.repository] = entry
        tasks: list[tuple[str, str]] = []
    else:
        tasks = [("health", ns) for ns in listed]
    tasks += [(repo.namespace, repo.name) for repo in mirrored]

    def fetch(task: tuple[str, str]) -> MirrorConfig | MirrorHealth:
        if task[0] == "health":
            return client.get_mirror_health(task[1])
        return client.get_mirror(*task)

    outcomes = fan_out(fetch, tasks)
    calls += len(tasks)
    configs: dict[tuple[str, str], MirrorConfig | QuayError] = {}
    for outcome in outcomes:
        kind, value = outcome.item
        if kind == "health":
            health[value] = _health_by_repo(outcome.value if outcome.ok else None)  # type: ignore[arg-type]
            if outcome.ok:
                health_read.add(value)
        else:
            configs[outcome.item] = outcome.value if outcome.ok else outcome.error  # type: ignore[assignment]

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
        calls += len(log_keys)

    read_only: set[str] = set()
    for repo in mirrored:
        result = configs[(repo.namespace, repo.name)]
        entry = health.get(repo.namespace, {}).get(repo.name)
        if isinstance(result, MirrorConfig):
            row = row_from_config(
                repo.namespace,
                repo.name,
                result,
                now,
                last_sync=entry.last_sync if entry else None,
                logs=logs.get((repo.namespace, repo.name)),
            )
        elif isinstance(result, QuayForbidden) and entry is not None:
            row = row_from_health(entry, now)
            read_only.add(repo.namespace)
        elif (
            isinstance(result, QuayForbidden)
            and repo.namespace in health_read
            and not _lacks_scope(result, scopes)
        ):
            # Health names enabled mirrors only: this one is disabled or not set up.
            row = Row(repo.namespace, repo.name, reason=NOT_IN_HEALTH, forbidden=True)
        else:
            row = unreadable_row(repo.namespace, repo.name, result, scopes)
        overview.rows.append(row)
    # Mirrors the health report names but the listing did not show (an organization member
    # without rights on its repositories): their status, read-only, with the reason.
    seen = {(repo.namespace, repo.name) for repo in repos}
    for namespace in listed:
        for name, entry in health.get(namespace, {}).items():
            if (namespace, name) not in seen:
                hidden = row_from_health(entry, now)
                overview.rows.append(replace(hidden, reason=HIDDEN_REASON))
                read_only.add(namespace)
    if include_normal:
        overview.rows.extend(
            Row(repo.namespace, repo.name, mirrored=False) for repo in repos if not repo.is_mirror
        )
    overview.rows.sort(key=lambda row: row.sort_key)
    overview.read_only_namespaces = [ns for ns in wanted if ns in read_only]
    overview.upstream_calls = calls
    return overview


def read_row(
    client: QuayClient,
    target: RepoTarget,
    now: datetime,
    state: PollState | None = None,
    scopes: Collection[str] | None = None,
) -> Row:
    """One row again, in one upstream call (the mirror config; or health for read-only rows).

    The log is read too when it can change the status (see :func:`needs_log`), except for a
    queued sync whose poll already knows when it was queued (``state.queued``, or
    ``state.queue_checked``: looked before, not known), so a polling row costs one call per
    poll. :class:`QuayUnauthorized` propagates; every other failure becomes the row's reason.
    """
    state = state or PollState()
    client = fresh(client)  # a live status: what Quay says now
    namespace, name = target.namespace, target.name
    try:
        if state.via_health:
            entry = _health_by_repo(client.get_mirror_health(namespace)).get(name)
            if entry is None:
                return Row(namespace, name, reason=NOT_IN_HEALTH)
            return row_from_health(entry, now)
        config = target.read_config(client)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return unreadable_row(namespace, name, error, scopes)
    logs = None
    known = config.sync_status is SyncStatus.SYNC_NOW and (state.queued or state.queue_checked)
    if needs_log(config, now) and not known:
        try:
            logs = target.read_logs(client)
        except QuayUnauthorized:
            raise
        except QuayError:
            logs = None  # the status without the log's help
    return row_from_config(namespace, name, config, now, logs=logs, queued_since=state.queued)


def row_after_action(
    client: QuayClient,
    target: RepoTarget,
    result: ActionResult,
    now: datetime,
    scopes: Collection[str] | None = None,
) -> Row:
    """The row after a press, with what it did in words: from the config the press read
    (no further call), or read again when the press could not read it."""
    if result.mirror is not None:
        pressed = result.action == "sync_now" and result.outcome == "done"
        row = row_from_config(
            target.namespace, target.name, result.mirror, now, queued_since=now if pressed else None
        )
    else:
        row = read_row(client, target, now, scopes=scopes)
    return replace(row, message=result.message)


def rows_after_actions(
    client: QuayClient,
    results: Sequence[tuple[RepoTarget, ActionResult]],
    now: datetime,
    scopes: Collection[str] | None = None,
) -> list[Row]:
    """The rows after a bulk press, each with its own result (calls only for the few whose
    press could not read the config), in parallel."""
    outcomes = fan_out(
        lambda pair: row_after_action(client, pair[0], pair[1], now, scopes), list(results)
    )
    # The bulk result names each outcome above the rows: a row repeats only the detail.
    return [
        replace(outcome.value, message=outcome.item[1].detail)
        for outcome in outcomes
        if outcome.value is not None
    ]


# -- the page -------------------------------------------------------------------------------

#: Counts shown even at zero (the ones a team lead looks for first).
ALWAYS_COUNTED = frozenset({"fail", "stuck"})


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    n: int
    params: str
    always: bool


@dataclass(frozen=True)
class Filters:
    """The overview's GET parameters, normalised (unknown values are ignored)."""

    namespace: str = ""
    status: str = ""
    query: str = ""
    show_normal: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        status = query.get("status", "").strip()
        return cls(
            namespace=query.get("ns", "").strip()[:255],
            status=status if status in STATUS_KEYS else "",
            query=query.get("q", "").strip()[:200],
            show_normal=query.get("normal") in ("1", "on", "true"),
        )

    def params(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` (for the count links)."""
        values = {
            "ns": self.namespace,
            "status": self.status,
            "q": self.query,
            "normal": "1" if self.show_normal else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def page(client: QuayClient, person: Any, filters: Filters, now: datetime) -> dict[str, Any]:
    """Everything the overview page shows for ``filters``: the rows, the counts, the total.

    Raises the :class:`QuayError` of :func:`collect` (the page cannot be drawn without it).
    """
    data = collect(
        client,
        now,
        namespaces=[filters.namespace] if filters.namespace else None,
        include_normal=filters.show_normal,
        scopes=person.scopes,
    )
    searched = data.filtered(query=filters.query)
    counts = {key: 0 for key, _ in STATUS_CHOICES}
    for item in searched:
        counts[item.key] += 1
    return {
        "overview": data,
        "rows": [item for item in searched if not filters.status or item.key == filters.status],
        "counts": [
            Count(key, label, counts[key], filters.params(status=key), key in ALWAYS_COUNTED)
            for key, label in STATUS_CHOICES
            if key != NOT_MIRRORED or filters.show_normal
        ],
        "total": sum(n for key, n in counts.items() if key != NOT_MIRRORED),
        "all_params": filters.params(status=""),
        "selectable": any(item.config is not None for item in searched),
    }
