"""The dashboard's audit trail as a person may read it: which entries, and their changes in
words (values only where Quay shows that person the mirror config)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from dashboard.mirrors.models import URL_FIELDS, AuditEntry, redact_text, redact_url
from dashboard.mirrors.person import Person, global_health
from dashboard.mirrors.rules import changes
from dashboard.mirrors.rules.timefmt import ago
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayNotFound
from dashboard.quay.fanout import Outcome, fan_out, parallel, quietly

#: Changes whose values anyone who sees the entry may read (not mirror settings).
PUBLIC_FIELDS = frozenset({"state"})
PER_PAGE = 50


def can_read_config(mirror: Outcome[Any, Any]) -> bool:
    """Whether Quay would show this person the mirror config (read, or 404: none to show)."""
    return mirror.ok or isinstance(mirror.error, QuayNotFound)


def audit_rows(
    entries: Iterable[AuditEntry], values: bool | Callable[[AuditEntry], bool], now: datetime
) -> list[dict[str, Any]]:
    """Audit entries with their changes in words (the repository page and the audit page).

    ``values``: whether (or, called with the entry, for which entries) the person may read the
    mirror settings the changes were made to. Quay shows those only to the repository's
    admins, so for anyone else a change is only named ("changed settings (source, tags)"), and
    the entry's message, which may quote values, is left out.
    """
    rows = []
    for entry in entries:
        readable = values(entry) if callable(values) else values
        lines = []
        fields = []
        for field_name, change in (entry.changes or {}).items():
            applied = change.get("applied", True) if isinstance(change, dict) else True
            if not readable and field_name not in PUBLIC_FIELDS:
                fields.append(
                    {"label": changes.LABELS.get(field_name, field_name), "applied": applied}
                )
                continue
            lines.append({"text": _change_words(field_name, change), "applied": applied})
        message = entry.message
        if not readable and entry.action in (AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE):
            message = ""
        rows.append(
            {
                "entry": entry,
                "ago": ago(entry.created, now),
                "lines": lines,
                "fields": fields,
                "message": redact_text(message),
                "values_hidden": not readable and bool(fields),
            }
        )
    return rows


def _change_words(field_name: str, change: Any) -> str:
    if not isinstance(change, dict):
        return f"{field_name}: {redact_url(change)}"
    if field_name == changes.PASSWORD:
        return f"password {change.get('to')}"
    old, new = change.get("from"), change.get("to")
    if field_name in URL_FIELDS:
        old, new = redact_url(old), redact_url(new)
    return changes.describe_change(field_name, old, new)


def readable_configs(client: QuayClient, repos: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The repositories whose mirror config Quay shows this person (a 401 propagates).

    Asked only for repositories Quay lists to the person: there a 404 means "no config"
    (Quay checks admin rights before it looks for a config), never "no such repository"."""
    outcomes = fan_out(lambda repo: client.get_mirror(*repo), sorted(repos))
    return {outcome.item for outcome in outcomes if can_read_config(outcome)}


