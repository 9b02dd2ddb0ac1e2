"""The watching page: the watched namespaces a person may see, how each goes, and what they
may do (enrol a namespace they administer, give it a new token, stop watching it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from dashboard.mirrors.person import Person

from .enrol import unsealable_here
from .models import AlertRule, Enrolment


@dataclass(frozen=True)
class Watching:
    enrolment: Enrolment
    mirrors: int
    #: The person administers the namespace: they may give it a new token or remove it.
    manageable: bool
    #: The index is older than two intervals (or was never read).
    behind: bool
    #: Its alert rules (counted for those who may see them).
    rules: int = 0
    #: The person may see its trends (Quay shows them its mirrors' settings; it is indexed).
    trends: bool = False


def behind(enrolment: Enrolment, now: datetime) -> bool:
    seen = enrolment.last_success_at
    return seen is None or now - seen > timedelta(seconds=2 * settings.WATCH_INTERVAL_SECONDS)


def read_only_here(person: Person, namespace: str) -> bool:
    """A read-only superuser outside their own namespace and those Quay said they
    administer: Quay shows them every namespace and lets them change none of these, so they
    may neither enrol one nor stop watching it."""
    own = namespace == person.username or namespace in person.admin_of
    return person.read_only_superuser and not own


def may_manage(person: Person, namespace: str) -> bool:
    """Whether the page offers ``person`` to enrol ``namespace`` or stop watching it: where
    Quay shows them its settings as to an admin, and not only to read."""
    return person.reads_configs(namespace) is True and not read_only_here(person, namespace)


def page(person: Person, now: datetime) -> dict[str, object]:
    """What the page shows ``person``: the watched namespaces among theirs (every one for a
    superuser), and the namespaces they may enrol."""
    everything = person.superuser or person.super_user
    mine = set(person.memberships or ()) | {person.username}
    found = Enrolment.objects.annotate(
        known=Count("mirrors", filter=Q(mirrors__present=True))
    ).order_by("namespace")
    counted = AlertRule.objects.values("enrolment").annotate(n=Count("id"))
    rules = {row["enrolment"]: row["n"] for row in counted}
    rows = []
    for item in found:
        if everything or item.namespace in mine:
            manages = may_manage(person, item.namespace)
            shown = rules.get(item.pk, 0) if manages else 0
            sees = person.reads_configs(item.namespace) is True and item.indexed_at is not None
            rows.append(Watching(item, item.known, manages, behind(item, now), shown, sees))
    watched = {row.enrolment.namespace for row in rows}
    administered = sorted(ns for ns in mine if may_manage(person, ns))
    return {
        "rows": rows,
        "enrollable": administered,
        "unwatched": [ns for ns in administered if ns not in watched],
        "refused": unsealable_here(),
        "interval": settings.WATCH_INTERVAL_SECONDS,
    }
