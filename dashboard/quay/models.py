"""Typed results of Quay's API: what the dashboard reads, independent of Quay's JSON shape."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from .answers import read_each
from .dates import format_quay_datetime, parse_quay_datetime, parse_rfc2822

ARCHITECTURES = ("amd64", "arm64", "ppc64le", "s390x")
MAX_SYNC_RETRIES = 3


def _read_date(value: Any) -> datetime | None:
    """A mirror date from Quay; one that is present but not a date makes the answer unreadable
    (the client turns this ValueError into ``QuayUnexpected``) rather than "no date"."""
    parsed = parse_quay_datetime(value)
    if parsed is None and value not in (None, ""):
        raise ValueError(f"not a date: {value!r:.80}")
    return parsed


def date_field(data: Mapping[str, Any], key: str) -> datetime | None:
    """``data[key]`` as a date (missing or empty: ``None``); one that is not a date raises a
    ValueError that names the field."""
    value = data.get(key)
    try:
        return _read_date(value)
    except ValueError:
        raise ValueError(f"its {key} “{str(value)[:40]}” is not a date") from None


E = TypeVar("E", bound=enum.StrEnum)


def read_enum(kind: type[E], value: Any, default: E) -> E:
    """``value`` as a member of ``kind``; missing or one this dashboard does not know (a newer
    Quay's), ``default``."""
    try:
        return kind(value or default)
    except ValueError:
        return default


def status_field(data: Mapping[str, Any], key: str, kind: type[E], default: E) -> E:
    """``data[key]`` as a member of ``kind`` (missing: ``default``); one this dashboard does
    not know (a newer Quay's, or garbage) raises a ValueError that names the field: in a list
    entry that entry is then said to be unreadable, never shown as ``default``."""
    value = data.get(key)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"its {key} “{str(value)[:40]}” is not one this dashboard knows") from None


def read_network(data: Mapping[str, Any]) -> dict[str, Any]:
    """``external_registry_config``'s TLS check and proxies, as the configs' fields (the same
    for a repository's mirror and an organization's)."""
    registry_config = data.get("external_registry_config") or {}
    proxy = registry_config.get("proxy") or {}
    return {
        "verify_tls": bool(registry_config.get("verify_tls", True)),
        "http_proxy": proxy.get("http_proxy") or None,
        "https_proxy": proxy.get("https_proxy") or None,
        "no_proxy": proxy.get("no_proxy") or None,
    }


def _write_date(value: datetime | None) -> str | None:
    """A date as Quay writes it in its answers (microseconds kept)."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _network_document(config: Any, *, unsigned: bool | None = None) -> dict[str, Any]:
    """``external_registry_config`` of a config (:func:`read_network`'s inverse), any
    credentials in a proxy's address left out."""
    document: dict[str, Any] = {"verify_tls": config.verify_tls}
    if unsigned is not None:
        document["unsigned_images"] = unsigned
    proxy = {
        name: _without_userinfo(getattr(config, name))
        for name in ("http_proxy", "https_proxy", "no_proxy")
        if getattr(config, name)
    }
    if proxy:
        document["proxy"] = proxy
    return document


def _without_userinfo(value: str) -> str:
    """``http://user:secret@proxy:3128`` → ``http://***@proxy:3128`` (a kept copy never holds
    a proxy's password)."""
    scheme, sep, rest = value.rpartition("://")
    if "@" not in rest.split("/", 1)[0]:
        return value
    return f"{scheme}{sep}***@{rest.split('@', 1)[1]}"


class SyncStatus(enum.StrEnum):
    """``sync_status`` of a mirror config, with what each one means."""

    NEVER_RUN = "NEVER_RUN"
    SYNC_NOW = "SYNC_NOW"
    SYNCING = "SYNCING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    CANCEL = "CANCEL"

    @property
    def is_active(self) -> bool:
        """A sync is queued or running: the status will change by itself."""
        return self in (SyncStatus.SYNC_NOW, SyncStatus.SYNCING)

    @property
    def can_cancel(self) -> bool:
        """Quay's sync-cancel only accepts SYNCING and SYNC_NOW (else 404)."""
        return self.is_active

    @property
    def can_sync_now(self) -> bool:
        """Quay's sync-now refuses a running sync (404)."""
        return self is not SyncStatus.SYNCING

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SyncStatus.NEVER_RUN: "Never synced",
    SyncStatus.SYNC_NOW: "Queued",
    SyncStatus.SYNCING: "Syncing",
    SyncStatus.SUCCESS: "Synced",
    SyncStatus.FAIL: "Failed",
    SyncStatus.CANCEL: "Cancelled",
}


