"""The emulator's in-memory data model: users, organizations, robots, repositories, mirrors.

Everything lives in one ``State`` object guarded by one lock. Times are naive UTC
``datetime`` values, as Quay stores them; the emulator's clock is the wall clock plus an
offset that tests move forward through the control API. Beside the data, the state keeps the
worker's agenda (``schedule``) and sorted per-namespace names (``index``), so that no call
has to look at every repository; ``sync.track`` files a repository in both after a change.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .index import RepoIndex
from .org_state import OrgMirror, SourceNamespace
from .schedule import Schedule

MIRROR_STATUSES = ("NEVER_RUN", "SYNC_NOW", "SYNCING", "SUCCESS", "FAIL", "CANCEL")
MAX_SYNC_RETRIES = 3
MAX_SYNC_DURATION = timedelta(hours=12)
ALL_SCOPES = frozenset(
    {"repo:read", "repo:write", "repo:admin", "repo:create", "org:admin", "user:read"}
)
AVATAR_COLORS = ("#393b79", "#31a354", "#7f7f7f", "#17becf", "#c7c7c7", "#e6550d", "#9467bd")


def avatar(name: str, kind: str) -> dict[str, str]:
    """Quay's avatar object: a name, a stable hash, a color and the kind."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {
        "name": name,
        "hash": digest,
        "color": AVATAR_COLORS[int(digest[:8], 16) % len(AVATAR_COLORS)],
        "kind": kind,
    }


@dataclass
class User:
    """A Quay user account (password ``password`` for every seeded user)."""

    username: str
    email: str
    password: str = "password"  # noqa: S105 - demo credential, documented in seed.py
    global_readonly_superuser: bool = False
    #: A (full) superuser of the registry (Quay's ``SUPER_USERS``).
    superuser: bool = False


@dataclass
class Organization:
    """An organization: admins administer every repository, readers read them all."""

    name: str
    admins: set[str] = field(default_factory=set)
    readers: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)


@dataclass
class Robot:
    """A robot account ``namespace+shortname``."""

    name: str
    description: str
    created: datetime
    token: str

    @property
    def namespace(self) -> str:
        return self.name.split("+", 1)[0]


@dataclass
class Tag:
    """A live tag of a repository."""

    name: str
    manifest_digest: str
    size: int
    start_ts: int
    is_manifest_list: bool = False
    order: int = 0


@dataclass
class SyncRun:
    """A sync the emulated worker is running right now (claimed, not yet released)."""

    started: datetime
    finish_at: datetime
    #: How it fails (a name of ``failures.FAILURES``), or None when it succeeds.
    failure: str | None = None
    #: A person cancelled it while it was still listing tags: the listing's failure is still
    #: logged when it comes, and the mirror stays CANCEL.
    cancelled: bool = False


@dataclass
class Mirror:
    """A RepoMirrorConfig row plus the simulation's bookkeeping."""

    external_reference: str
    robot_username: str | None
    rule_index: int
    sync_interval: int
    sync_start_date: datetime | None
    is_enabled: bool = True
    external_registry_username: str | None = None
    external_registry_password: str | None = None
    external_registry_config: dict[str, Any] = field(default_factory=dict)
    sync_expiration_date: datetime | None = None
    sync_retries_remaining: int = MAX_SYNC_RETRIES
    sync_status: str = "NEVER_RUN"
    skopeo_timeout: int = 300
    architecture_filter: list[str] = field(default_factory=list)
    # Simulation: when the row last changed (the worker notices changes after claim_delay),
    # the run in progress, a per-repository duration, when a failed run may be retried (the
    # worker's next pass) and the runs planned to fail: how (a name of failures.FAILURES, or
    # "alternate": every other run times out), for how many more runs (None: every run), and
    # which tags fail a partial sync (None: the first matched one).
    touched_at: datetime | None = None
    run: SyncRun | None = None
    sync_duration: float | None = None
    retry_at: datetime | None = None
    failure: str | None = None
    failure_runs: int | None = None
    failure_tags: list[str] | None = None
    run_count: int = 0


