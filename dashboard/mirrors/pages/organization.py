"""The organization mirror page: its status (from the counts, not the config's discovery
status), the discovered repositories (status filter, search, paging), and what to say when
there is no config.

A look costs 2 calls (the config and the repositories, up to 500 a call), plus, when Quay
has no config, Quay's anonymous feature list (kept 10 minutes) and the organization's
repository listing (to tell an empty organization, which may get one, from the rest).
Without ``FEATURE_ORG_MIRROR`` (or when Quay does not say it has it) a 404 shows no
organization-mirror control at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.person import ORG_ADMIN, Person
from dashboard.mirrors.rules.org_status import DELETE_WARNING, ORG_CANCEL_WARNING, counts_words
from dashboard.mirrors.rules.refusals import refused_because
from dashboard.quay.cache import for_poll
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import parallel, quietly
from dashboard.quay.org_models import OrgMirrorRepo, OrgRepoStatus

#: Discovered repositories shown a page (as Quay's own tab).
PER_PAGE = 20
STATUS_CHOICES = [(status.value, status.label) for status in OrgRepoStatus]


@dataclass(frozen=True)
class RepoQuery:
    """The discovered-repositories table's filter, search and page (from the query string)."""

    status: OrgRepoStatus | None = None
    search: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Any) -> RepoQuery:
        try:
            status = OrgRepoStatus(query.get("status", "")) if query.get("status") else None
        except ValueError:
            status = None
        try:
            page = max(1, int(query.get("page") or 1))
        except ValueError:
            page = 1
        return cls(status, (query.get("q") or "").strip()[:128], page)

    def params(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "status": self.status.value if self.status else "",
            "q": self.search,
            "page": self.page,
        }
        values.update(changes)
        kept = {k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("page", 1)}
        return urlencode(kept)


@dataclass
class RepoTable:
    rows: list[OrgMirrorRepo] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    error: str = ""
    #: Every discovered repository's name (read when no status filter was asked for).
    names: list[str] | None = None

    @property
    def first(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PER_PAGE, self.total)


def repo_table(client: QuayClient, org: str, query: RepoQuery) -> RepoTable:
    """The discovered repositories matching the query, one page of them (Quay filters by
    status; the search is over names, here)."""
    try:
        repos = _all_repos(client, org, query.status)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return RepoTable(error=f"The discovered repositories could not be read: {error.message}")
    names = [repo.name for repo in repos] if query.status is None else None
    if query.search:
        needle = query.search.lower()
        repos = [repo for repo in repos if needle in repo.name.lower()]
    pages = max(1, -(-len(repos) // PER_PAGE))
    page = min(query.page, pages)
    start = (page - 1) * PER_PAGE
    return RepoTable(repos[start : start + PER_PAGE], len(repos), page, pages, names=names)


def _all_repos(client: QuayClient, org: str, status: OrgRepoStatus | None) -> list[OrgMirrorRepo]:
    repos: list[OrgMirrorRepo] = []
    for number in range(1, 21):
        found = client.list_org_mirror_repositories(org, page=number, limit=500, status=status)
        repos.extend(found.repositories)
        if not found.has_next:
            return repos
    return repos


def refused_words(org: str, person: Person | None) -> str:
    """Quay's 403 on reading an organization mirror in words (as known: the scope, the
    rights, or either)."""
    unknown = (
        f"Quay shows the organization mirror of {org} only to its admins, signed in with a "
        f"token that carries the {ORG_ADMIN} scope."
    )
    if person is None:
        return unknown
    return refused_because(person, OrgTarget(org), "read", ORG_ADMIN, unknown)


def _missing(
    client: QuayClient, org: str, error: QuayError, person: Person | None
) -> dict[str, Any]:
    """What the page says when Quay shows no config (404) or refuses (403)."""
    if isinstance(error, QuayForbidden):
        return {"page_error": refused_words(org, person)}
    if not isinstance(error, QuayNotFound):
        return {"page_error": f"Quay could not be read for {org}: {error.message}"}
    enabled = client.org_mirroring_enabled()
    if not enabled:
        why = (
            "this Quay runs without organization mirroring (FEATURE_ORG_MIRROR is off)"
            if enabled is False
            else "Quay has no organization mirror for it"
        )
        return {"missing": "feature", "missing_words": f"{org} has no organization mirror: {why}."}
    repos = quietly(client.list_repositories, org)
    if repos is None:
        return {"missing": "unknown", "missing_words": f"{org} has no organization mirror."}
    if repos:
        return {
            "missing": "not_empty",
            "missing_words": (
                f"{org} has no organization mirror, and it has {len(repos)} "
                f"repositor{'y' if len(repos) == 1 else 'ies'}: Quay sets up an organization "
                "mirror only in an empty organization."
            ),
        }
    return {
        "missing": "setup",
        "missing_words": f"{org} is empty and has no organization mirror yet.",
    }


def look(
    client: QuayClient,
    target: OrgTarget,
    now: datetime,
    query: RepoQuery,
    *,
    poll: bool = False,
    person: Person | None = None,
) -> dict[str, Any]:
    """The page's (or a poll's) context: config, status, counts and the repositories table.

    A poll reads through ``for_poll`` (an answer younger than the interval may be shared by
    two tabs); a page look through the read cache."""
    if poll:
        client = for_poll(client, settings.STATUS_POLL_SECONDS)
    org = target.org
    got_config, got_table = parallel(
        lambda: target.read_config(client), lambda: repo_table(client, org, query)
    )
    for outcome in (got_config, got_table):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    context: dict[str, Any] = {
        "org": org,
        "now": now,
        "query": query,
        "status_choices": STATUS_CHOICES,
        "cancel_warning": ORG_CANCEL_WARNING,
        "delete_warning": DELETE_WARNING,
        "poll_seconds": settings.STATUS_POLL_SECONDS,
    }
    if got_config.error is not None:
        if poll:
            return {**context, "stale": f"could not refresh ({got_config.error.message})"}
        context.update(_missing(client, org, got_config.error, person))
        return context
    config = got_config.value
    assert config is not None
    status = target.describe(config, now)
    context.update(
        {
            "config": config,
            "status": status,
            "counts_words": counts_words(config),
            "counts": [
                (s, config.count(s), query.params(status=s.value, page=1))
                for s in OrgRepoStatus
                if config.count(s)
            ],
            "table": got_table.value,
            "names": got_table.value.names if got_table.value else None,
            "prev_params": query.params(page=max(1, query.page - 1)),
            "next_params": query.params(page=query.page + 1),
            "polling": status.changes_by_itself,
        }
    )
    return context
