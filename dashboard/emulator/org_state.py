"""Organization-level mirroring's data: Quay's OrgMirrorConfig and OrgMirrorRepository rows,
and the simulated source registries whose namespaces they mirror.

A source namespace is found by the host of the config's URL and the namespace name
(``SourceNamespace.key``); its repositories have tags and may be private (an anonymous
``quay`` source does not see those) or set to fail their syncs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

ORG_STATUSES = ("CANCEL", "FAIL", "NEVER_RUN", "SUCCESS", "SYNCING", "SYNC_NOW")
#: A discovered repository may also be SKIP; Quay counts (and filters) them in this order.
REPO_STATUSES = ("CANCEL", "FAIL", "NEVER_RUN", "SUCCESS", "SYNCING", "SYNC_NOW", "SKIP")
#: Quay's ORG_MIRROR_MAX_DISCOVERY_DURATION default: the lease of a discovery claim.
MAX_DISCOVERY_SECONDS = 1800
#: The lease of one repository's sync (Quay's MAX_SYNC_DURATION).
MAX_REPO_SYNC_SECONDS = 12 * 3600
EXCLUDED = "Repository excluded by filters"
GONE = "Repository no longer in source registry"


@dataclass
class SourceRepo:
    """A repository of a source namespace."""

    name: str
    tags: list[str]
    public: bool = True
    #: Its syncs fail this way (a name of ``failures.FAILURES``: a listing failure, or
    #: ``partial_sync`` for the copies of ``failing_tags``, default the first tag).
    failure: str | None = None
    failing_tags: list[str] | None = None


@dataclass
class FailurePlan:
    """How an organization mirror's repository's next syncs fail, planned through the control
    API (before the source's own ``SourceRepo.failure``)."""

    failure: str | None
    failing_tags: list[str] | None = None
    #: How many more syncs fail (None: every one until cleared).
    failure_runs: int | None = None


@dataclass
class SourceNamespace:
    """A Harbor project or a Quay organization the emulated sources serve."""

    registry_type: str  # "harbor" | "quay"
    host: str
    name: str
    repos: dict[str, SourceRepo] = field(default_factory=dict)
    #: The password (Quay: an API token) that authenticates; None: anonymous only.
    password: str | None = None

    @property
    def key(self) -> str:
        return f"{self.host}/{self.name}"


@dataclass
class OrgMirrorRepo:
    """One discovered repository of an organization mirror."""

    name: str
    order: int
    discovery_date: datetime
    sync_status: str = "NEVER_RUN"
    last_sync_date: datetime | None = None
    status_message: str | None = None
    #: ``org/name`` once the worker created the target repository (when its sync starts).
    quay_repository: str | None = None
    sync_retries_remaining: int = 3
    sync_start_date: datetime | None = None
    sync_expiration_date: datetime | None = None
    #: Simulation: when the running sync ends; after a failure, the worker's next pass.
    finish_at: datetime | None = None
    retry_at: datetime | None = None


@dataclass
class OrgMirror:
    """An OrgMirrorConfig row plus the simulation's bookkeeping."""

    org: str
    external_registry_type: str
    external_registry_url: str
    external_namespace: str
    robot_username: str
    visibility: str
    sync_interval: int
    sync_start_date: datetime | None
    creation_date: datetime
    is_enabled: bool = True
    external_registry_username: str | None = None
    external_registry_password: str | None = None
    external_registry_config: dict[str, Any] = field(default_factory=dict)
    repository_filters: list[str] = field(default_factory=list)
    sync_status: str = "NEVER_RUN"
    sync_retries_remaining: int = 3
    sync_expiration_date: datetime | None = None
    skopeo_timeout: int = 300
    repos: dict[str, OrgMirrorRepo] = field(default_factory=dict)
    #: Simulation: when the row last changed (the worker's next pass comes claim_delay later),
    #: and when the worker may start the next repository.
    touched_at: datetime | None = None
    next_repo_at: datetime | None = None
    #: Simulation: the worker died holding the discovery claim (never released by itself).
    stalled: bool = False
    #: Simulation: its discoveries planned to fail: how (a name of
    #: ``org_worker.DISCOVERY_FAILURES``) and for how many more (None: every one until cleared).
    failure: str | None = None
    failure_runs: int | None = None
    #: Simulation: its repositories' planned failures, by name (discovered or not yet).
    repo_plans: dict[str, FailurePlan] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlparse(self.external_registry_url).netloc.lower()

    @property
    def source_key(self) -> str:
        return f"{self.host}/{self.external_namespace}"

    @property
    def external_reference(self) -> str:
        return f"{self.external_registry_url.rstrip('/')}/{self.external_namespace}"

    def enabled_metadata(self) -> dict[str, Any]:
        """What Quay's create writes of the new config in its ``org_mirror_enabled`` entry."""
        return {
            "external_registry_type": self.external_registry_type,
            "external_registry_url": self.external_registry_url,
            "external_namespace": self.external_namespace,
            "sync_interval": self.sync_interval,
            "robot_username": self.robot_username,
        }

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(REPO_STATUSES, 0)
        for repo in self.repos.values():
            counts[repo.sync_status] += 1
        return counts

    def sorted_repos(self) -> list[OrgMirrorRepo]:
        return sorted(self.repos.values(), key=lambda r: r.name)
