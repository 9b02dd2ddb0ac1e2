"""Typed results of Quay's organization-level mirroring (``/organization/{org}/mirror``).

Facts from real Quay (``shared/reference/quay-org-mirror-observed.md``): the config's
``sync_status`` describes *discovery* only (SUCCESS while its repositories still sync for
minutes); progress and outcome come from ``repo_sync_status_counts`` and the repository list.
A discovered repository may also be SKIP (filtered out, or gone from the source).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .answers import read_each
from .models import (
    SharedConfig,
    SyncStatus,
    _read_date,
    _write_date,
    date_field,
    read_enum,
    status_field,
)
from .names import split_full_name


class _RepoStatus(enum.StrEnum):
    """A discovered repository's status in words: a repository mirror's (``SyncStatus``), and
    SKIP's."""

    @property
    def label(self) -> str:
        return "Skipped" if self == "SKIP" else SyncStatus(self).label


#: The status of one repository of an organization mirror: a repository mirror's statuses
#: and SKIP, in Quay's order (by name, SKIP last).
OrgRepoStatus = _RepoStatus(
    "OrgRepoStatus",
    [*((status.name, status.value) for status in sorted(SyncStatus)), ("SKIP", "SKIP")],
    module=__name__,
    qualname="OrgRepoStatus",
)


class SourceRegistryType(enum.StrEnum):
    HARBOR = "harbor"
    QUAY = "quay"

    @property
    def label(self) -> str:
        return "Harbor" if self is SourceRegistryType.HARBOR else "Quay"


@dataclass(frozen=True, kw_only=True)
class OrgMirrorConfig(SharedConfig):
    """An organization's mirror configuration, every field of Quay's answer."""

    external_registry_type: SourceRegistryType
    external_registry_url: str
    external_namespace: str
    robot_username: str
    visibility: str
    has_external_registry_password: bool = False
    repository_filters: tuple[str, ...] = ()
    #: Repositories by status, every status present (zeros included).
    counts: Mapping[OrgRepoStatus, int] = field(default_factory=dict)
    skopeo_timeout: int = 300
    creation_date: datetime | None = None

    @property
    def source(self) -> str:
        """The source as one address: ``https://quay.example.com/upstreamorg``."""
        return f"{self.external_registry_url.rstrip('/')}/{self.external_namespace}"

    def count(self, status: OrgRepoStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def repos_active(self) -> int:
        """Repositories queued or syncing (between two of them there are seconds with none
        SYNCING: that alone does not mean done)."""
        return self.count(OrgRepoStatus.SYNC_NOW) + self.count(OrgRepoStatus.SYNCING)

    @property
    def is_active(self) -> bool:
        """Something will change by itself: discovery queued or running, a cancel waiting
        for the worker, or repositories queued or syncing (a disabled config is not picked
        up: nothing changes then)."""
        if not self.is_enabled:
            return False
        discovery = self.sync_status in (SyncStatus.SYNC_NOW, SyncStatus.SYNCING)
        return discovery or self.sync_status is SyncStatus.CANCEL or self.repos_active > 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OrgMirrorConfig:
        counts: dict[OrgRepoStatus, int] = dict.fromkeys(OrgRepoStatus, 0)
        for name, value in (data.get("repo_sync_status_counts") or {}).items():
            try:
                counts[OrgRepoStatus(name)] = int(value or 0)
            except ValueError:
                continue
        return cls(
            **cls.shared_fields(data),
            external_registry_type=read_enum(
                SourceRegistryType, data.get("external_registry_type"), SourceRegistryType.QUAY
            ),
            external_registry_url=data.get("external_registry_url") or "",
            external_namespace=data.get("external_namespace") or "",
            has_external_registry_password=bool(data.get("has_external_registry_password")),
            repository_filters=tuple(str(f) for f in data.get("repository_filters") or ()),
            robot_username=data.get("robot_username") or "",
            visibility=data.get("visibility") or "private",
            counts=counts,
            skopeo_timeout=int(data.get("skopeo_timeout") or 300),
            creation_date=_read_date(data.get("creation_date")),
        )

    def to_document(self) -> dict[str, Any]:
        """The config as Quay's API answers it (``from_api`` reads it back the same), to be
        kept: no password (Quay says only whether one is stored), no proxy credentials."""
        return {
            **self.shared_document(),
            "external_registry_type": self.external_registry_type.value,
            "external_registry_url": self.external_registry_url,
            "external_namespace": self.external_namespace,
            "has_external_registry_password": self.has_external_registry_password,
            "repository_filters": list(self.repository_filters),
            "robot_username": self.robot_username,
            "visibility": self.visibility,
            "repo_sync_status_counts": {status.value: n for status, n in self.counts.items()},
            "skopeo_timeout": self.skopeo_timeout,
            "creation_date": _write_date(self.creation_date),
        }


@dataclass(frozen=True)
class OrgMirrorRepo:
    """One discovered repository of an organization mirror."""

    name: str
    sync_status: OrgRepoStatus
    discovery_date: datetime | None = None
    last_sync_date: datetime | None = None
    status_message: str | None = None
    #: ``org/name`` of the Quay repository, once the worker created it (its first sync).
    quay_repository: str | None = None
    #: Why Quay's entry for it could not be read ("" when it could): then only its name, if
    #: that could, is known.
    unreadable: str = ""

    @property
    def page_name(self) -> str | None:
        """The name of its repository page (``/repo/<org>/<name>/``): the Quay repository's,
        when it is one the dashboard serves (a nested name, ``team/app``, is not)."""
        split = split_full_name(self.quay_repository or "")
        return split[1] if split else None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OrgMirrorRepo:
        name = data["name"]
        if not isinstance(name, str) or not name:
            raise ValueError("its name is not a name")
        message, created = data.get("status_message"), data.get("quay_repository")
        if not isinstance(message, str | None) or not isinstance(created, str | None):
            raise ValueError("its status_message or quay_repository is not text")
        return cls(
            name=name,
            sync_status=status_field(data, "sync_status", OrgRepoStatus, OrgRepoStatus.NEVER_RUN),
            discovery_date=date_field(data, "discovery_date"),
            last_sync_date=date_field(data, "last_sync_date"),
            status_message=message or None,
            quay_repository=created or None,
        )

    @classmethod
    def unreadable_entry(cls, data: Any, why: str) -> OrgMirrorRepo:
        """An entry that could not be read: its name when that can be, and why."""
        name = data.get("name") if isinstance(data, Mapping) else None
        return cls(
            name=name if isinstance(name, str) else "",  # "": not known
            sync_status=OrgRepoStatus.NEVER_RUN,  # not known: ``unreadable`` says so
            unreadable=f"Quay's entry for this repository could not be read: {why}.",
        )


@dataclass(frozen=True)
class OrgMirrorRepoPage:
    """A page of ``GET …/mirror/repositories`` (sorted by name)."""

    repositories: tuple[OrgMirrorRepo, ...]
    page: int
    limit: int
    total: int
    has_next: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OrgMirrorRepoPage:
        return cls(
            repositories=read_each(
                data.get("repositories") or (),
                OrgMirrorRepo.from_api,
                OrgMirrorRepo.unreadable_entry,
                what="discovered repository",
            ),
            page=int(data.get("page") or 1),
            limit=int(data.get("limit") or 100),
            total=int(data.get("total") or 0),
            has_next=bool(data.get("has_next")),
        )


@dataclass(frozen=True)
class VerifyResult:
    """``POST …/mirror/verify``: always 200; the outcome is in the body."""

    success: bool
    message: str