class RepositoryState(enum.StrEnum):
    NORMAL = "NORMAL"
    READ_ONLY = "READ_ONLY"
    MIRROR = "MIRROR"
    #: Created and synced by its organization's mirror (organization-level mirroring):
    #: no repository-level mirror config, no state change, no pushes.
    ORG_MIRROR = "ORG_MIRROR"


@dataclass(frozen=True)
class Organization:
    name: str
    is_org_admin: bool | None = None


@dataclass(frozen=True)
class OrganizationView:
    """``GET /api/v1/organization/{org}``: whether Quay lets the caller administer it (the
    token's scopes cap it: an admin's token without org:admin does not) or is a member."""

    name: str
    is_admin: bool
    is_member: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OrganizationView:
        return cls(
            name=str(data.get("name") or ""),
            is_admin=bool(data.get("is_admin")),
            is_member=bool(data.get("is_member")),
        )


@dataclass(frozen=True)
class QuayUser:
    username: str
    organizations: tuple[Organization, ...] = ()
    email: str | None = None
    #: Quay sends ``super_user`` only to a token with the super:user scope (the dashboard does
    #: not ask for it): a (read-only) superuser is found by reading the global mirror health.
    super_user: bool = False

    @property
    def namespaces(self) -> list[str]:
        """The person's own namespace first, then their organizations."""
        return [self.username, *(org.name for org in self.organizations)]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> QuayUser:
        return cls(
            username=data["username"],
            organizations=tuple(
                Organization(name=o["name"], is_org_admin=o.get("is_org_admin"))
                for o in data.get("organizations") or ()
            ),
            email=data.get("email"),
            super_user=bool(data.get("super_user")),
        )


@dataclass(frozen=True)
class Repository:
    namespace: str
    name: str
    state: RepositoryState = RepositoryState.NORMAL
    description: str = ""
    is_public: bool = False
    can_admin: bool | None = None
    can_write: bool | None = None
    #: Its namespace is an organization (``False``: a user's own); ``None``: not said.
    is_organization: bool | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def is_mirror(self) -> bool:
        return self.state is RepositoryState.MIRROR

    @property
    def is_org_mirror(self) -> bool:
        """Managed by its organization's mirror (not a repository mirror of its own)."""
        return self.state is RepositoryState.ORG_MIRROR

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Repository:
        namespace, name = data["namespace"], data["name"]
        if not isinstance(namespace, str) or not isinstance(name, str) or not name:
            raise ValueError("its namespace or name is not a name")
        return cls(
            namespace=namespace,
            name=name,
            state=read_enum(RepositoryState, data.get("state"), RepositoryState.NORMAL),
            description=data.get("description") or "",
            is_public=bool(data.get("is_public")),
            can_admin=data.get("can_admin"),
            can_write=data.get("can_write"),
            is_organization=data.get("is_organization"),
        )


@dataclass(frozen=True)
class Robot:
    name: str
    description: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Robot:
        name = data["name"]
        if not isinstance(name, str) or not name:
            raise ValueError("its name is not a name")
        return cls(name, str(data.get("description") or ""))

    @property
    def namespace(self) -> str:
        return self.name.split("+", 1)[0]