@dataclass
class LogEntry:
    """One usage-log entry (of a repository, or of a namespace itself)."""

    kind: str
    metadata: dict[str, Any]
    when: datetime
    performer: str | None = None
    ip: str | None = None
    #: Its place in the order entries were written (Quay's row id): ties of ``when`` break on it.
    seq: int = 0


def log_key(entry: LogEntry) -> tuple[datetime, int]:
    """The order of a log: oldest first, entries of one moment in the order they were written."""
    return (entry.when, entry.seq)


@dataclass
class Repository:
    """A repository; ``rules`` are its RepoMirrorRule rows in creation order."""

    namespace: str
    name: str
    description: str = ""
    is_public: bool = False
    state: str = "NORMAL"
    tags: dict[str, Tag] = field(default_factory=dict)
    rules: list[list[str]] = field(default_factory=list)
    mirror: Mirror | None = None
    logs: list[LogEntry] = field(default_factory=list)
    status_token: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Token:
    """An OAuth access token: who it acts for and which scopes it carries."""

    token: str
    username: str
    scopes: frozenset[str]
    token_id: int


@dataclass
class Options:
    """Run-time options (CLI values, changed by ``POST /_emulator/config``)."""

    #: Service time of every /api/v1 call with a Bearer token (real Quay: 300-400 ms).
    latency_ms: float = 0.0
    #: Authenticated /api/v1 calls served at once; others wait (0: no limit; real Quay ~2).
    max_inflight: int = 0
    error_rate: float = 0.0
    hang: list[str] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)
    #: The next this many calls answer 429 with ``Retry-After: retry_after``.
    rate_limit_calls: int = 0
    retry_after: int = 1
    #: Path prefix -> seconds a write's answer is held after it was applied.
    delay_after_write: dict[str, float] = field(default_factory=dict)
    #: Path prefix -> a field of a mirror PUT: the fields before it are applied, then Quay
    #: fails (500), as a database error half-way through the update would.
    fail_put_at: dict[str, str] = field(default_factory=dict)
    #: Path prefix -> ``{"entry", "field", "value"}`` (or ``"drop": true``): in a GET's answer,
    #: the listed entry named ``entry`` (its ``name``, ``repository`` or log ``kind``: every
    #: entry of that kind) gets that field's value
    #: replaced (or removed), as one bad row in a real answer would have it.
    garble: dict[str, dict[str, Any]] = field(default_factory=dict)
    quirks: bool = True
    #: Quay's FEATURE_SPARSE_INDEX (off by default, as in Quay): without it a non-empty
    #: architecture filter is refused.
    sparse_index: bool = False
    claim_delay: float = 2.0
    sync_duration: float = 6.0
    #: Seconds from a failed run to its retry: the worker's next pass (REPO_MIRROR_INTERVAL).
    retry_delay: float = 30.0
    #: Quay's FEATURE_ORG_MIRROR (on here, off by default in Quay): without it every
    #: ``/organization/{org}/mirror`` endpoint answers 404.
    org_mirror: bool = True
    #: Seconds an organization mirror's worker spends on each tag it copies.
    org_tag_seconds: float = 5.0
    redirect_uri: str = "http://127.0.0.1:8000/"
    allowed_hosts: list[str] = field(default_factory=list)
    repos: int = 0
    client_id: str = "mirror-dashboard-demo"
    client_secret: str = "mirror-dashboard-demo-secret"  # noqa: S105 - demo default

    def public(self) -> dict[str, Any]:
        """The options as the control API shows them (no client secret)."""
        return {
            "latency_ms": self.latency_ms,
            "max_inflight": self.max_inflight,
            "error_rate": self.error_rate,
            "hang": list(self.hang),
            "fail": dict(self.fail),
            "rate_limit_calls": self.rate_limit_calls,
            "retry_after": self.retry_after,
            "delay_after_write": dict(self.delay_after_write),
            "fail_put_at": dict(self.fail_put_at),
            "garble": dict(self.garble),
            "quirks": self.quirks,
            "sparse_index": self.sparse_index,
            "claim_delay": self.claim_delay,
            "sync_duration": self.sync_duration,
            "retry_delay": self.retry_delay,
            "org_mirror": self.org_mirror,
            "org_tag_seconds": self.org_tag_seconds,
            "redirect_uri": self.redirect_uri,
            "allowed_hosts": list(self.allowed_hosts),
            "repos": self.repos,
            "client_id": self.client_id,
        }


