"""The two kinds of mirror as the tests reach them, for tests of a behaviour both kinds have.

A behaviour that exists for repository mirrors and organization mirrors alike (a save, a
press, the live status, a conflict, a confirmation, the audit trail) is one test
parametrized over the kind (STYLE.md, 12)::

    @for_each_kind(
        "mirror, field, value",
        repository=(repo("acme", "nginx"), "http_proxy", "http://proxy:3128"),
        organization=(org("orgnew"), "visibility", "private"),
    )
    def test_...(client_as, emulator, mirror, field, value):
        client = client_as(mirror.admin)
        ...

A :class:`Mirror` says who administers it, its pages, its config's API path, and what Quay
received and stores for it; the rest of what differs is the test's own small table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from dashboard.mirrors.models import AuditEntry

REPOSITORY = "repository"
ORGANIZATION = "organization"


@dataclass(frozen=True)
class Mirror:
    """One mirror of either kind, as the emulator's seed has it."""

    kind: str  # REPOSITORY or ORGANIZATION
    namespace: str
    name: str = ""  # the repository's; "" for an organization mirror (as the audit files it)
    admin: str = "alice"  # a seeded user who may change it

    @property
    def full_name(self) -> str:
        """As the pages say it: ``acme/nginx``, ``orgnew``."""
        return f"{self.namespace}/{self.name}" if self.name else self.namespace

    @property
    def called(self) -> str:
        """What a press's answer calls it: ``acme/nginx``, ``the organization mirror of
        orgnew``."""
        if self.kind == REPOSITORY:
            return self.full_name
        return f"the organization mirror of {self.namespace}"

    @property
    def url(self) -> str:
        """Its page."""
        if self.kind == REPOSITORY:
            return f"/repo/{self.namespace}/{self.name}/"
        return f"/org/{self.namespace}/mirror/"

    def path(self, role: str) -> str:
        """One of its page's endpoints: ``settings``, ``sync-now``, ``cancel``…"""
        return f"{self.url}{role}/"

    @property
    def settings_url(self) -> str:
        return self.path("settings")

    @property
    def settings_in_view(self) -> str:
        """What a page shows when its settings form is in view: a repository's page always
        shows the form; an organization mirror's folds it unless the form came back."""
        if self.kind == REPOSITORY:
            return 'id="settings-form"'
        return "<details open>"

    @property
    def poll_url(self) -> str:
        """What its live part asks when it polls."""
        if self.kind == REPOSITORY:
            return f"{self.url}status/?poll=1"
        return f"{self.url}?poll=1"

    @property
    def api(self) -> str:
        """Its config's path in Quay's API (after ``/api/v1/``)."""
        if self.kind == REPOSITORY:
            return f"repository/{self.namespace}/{self.name}/mirror"
        return f"organization/{self.namespace}/mirror"

    def stored(self, emulator: Any) -> dict[str, Any]:
        """What the emulator stores for it, the password included."""
        if self.kind == REPOSITORY:
            return emulator.mirror(self.namespace, self.name)
        return emulator.control("GET", f"org-mirror/{self.namespace}")

    def in_quay(self, emulator: Any) -> dict[str, Any]:
        """Its config as Quay's API answers it to its admin."""
        response = emulator.api("GET", self.api, user=self.admin)
        assert response.status_code == 200, response.text
        return response.json()

    def change_in_quay(self, emulator: Any, user: str | None = None, **fields: Any) -> None:
        """A change made in Quay directly (by another admin, or the worker), not through the
        dashboard."""
        response = emulator.api("PUT", self.api, user=user or self.admin, json=fields)
        assert response.ok, response.text

    def writes(self, emulator: Any) -> list[tuple[str, Any]]:
        """Every write of its config Quay received (``PUT``, ``POST``), with its body."""
        path = f"/api/v1/{self.api}"
        return [
            (r["method"], r["json"])
            for r in emulator.requests_log()
            if r["path"] == path and r["method"] in ("PUT", "POST")
        ]

    def puts(self, emulator: Any) -> list[Any]:
        """The bodies of the config ``PUT``s Quay received."""
        return [body for method, body in self.writes(emulator) if method == "PUT"]

    def audit(self, **filters: Any) -> Any:
        """Its audit entries."""
        return AuditEntry.objects.filter(namespace=self.namespace, repository=self.name, **filters)


def repo(namespace: str, name: str, admin: str = "alice") -> Mirror:
    """A repository mirror of the seed (``dashboard/emulator/seed.py``)."""
    return Mirror(REPOSITORY, namespace, name, admin)


def org(name: str, admin: str = "olivia") -> Mirror:
    """An organization mirror of the seed (``dashboard/emulator/seed_orgs.py``)."""
    return Mirror(ORGANIZATION, name, "", admin)


def for_each_kind(argnames: str, *, repository: Any, organization: Any) -> pytest.MarkDecorator:
    """Parametrize a test over the two kinds: ``argnames``' values for a repository mirror and
    for an organization mirror (a tuple when there are several, or a ``pytest.param`` with
    marks), with the ids ``repository`` and ``organization``."""
    several = "," in argnames

    def case(kind: str, given: Any) -> Any:
        marks: Any = ()
        if hasattr(given, "values") and hasattr(given, "marks"):  # pytest.param(...)
            marks, values = given.marks, tuple(given.values)
        else:
            values = tuple(given) if several else (given,)
        return pytest.param(*values, marks=marks, id=kind)

    return pytest.mark.parametrize(
        argnames, [case(REPOSITORY, repository), case(ORGANIZATION, organization)]
    )