@dataclass(frozen=True)
class Tag:
    name: str
    manifest_digest: str | None = None
    size: int | None = None
    last_modified: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Tag:
        name = data["name"]
        if not isinstance(name, str) or not name:
            raise ValueError("its name is not a name")
        return cls(
            name=name,
            manifest_digest=data.get("manifest_digest"),
            size=data.get("size"),
            last_modified=parse_rfc2822(data.get("last_modified")),
        )


@dataclass(frozen=True)
class LogCount:
    """One row of Quay's ``aggregatelogs``: how many entries of ``kind`` on ``day`` (Quay's
    date, midnight UTC; see ``QuayClient.namespace_log_counts`` for what its day means)."""

    kind: str
    count: int
    day: datetime

    @classmethod
    def read_all(cls, rows: object) -> list[LogCount]:
        """The rows Quay answered that can be read (any other is left out)."""
        found = []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, Mapping):
                continue
            kind, count, raw = row.get("kind"), row.get("count"), row.get("datetime")
            day = parse_rfc2822(raw) if isinstance(raw, str) else None
            if isinstance(kind, str) and type(count) is int and count >= 0 and day is not None:
                found.append(cls(kind, count, day))
        return found


@dataclass(frozen=True)
class LogEntry:
    """One entry of a repository's usage log (mirror events have kinds ``repo_mirror_*``)."""

    kind: str
    datetime: datetime | None
    performer: str | None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    #: Why Quay's entry could not be read ("" when it could): then nothing else is known,
    #: not even whether it was a mirror's (it is kept, said as unreadable, wherever they are).
    unreadable: str = ""

    @property
    def is_mirror_event(self) -> bool:
        return bool(self.unreadable) or self.kind.startswith("repo_mirror_")

    @property
    def is_org_mirror_event(self) -> bool:
        """An organization mirror's entry (``org_mirror_*``: its worker's and its API's)."""
        return bool(self.unreadable) or self.kind.startswith("org_mirror_")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> LogEntry:
        if not isinstance(data, Mapping):
            raise TypeError("it is not an object")
        kind, metadata = data.get("kind") or "", data.get("metadata") or {}
        if not isinstance(kind, str):
            raise ValueError(f"its kind “{str(kind)[:40]}” is not a kind")
        if not isinstance(metadata, Mapping):
            raise ValueError("its metadata is not an object")
        raw = data.get("datetime")
        when = parse_rfc2822(raw) if isinstance(raw, str) else None
        if raw not in (None, "") and when is None:
            raise ValueError(f"its datetime “{str(raw)[:40]}” is not a date")
        performer = data.get("performer") or {}
        return cls(
            kind=kind,
            datetime=when,
            performer=performer.get("name") if isinstance(performer, Mapping) else None,
            metadata=metadata,
        )

    @classmethod
    def unreadable_entry(cls, data: Any, why: str) -> LogEntry:
        return cls("", None, None, unreadable=f"An entry of Quay's log could not be read: {why}.")

    @classmethod
    def read_all(cls, entries: Any) -> tuple[LogEntry, ...]:
        """A page of a usage log, each entry read on its own."""
        return read_each(entries or (), cls.from_api, cls.unreadable_entry, what="log entry")


_REGISTRY_CONFIG_FIELDS = ("verify_tls", "unsigned_images")
_PROXY_FIELDS = ("http_proxy", "https_proxy", "no_proxy")


