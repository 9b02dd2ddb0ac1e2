"""What the overview's rows of both kinds share (a repository's ``rows.Row``, an
organization mirror's ``org_row.OrgRow``): the row they both are (:class:`MirrorRow`), the
status keys they are counted and filtered under, and how they are counted at the top."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from dashboard.mirrors.rules.freshness import LATE, NEVER_AGAIN, OFF, ON_TIME, Freshness, judge
from dashboard.mirrors.rules.status import (
    CANCELLED,
    DISABLED,
    FAILED,
    NEVER_SYNCED,
    RANK,
    STUCK,
    SYNCED,
    SYNCING,
)

if TYPE_CHECKING:
    from dashboard.mirrors.kinds.base import MirrorKind
    from dashboard.mirrors.rules.org_status import OrgStatus
    from dashboard.mirrors.rules.runs import EventSummary
    from dashboard.mirrors.rules.status import MirrorStatus
    from dashboard.quay.models import SyncStatus

#: Filter values besides the status keys of :mod:`.status`.
UNREADABLE = "unreadable"  # the config could not be read
UNCONFIGURED = "unconfigured"  # MIRROR state, but no mirror config yet
#: MIRROR state, but Quay shows the person neither its settings nor its health (a refusal,
#: not a failure: not ranked among the broken).
RESTRICTED = "restricted"
NOT_MIRRORED = "normal"  # NORMAL / READ_ONLY repositories (shown with the toggle)
#: Not a status: a row from the listing whose config is not read yet (not counted).
PENDING = "pending"

#: Every status a row can have, in the overview's order, with the word for its count.
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("fail", FAILED),
    ("stuck", STUCK),
    (UNREADABLE, "Unreadable"),
    ("active", f"{SYNCING} or queued"),
    ("cancel", CANCELLED),
    ("never", NEVER_SYNCED),
    (UNCONFIGURED, "Not configured"),
    (RESTRICTED, "Settings hidden"),
    ("success", SYNCED),
    ("disabled", DISABLED),
    (NOT_MIRRORED, "Not mirrored"),
)
STATUS_KEYS = frozenset(key for key, _ in STATUS_CHOICES)
#: Filters on freshness (``rules.freshness``), across statuses: a failed mirror may be late.
FRESHNESS_CHOICES: tuple[tuple[str, str], ...] = (
    (LATE, "Late"),
    (NEVER_AGAIN, "Will not run again"),
)
#: What the status filter offers: the statuses, then freshness.
FILTER_CHOICES = STATUS_CHOICES + FRESHNESS_CHOICES
FILTER_KEYS = frozenset(key for key, _ in FILTER_CHOICES)
assert set(RANK) <= STATUS_KEYS  # every key status.describe() gives has a place here


class Linked(Protocol):
    """What a count links to: the page's filters (``filters.Filters``) with another status."""

    def params(self, **changes: Any) -> str: ...


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    n: int
    params: str
    always: bool


@dataclass(frozen=True)
class FreshCount:
    """A freshness count at the top: how many rows are known to be ``key``, and how many
    may be but are not known: then a zero is "?", never a claim; and "will not run again"
    is "?" (its unknown rows are those whose settings are not read yet: every cancelled one
    among them may be one) -- late says beside it for how many it is not known."""

    key: str
    label: str
    n: int
    unknown: int
    params: str

    @property
    def shown(self) -> str:
        if self.unknown and (not self.n or self.key == NEVER_AGAIN):
            return "?"
        return str(self.n)


def fresh_tally(fresh_keys: Iterable[str], filters: Linked) -> list[FreshCount]:
    """Late, and will not run again, of mirrors of either kind by their ``fresh_key``: one
    whose config is read but not its last success may be late ("unknown"); one without
    config may be either ("none")."""
    keys = Counter(key for key in fresh_keys if key)
    unknown = {LATE: keys["unknown"] + keys["none"], NEVER_AGAIN: keys["none"]}
    return [
        FreshCount(key, label, keys[key], unknown[key], filters.params(status=key))
        for key, label in FRESHNESS_CHOICES
    ]


