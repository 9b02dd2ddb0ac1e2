"""Links into Quay's own web pages, at ``QUAY_URL``: the address people's browsers reach (the
sign-in sends them there too, and the header links it).

The routes are those of Quay's web UI (``web/src/routes/NavigationPath.tsx``), the one Quay
serves unless configured otherwise (``DEFAULT_UI = "react"``), with the tabs it opens from
``?tab=``: a repository's (``RepositoryDetails.tsx``: ``mirroring``) and a namespace's
(``OrganizationsList/Organization/Organization.tsx``, which serves ``/organization/<org>`` and
``/user/<name>``: ``Robotaccounts``, ``Mirroring``; names are matched case-insensitively).
Quay's older UI, still chosen by a person's cookie, has the same paths but names these tabs
otherwise (``repository-mirror``, ``robots``) and has no organization-mirroring tab: there the
links open the right page at its first tab.

Only links are built here, never a call: every value is quoted as a path segment or a query
value, and the template escapes the result as any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings

#: The tabs, as Quay's UI names them in ``?tab=``.
REPOSITORY_MIRRORING = "mirroring"
ROBOT_ACCOUNTS = "Robotaccounts"
ORGANIZATION_MIRRORING = "Mirroring"


@dataclass(frozen=True)
class QuayLink:
    """One link into Quay's UI: what it opens, in words, and where."""

    label: str
    url: str


def _url(*segments: str, tab: str = "") -> str:
    path = "/".join(quote(segment, safe="") for segment in segments)
    query = f"?{urlencode({'tab': tab})}" if tab else ""
    return f"{settings.QUAY_URL}/{path}{query}"


def repository_url(namespace: str, name: str, tab: str = "") -> str:
    """A repository's page in Quay (``/repository/<namespace>/<name>``), at ``tab``."""
    return _url("repository", namespace, name, tab=tab)


def namespace_url(namespace: str, is_organization: bool, tab: str = "") -> str:
    """An organization's page (``/organization/<org>``) or a user's (``/user/<name>``)."""
    return _url("organization" if is_organization else "user", namespace, tab=tab)