@dataclass(frozen=True, kw_only=True)
class SharedConfig:
    """The fields a repository's mirror config and an organization's share (the same names in
    Quay's API): whether it runs, its schedule and its run, the source's user, TLS and proxies.
    Each kind's config adds its own (``MirrorConfig``, ``org_models.OrgMirrorConfig``)."""

    is_enabled: bool
    sync_interval: int
    sync_start_date: datetime | None
    sync_status: SyncStatus
    external_registry_username: str | None = None
    verify_tls: bool = True
    http_proxy: str | None = None
    https_proxy: str | None = None
    no_proxy: str | None = None
    sync_expiration_date: datetime | None = None
    sync_retries_remaining: int = MAX_SYNC_RETRIES

    @staticmethod
    def shared_fields(data: Mapping[str, Any]) -> dict[str, Any]:
        """The shared fields read from Quay's answer (``from_api``'s common part)."""
        return {
            "is_enabled": bool(data.get("is_enabled", True)),
            "external_registry_username": data.get("external_registry_username") or None,
            **read_network(data),
            "sync_interval": int(data.get("sync_interval") or 0),
            "sync_start_date": _read_date(data.get("sync_start_date")),
            "sync_expiration_date": _read_date(data.get("sync_expiration_date")),
            "sync_retries_remaining": int(data.get("sync_retries_remaining") or 0),
            "sync_status": read_enum(SyncStatus, data.get("sync_status"), SyncStatus.NEVER_RUN),
        }

    def shared_document(self, *, unsigned: bool | None = None) -> dict[str, Any]:
        """The shared fields as Quay answers them (``to_document``'s common part), credentials
        in a proxy's address left out."""
        return {
            "is_enabled": self.is_enabled,
            "external_registry_username": self.external_registry_username,
            "external_registry_config": _network_document(self, unsigned=unsigned),
            "sync_interval": self.sync_interval,
            "sync_start_date": _write_date(self.sync_start_date),
            "sync_expiration_date": _write_date(self.sync_expiration_date),
            "sync_retries_remaining": self.sync_retries_remaining,
            "sync_status": self.sync_status.value,
        }


@dataclass(frozen=True, kw_only=True)
class MirrorConfig(SharedConfig):
    """A repository's mirror configuration, every field of Quay's API."""

    external_reference: str
    root_rule: tuple[str, ...]
    robot_username: str | None
    skopeo_timeout_interval: int = 300
    unsigned_images: bool = False
    architecture_filter: tuple[str, ...] = ()
    mirror_type: str = "PULL"
    rule_kind: str = "tag_glob_csv"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> MirrorConfig:
        registry_config = data.get("external_registry_config") or {}
        rule = data.get("root_rule") or {}
        return cls(
            **cls.shared_fields(data),
            mirror_type=data.get("mirror_type") or "PULL",
            external_reference=data.get("external_reference") or "",
            unsigned_images=bool(registry_config.get("unsigned_images", False)),
            rule_kind=rule.get("rule_kind") or "tag_glob_csv",
            root_rule=tuple(rule.get("rule_value") or ()),
            robot_username=data.get("robot_username") or None,
            skopeo_timeout_interval=int(data.get("skopeo_timeout_interval") or 300),
            architecture_filter=tuple(data.get("architecture_filter") or ()),
        )

    def to_document(self) -> dict[str, Any]:
        """The config as Quay's API answers it (``from_api`` reads it back the same), to be
        kept: the password is never in it (Quay never returns it), and credentials in a
        proxy's address are left out."""
        return {
            **self.shared_document(unsigned=self.unsigned_images),
            "mirror_type": self.mirror_type,
            "external_reference": self.external_reference,
            "root_rule": {"rule_kind": self.rule_kind, "rule_value": list(self.root_rule)},
            "robot_username": self.robot_username,
            "skopeo_timeout_interval": self.skopeo_timeout_interval,
            "architecture_filter": list(self.architecture_filter),
        }


@dataclass(frozen=True)
class RegistryCapabilities:
    """``GET /api/v1/registry/capabilities``: what this Quay's registry supports."""

    #: Sparse manifest lists (Quay's FEATURE_SPARSE_INDEX, off by default).
    sparse_manifests: bool
    #: The architectures a mirror may filter on.
    mirror_architectures: tuple[str, ...] = ARCHITECTURES
    required_architectures: tuple[str, ...] = ()
    optional_architectures_allowed: bool = False

    @property
    def architecture_filter(self) -> bool:
        """Whether Quay takes a non-empty architecture filter (without sparse manifests it
        refuses one: "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled.")."""
        return self.sparse_manifests

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> RegistryCapabilities:
        sparse = data.get("sparse_manifests") or {}
        return cls(
            sparse_manifests=bool(sparse.get("supported")),
            mirror_architectures=tuple(str(a) for a in data.get("mirror_architectures") or ()),
            required_architectures=tuple(
                str(a) for a in sparse.get("required_architectures") or ()
            ),
            optional_architectures_allowed=bool(sparse.get("optional_architectures_allowed")),
        )