@dataclass
class OAuthGrant:
    """An authorization code waiting to be exchanged."""

    code: str
    username: str
    scopes: frozenset[str]
    redirect_uri: str


@dataclass
class BrowserSession:
    """An emulator browser session (cookie): who signed in and the CSRF token."""

    session_id: str
    csrf_token: str
    username: str | None = None


class State:
    """All emulator data, guarded by ``lock``."""

    def __init__(self, options: Options) -> None:
        self.lock = threading.RLock()
        self.options = options
        self.clock_offset = 0.0
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Organization] = {}
        self.robots: dict[str, Robot] = {}
        self.repos: dict[tuple[str, str], Repository] = {}
        self.tokens: dict[str, Token] = {}
        self.upstream_tags: dict[str, list[str]] = {}
        #: Upstream references that need credentials: (username, password).
        self.upstream_credentials: dict[str, tuple[str, str]] = {}
        self.request_log: list[dict[str, Any]] = []
        self.sessions: dict[str, BrowserSession] = {}
        self.codes: dict[str, OAuthGrant] = {}
        self.granted: dict[str, set[str]] = {}
        self.next_token_id = 1
        self.tag_counter = 0
        self.org_mirrors: dict[str, OrgMirror] = {}
        self.org_sources: dict[str, SourceNamespace] = {}
        #: Organization-level usage log entries (an organization mirror's), by organization.
        self.org_logs: dict[str, list[LogEntry]] = {}
        #: Every entry of a namespace (its repositories' and its own), sorted by ``log_key``:
        #: a page of the namespace's log costs what it answers.
        self.namespace_logs: dict[str, list[LogEntry]] = {}
        self.log_seq = 0
        #: Source hosts that refuse connections.
        self.org_unreachable: set[str] = set()
        self.schedule = Schedule()
        self.index = RepoIndex()

    # ------------------------------------------------------------------ clock
    def now(self) -> datetime:
        """The emulator's current time (naive UTC)."""
        wall = datetime.now(UTC).replace(tzinfo=None)
        return wall + timedelta(seconds=self.clock_offset)

    # ------------------------------------------------------------ namespaces
    def namespace_exists(self, name: str) -> bool:
        return name in self.orgs or name in self.users

    def role(self, username: str, namespace: str) -> str | None:
        """``admin``, ``read``, ``member`` or None for a user in a namespace."""
        if username == namespace and namespace in self.users:
            return "admin"
        org = self.orgs.get(namespace)
        if org is None:
            return None
        if username in org.admins:
            return "admin"
        if username in org.readers:
            return "read"
        if username in org.members:
            return "member"
        return None

    def user_orgs(self, username: str) -> list[Organization]:
        return [org for org in self.orgs.values() if username in org.members]

    def add_log(
        self,
        where: Repository | str,
        kind: str,
        metadata: dict[str, Any],
        when: datetime,
        performer: str | None = None,
        ip: str | None = None,
    ) -> None:
        """An entry of a repository's log (and so of its namespace's), or, given an
        organization's name, of the organization's own log (organization mirrors)."""
        entry = LogEntry(kind, metadata, when, performer, ip)
        if isinstance(where, str):
            self.record_log(where, None, entry)
        else:
            self.record_log(where.namespace, where, entry)

    def record_log(self, namespace: str, repo: Repository | None, entry: LogEntry) -> None:
        """File an entry in its namespace's log and its repository's (or, without one, among the
        organization's own entries), each kept sorted by ``log_key``."""
        self.log_seq += 1
        entry.seq = self.log_seq
        bisect.insort(self.namespace_logs.setdefault(namespace, []), entry, key=log_key)
        if repo is not None:
            bisect.insort(repo.logs, entry, key=log_key)
        else:
            self.org_logs.setdefault(namespace, []).append(entry)
