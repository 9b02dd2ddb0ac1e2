"""What an overview row carries between requests: its :class:`RowState`.

Each row of the overview holds its state in a hidden ``row`` field, ``ns/name?<query>``: the
status it shows (the panel's :class:`PollState` format, one parser), what Quay's mirror
health or config said, and where the row came from. The page's one refresh sends the state
of every active row, the detail batches that of the rows they fill in; the server keeps no
state of its own between them.

``origin`` says what the row was drawn from:

* ``config``  -- its mirror config (complete);
* ``health``  -- the namespace's mirror health; the config is not read yet (pending);
* ``listing`` -- the repository listing: MIRROR state, but not in the namespace's health
  report (disabled or not configured), which was read;
* ``unknown`` -- the listing, while the namespace's health report could not be read;
* ``spoiled`` -- the health report, whose entry for it could not be read (its name aside).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote, unquote

from django.http import QueryDict

from dashboard.mirrors.rules.poll import PollState
from dashboard.mirrors.rules.timefmt import from_unix_param
from dashboard.quay import names
from dashboard.quay.models import HealthEntry, SyncStatus

ORIGINS = {"config": "c", "health": "h", "listing": "l", "unknown": "u", "spoiled": "s"}
_ORIGIN_OF = {code: name for name, code in ORIGINS.items()}
#: Longest ``row`` value accepted (a state is ~150 characters).
MAX_LENGTH = 600


@dataclass(frozen=True)
class RowState:
    """The state of one repository's row (the row draws its ``RepoTarget``: ``rows``)."""

    namespace: str
    name: str
    poll: PollState = field(default_factory=PollState)
    origin: str = "config"
    #: What Quay said the mirror's status was when the row was drawn (health or config).
    sync_status: SyncStatus | None = None
    #: What health said of retries and the last sync (to draw the row again from them).
    retries: int | None = None
    last_sync: datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def from_health(self) -> bool:
        return self.origin == "health"

    def health_entry(self) -> HealthEntry | None:
        """The mirror-health row this state was drawn from (``None`` unless from health)."""
        if not self.from_health or self.sync_status is None:
            return None
        return HealthEntry(
            namespace=self.namespace,
            repository=self.name,
            sync_status=self.sync_status,
            is_enabled=True,  # health names enabled mirrors only
            retries_remaining=self.retries,
            last_sync=self.last_sync,
        )

    def encode(self) -> str:
        fields = {"src": ORIGINS[self.origin]}
        if self.sync_status is not None:
            fields["s"] = str(self.sync_status)
        if self.retries is not None:
            fields["r"] = str(self.retries)
        if self.last_sync is not None:
            fields["ls"] = str(int(self.last_sync.timestamp()))
        extra = "&".join(f"{key}={value}" for key, value in fields.items())
        name = f"{quote(self.namespace, safe='')}/{quote(self.name, safe='')}"
        return f"{name}?{self.poll.query()}&{extra}"

    @classmethod
    def decode(cls, value: str) -> RowState | None:
        """The state in a ``row`` field, or ``None`` when it is not one."""
        if not value or len(value) > MAX_LENGTH:
            return None
        path, _, query = value.partition("?")
        namespace, _, name = path.partition("/")
        namespace, name = unquote(namespace), unquote(name)
        if not names.valid_repository(namespace, name):
            return None
        fields = QueryDict(query)
        try:
            status = SyncStatus(fields["s"]) if "s" in fields else None
            retries = int(fields["r"]) if "r" in fields else None
        except ValueError:
            return None
        return cls(
            namespace,
            name,
            PollState.from_query(fields),
            origin=_ORIGIN_OF.get(fields.get("src", ""), "config"),
            sync_status=status,
            retries=retries,
            last_sync=from_unix_param(fields.get("ls")),
        )

    def with_poll(self, **changes: object) -> RowState:
        return replace(self, poll=replace(self.poll, **changes))


def decode_all(values: list[str], limit: int) -> list[RowState]:
    """The states of ``values`` (unreadable ones dropped, one per repository, at most
    ``limit``)."""
    seen: dict[tuple[str, str], RowState] = {}
    for value in values:
        state = RowState.decode(value)
        if state is not None and (state.namespace, state.name) not in seen:
            seen[(state.namespace, state.name)] = state
        if len(seen) >= limit:
            break
    return list(seen.values())