def listed_repositories(
    client: QuayClient, namespaces: Iterable[str]
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The names of the repositories Quay lists to this person in each namespace (one listing
    call per 100 repositories, kept in the read cache), and the namespaces it could not list,
    with why. A 401 propagates."""
    listed: dict[str, set[str]] = {}
    failed: dict[str, str] = {}
    for outcome in fan_out(client.list_repositories, sorted(set(namespaces))):
        if outcome.ok:
            listed[outcome.item] = {repo.name for repo in outcome.value or ()}
        else:
            assert outcome.error is not None
            failed[outcome.item] = outcome.error.message
    return listed, failed


def _only_listed(entries: QuerySet[AuditEntry], listed: Mapping[str, set[str]]) -> QuerySet:
    """The entries of repositories in ``listed`` (namespace -> names Quay lists): asked of the
    database by the repositories that have entries, not by every name Quay listed."""
    audited: dict[str, set[str]] = {}
    pairs = entries.order_by().values_list("namespace", "repository").distinct()
    for namespace, name in pairs:
        if name in listed.get(namespace, ()):
            audited.setdefault(namespace, set()).add(name)
    shown = Q(pk__in=[])
    for namespace, names in audited.items():
        shown |= Q(namespace=namespace, repository__in=sorted(names))
    return entries.filter(shown)


def org_mirrors_seen(client: QuayClient, namespaces: Iterable[str]) -> set[str]:
    """The organizations of ``namespaces`` whose organization mirror entries Quay would show
    the person: it shows them the mirror's config (its admins, superusers), or -- the mirror
    is gone (404) -- the organization's log (its admins). One call each, two for a deleted
    mirror; a 401 propagates."""

    def seen(org: str) -> bool:
        try:
            client.get_org_mirror(org)
            return True
        except QuayNotFound:
            return quietly(client.list_org_mirror_logs, org) is not None

    return {o.item for o in fan_out(seen, sorted(set(namespaces))) if o.ok and o.value}


def page(
    client: QuayClient,
    person: Person,
    query: Mapping[str, str],
    now: datetime,
) -> dict[str, Any]:
    """The audit page: the entries of the repositories Quay lists to the person (in their
    namespaces; in every namespace of the trail for a Quay superuser), filtered and paged;
    values shown where the person may read the config (one ``get_mirror`` per repository on
    the page, in parallel).

    An entry of a repository Quay does not list to the person (private to others, deleted,
    or a name it never had) is not shown: the trail says no more than Quay would."""
    entries = AuditEntry.objects.all()
    notice = ""
    got_user, got_health = parallel(client.get_user, lambda: global_health(client))
    if got_user.error is not None:
        namespaces: list[str] = []
        notice = (
            f"Your namespaces could not be read from Quay ({got_user.error.message}): "
            "no entries can be shown."
        )
    elif got_health.value is not None:  # a (read-only) superuser: Quay lists them everything
        namespaces = sorted(set(entries.values_list("namespace", flat=True)))
    else:
        assert got_user.value is not None
        namespaces = got_user.value.namespaces
    org_entries = entries.filter(repository="", namespace__in=namespaces)
    asked = set(org_entries.values_list("namespace", flat=True))
    (got_listed, got_orgs) = parallel(
        lambda: listed_repositories(client, namespaces) if namespaces else ({}, {}),
        lambda: org_mirrors_seen(client, asked) if asked else set(),
    )
    for got in (got_listed, got_orgs):
        if got.error is not None:
            raise got.error
    listed, failed = got_listed.value or ({}, {})
    orgs = got_orgs.value or set()
    entries = _only_listed(entries, listed) | org_entries.filter(namespace__in=sorted(orgs))
    if failed:
        notice = (
            "The entries of "
            + ", ".join(sorted(failed))
            + " are not shown: Quay did not list their repositories ("
            + "; ".join(sorted(set(failed.values())))
            + ")."
        )

    namespaces = sorted(set(entries.values_list("namespace", flat=True)))
    people = sorted(set(entries.values_list("username", flat=True)))
    filters = {key: query.get(key, "").strip() for key in ("namespace", "repository", "person")}
    if filters["namespace"]:
        entries = entries.filter(namespace=filters["namespace"])
    if filters["repository"]:
        entries = entries.filter(repository__icontains=filters["repository"])
    if filters["person"]:
        entries = entries.filter(username=filters["person"])

    page_obj = Paginator(entries, PER_PAGE).get_page(query.get("page"))
    shown = list(page_obj.object_list)
    readable = readable_configs(
        client, {(e.namespace, e.repository) for e in shown if e.repository}
    )
    readable |= {(org, "") for org in orgs}  # their config (or their log) is shown to them
    return {
        "page_obj": page_obj,
        "rows": audit_rows(
            shown, lambda entry: (entry.namespace, entry.repository) in readable, now
        ),
        "filters": filters,
        "namespaces": namespaces,
        "people": people,
        "notice": notice,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }
