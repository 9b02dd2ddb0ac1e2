"""Quay's organization-level mirroring calls, mixed into :class:`~dashboard.quay.client.QuayClient`.

All under ``/api/v1/organization/{org}/mirror`` with scope ``org:admin``; organization admins
only (the global read-only superuser may read). Quay answers 404 to every one of them when it
runs without ``FEATURE_ORG_MIRROR``, and to an organization without a config: the anonymous
``GET /config`` (its ``features.ORG_MIRROR``) tells the two apart. Conflicts are 400
(``QuayBadRequest`` with Quay's reason), never 409. Reference:
``shared/reference/quay-org-mirror-api.md`` and the transcript beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.core.cache import cache

from .answers import reads_answer
from .models import LogEntry, to_api
from .org_models import (
    OrgMirrorConfig,
    OrgMirrorRepo,
    OrgMirrorRepoPage,
    OrgRepoStatus,
    VerifyResult,
)

if TYPE_CHECKING:
    from .client import QuayClient

ORG_ADMIN = "org:admin"
#: Quay's largest page of discovered repositories.
MAX_REPO_PAGE = 500
#: How long Quay's feature list is kept (it changes only when Quay restarts).
FEATURES_SECONDS = 600


def _mirror_path(org: str) -> str:
    return f"organization/{quote(org, safe='')}/mirror"


class OrgMirrorCalls:
    """The organization-mirror endpoints (``self`` is a :class:`QuayClient`)."""

    def org_mirroring_enabled(self: QuayClient) -> bool | None:
        """Whether Quay runs with ``FEATURE_ORG_MIRROR`` (its anonymous ``GET /config``),
        kept for ``FEATURES_SECONDS``; None when Quay does not say (an older Quay, a proxy
        that hides ``/config``, a failure): then only a config that answers shows it is on."""
        import requests

        from .client import http_session

        key = f"quay-org-mirror-feature:{self.base_url}"
        known = cache.get(key)
        if isinstance(known, bool):
            return known
        try:
            response = http_session().get(
                f"{self.base_url}/config", timeout=min(self.timeout, 5.0), allow_redirects=False
            )
            features = response.json().get("features") if response.ok else None
        except (requests.RequestException, ValueError, AttributeError):
            return None
        if not isinstance(features, dict) or "ORG_MIRROR" not in features:
            return None
        enabled = bool(features["ORG_MIRROR"])
        cache.set(key, enabled, FEATURES_SECONDS)
        return enabled

    @reads_answer
    def get_org_mirror(self: QuayClient, org: str) -> OrgMirrorConfig:
        """``GET …/mirror``: 404 (``QuayNotFound``) without a config or without the feature."""
        return OrgMirrorConfig.from_api(self.get(_mirror_path(org), ORG_ADMIN))

    def create_org_mirror(self: QuayClient, org: str, fields: Mapping[str, Any]) -> None:
        """``POST …/mirror``: 201. Only for an organization with no repositories, no config."""
        self.request("POST", _mirror_path(org), json=to_api(fields), scope=ORG_ADMIN)

    def update_org_mirror(self: QuayClient, org: str, changes: Mapping[str, Any]) -> None:
        """``PUT …/mirror`` with the changed fields: 200; one bad field and nothing changes;
        the source type never changes; ``""`` credentials become null."""
        self.request("PUT", _mirror_path(org), json=to_api(changes), scope=ORG_ADMIN)

    def delete_org_mirror(self: QuayClient, org: str) -> None:
        """``DELETE …/mirror``: 204; the repositories stay (back to state NORMAL)."""
        self.request("DELETE", _mirror_path(org), scope=ORG_ADMIN)

    def org_mirror_sync_now(self: QuayClient, org: str) -> None:
        """``POST …/mirror/sync-now``: 204; 400 while discovery runs or repositories are
        unfinished (queued, syncing, never run, failed with retries left)."""
        self.request("POST", f"{_mirror_path(org)}/sync-now", scope=ORG_ADMIN)

    def org_mirror_sync_cancel(self: QuayClient, org: str) -> None:
        """``POST …/mirror/sync-cancel``: 204 from any status but CANCEL (400); every
        repository becomes CANCEL at the worker's next pass; scheduled syncs continue."""
        self.request("POST", f"{_mirror_path(org)}/sync-cancel", scope=ORG_ADMIN)

    @reads_answer
    def list_org_mirror_logs(self: QuayClient, org: str, *, pages: int = 1) -> list[LogEntry]:
        """The organization's usage log (its own entries and its repositories'), newest
        first, ``org_mirror_*`` entries only; ``pages`` pages of 20 at most (a short page is
        not the end: Quay's database log store gives the last page with entries a
        ``next_page`` into an empty one, see :meth:`QuayClient.list_logs`)."""
        return self.org_mirror_log_pages(org, pages=pages)[0]

    @reads_answer
    def org_mirror_log_pages(
        self: QuayClient, org: str, *, pages: int = 1, start: str = ""
    ) -> tuple[list[LogEntry], str]:
        """:meth:`list_org_mirror_logs` from Quay's page token ``start`` ("" for the newest
        entries), with the token of the page after the last one read ("" at the end)."""
        read = list(self.namespace_log_pages(org, {"next_page": start} if start else {}, pages))
        entries = [entry for page, _ in read for entry in page if entry.is_org_mirror_event]
        return entries, read[-1][1]

    @reads_answer
    def verify_org_mirror(self: QuayClient, org: str) -> VerifyResult:
        """``POST …/mirror/verify``: a test connection to the source, always 200."""
        data = self.request("POST", f"{_mirror_path(org)}/verify", scope=ORG_ADMIN) or {}
        return VerifyResult(bool(data["success"]), str(data.get("message") or ""))

    @reads_answer
    def list_org_mirror_repositories(
        self: QuayClient,
        org: str,
        *,
        page: int = 1,
        limit: int = 100,
        status: OrgRepoStatus | None = None,
    ) -> OrgMirrorRepoPage:
        """``GET …/mirror/repositories``: one page, sorted by name (``limit`` ≤ 500)."""
        params: dict[str, Any] = {"page": max(1, page), "limit": max(1, min(limit, MAX_REPO_PAGE))}
        if status is not None:
            params["status"] = str(status)
        data = self.get(f"{_mirror_path(org)}/repositories", ORG_ADMIN, **params)
        return OrgMirrorRepoPage.from_api(data or {})

    def all_org_mirror_repositories(
        self: QuayClient, org: str, *, max_pages: int = 20, status: OrgRepoStatus | None = None
    ) -> list[OrgMirrorRepo]:
        """Every discovered repository (of ``status``, when given), in pages of 500, at most
        ``max_pages`` of them."""
        repos: list[OrgMirrorRepo] = []
        for number in range(1, max_pages + 1):
            found = self.list_org_mirror_repositories(
                org, page=number, limit=MAX_REPO_PAGE, status=status
            )
            repos.extend(found.repositories)
            if not found.has_next:
                break
        return repos