def to_api(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Quay's JSON for a config create or update from flat dashboard fields, either kind's.

    Only the given fields are sent (Quay applies a PUT field by field). Dates are written
    in the one form Quay accepts; lists and names of choices as Quay's JSON has them; TLS,
    unsigned images and proxies go into ``external_registry_config`` (which Quay replaces as
    a whole: send both); ``external_registry_password`` may be included.
    """
    payload: dict[str, Any] = {}
    registry_config: dict[str, Any] = {}
    proxy: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _REGISTRY_CONFIG_FIELDS:
            registry_config[name] = bool(value)
        elif name in _PROXY_FIELDS:
            proxy[name] = value or None
        elif name == "root_rule":
            payload["root_rule"] = {"rule_kind": "tag_glob_csv", "rule_value": list(value)}
        elif name == "sync_start_date":
            payload[name] = format_quay_datetime(value) if value is not None else None
        elif isinstance(value, tuple | list):
            payload[name] = list(value)
        elif isinstance(value, enum.Enum):
            payload[name] = value.value
        else:
            payload[name] = value
    if proxy:
        registry_config["proxy"] = proxy
    if registry_config:
        payload["external_registry_config"] = registry_config
    return payload


@dataclass(frozen=True)
class HealthEntry:
    namespace: str
    repository: str
    sync_status: SyncStatus
    is_enabled: bool
    retries_remaining: int | None
    last_sync: datetime | None
    #: Why Quay's entry could not be read ("" when it could): only its name is known, the
    #: status must come from the mirror's own settings.
    unreadable: str = ""

    @classmethod
    def from_api(cls, row: Mapping[str, Any]) -> HealthEntry:
        namespace, repository = row.get("namespace", ""), row["repository"]
        if not isinstance(namespace, str) or not isinstance(repository, str) or not repository:
            raise ValueError("its namespace or repository is not a name")
        retries = row.get("retries_remaining")
        return cls(
            namespace=namespace,
            repository=repository,
            sync_status=status_field(row, "sync_status", SyncStatus, SyncStatus.NEVER_RUN),
            is_enabled=bool(row.get("is_enabled", True)),
            retries_remaining=int(retries) if retries is not None else None,
            last_sync=date_field(row, "last_sync"),
        )

    @classmethod
    def unreadable_entry(cls, row: Any, why: str) -> HealthEntry | None:
        """An entry that could not be read, when its names can be (else ``None``: it cannot
        be told from which mirror it came)."""
        namespace = row.get("namespace", "") if isinstance(row, Mapping) else None
        repository = row.get("repository") if isinstance(row, Mapping) else None
        if not isinstance(namespace, str) or not isinstance(repository, str) or not repository:
            return None
        return cls(
            namespace,
            repository,
            SyncStatus.NEVER_RUN,  # not known: ``unreadable`` says so
            is_enabled=True,
            retries_remaining=None,
            last_sync=None,
            unreadable=f"Quay's mirror health entry for it could not be read: {why}.",
        )


@dataclass(frozen=True)
class MirrorHealth:
    """Quay's mirror health report for a namespace (readable by organization members)."""

    healthy: bool
    details: tuple[HealthEntry, ...]
    has_more: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> MirrorHealth:
        repos = data.get("repositories") or {}
        details = read_each(
            repos.get("details") or (),
            HealthEntry.from_api,
            HealthEntry.unreadable_entry,
            what="mirror health entry",
        )
        return cls(
            healthy=bool(data.get("healthy", True)),
            details=tuple(entry for entry in details if entry is not None),
            has_more=bool((repos.get("pagination") or {}).get("has_more")),
        )