class Schedule(Protocol):
    """What the config of either kind says of its schedule (``MirrorConfig``,
    ``OrgMirrorConfig``): what its freshness is judged from."""

    is_enabled: bool
    sync_status: SyncStatus
    sync_interval: int
    sync_start_date: datetime | None


class MirrorRow:
    """What an overview row of either kind says alike from its config and status (a
    repository's :class:`Row`, an organization mirror's ``OrgRow``): whether the page
    refreshes it, and how fresh it is. Each kind says what it knows of its last success
    (:attr:`freshness`, through :meth:`judged`)."""

    config: Schedule | None
    status: MirrorStatus | OrgStatus | None
    #: The mirror (``RepoTarget``, ``OrgTarget``).
    target: MirrorKind
    #: How the row names it (``acme/nginx``, ``orgmirror``), and its source.
    full_name: str
    external_reference: str
    #: What the filters read of a row whose kind has no such thing (``Row``'s are fields):
    #: read whole, from its config; no last result of its own; no repositories of its own
    #: that a search matched (an organization mirror's are named under it).
    mirrored: bool = True
    pending: bool = False
    counted: bool = True
    last_event: EventSummary | None = None
    last_sync: datetime | None = None
    matched: tuple[str, ...] = ()
    #: Quay may let the person change this mirror (``Person.may_change``, ``may_change_org``).
    may_change: bool = True

    @property
    def key(self) -> str:
        """The status key: what the row is counted and filtered as."""
        raise NotImplementedError

    @property
    def actionable(self) -> bool:
        """Sync now / Cancel and the selection box are offered: the config is read and Quay
        may let the person change it."""
        return self.config is not None and self.may_change

    @property
    def polls(self) -> bool:
        """The row is refreshed by the page: its status changes by itself (queued or
        running, but not a sync whose worker died: only a person's Cancel moves that on)."""
        return self.status is not None and self.status.changes_by_itself

    @property
    def freshness(self) -> Freshness | None:
        """Its freshness (``rules.freshness``); ``None`` when it is not known."""
        raise NotImplementedError

    def judged(
        self,
        now: datetime,
        *,
        retries: int | None,
        succeeded_at: datetime | None = None,
        not_since: datetime | None = None,
    ) -> Freshness | None:
        """Its freshness from its config's schedule and what the row knows of its last
        results (``None`` without a config)."""
        config = self.config
        if config is None:
            return None
        return judge(
            enabled=config.is_enabled,
            sync_status=config.sync_status,
            interval_seconds=config.sync_interval,
            start=config.sync_start_date,
            retries=retries,
            succeeded_at=succeeded_at,
            not_since=not_since,
            now=now,
        )

    @property
    def freshness_words(self) -> str:
        """The freshness under its status: not its age again where the status already says it
        ("Synced 3 h ago · next 20:40 UTC"), only that it is on time for its interval."""
        fresh = self.freshness
        if fresh is None or fresh.key == OFF:
            return ""
        said = self.status is not None and self.status.key == "success" and self.last_sync
        if fresh.key == ON_TIME and said and fresh.every:
            return f"on time ({fresh.every})"
        return fresh.words

    @property
    def fresh_key(self) -> str:
        """What the page counts this row under for freshness (``data-fresh``): a
        :mod:`~dashboard.mirrors.rules.freshness` key; "unknown" (its config is read, its last
        success is not known: not late-or-not, but known to run on schedule); "none" (no
        config: nothing known)."""
        fresh = self.freshness
        if fresh is not None:
            return fresh.key
        return "unknown" if self.config is not None else "none"


def counts(rows: Iterable[MirrorRow]) -> Counter[str]:
    """Rows by status key, of the rows counted (a pending row has no status to count)."""
    return Counter(row.key for row in rows if row.counted and row.key != PENDING)


def fresh_counts(rows: Iterable[MirrorRow], filters: Linked) -> list[FreshCount]:
    """Late, and will not run again, over the rows counted."""
    return fresh_tally((row.fresh_key for row in rows if row.counted), filters)
