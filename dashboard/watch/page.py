"""The watching page: the watched namespaces a person may see, how each goes, and what they
may do (enrol a namespace they administer, give it a new token, stop watching it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from dashboard.mirrors.person import Person

from .enrol import unsealable_here
from .models import Enrolment


@dataclass(frozen=True)
class Watching:
    enrolment: Enrolment
    mirrors: int
    #: The person administers the namespace: they may give it a new token or remove it.
    manageable: bool
    #: The index is older than two intervals (or was never read).
    behind: bool


def behind(enrolment: Enrolment, now: datetime) -> bool:
    seen = enrolment.last_success_at
    return seen is None or now - seen > timedelta(seconds=2 * settings.WATCH_INTERVAL_SECONDS)


def page(person: Person, now: datetime) -> dict[str, object]:
    """What the page shows ``person``: the watched namespaces among theirs (every one for a
    superuser), and the namespaces they may enrol."""
    everything = person.superuser or person.super_user
    mine = set(person.memberships or ()) | {person.username}
    found = Enrolment.objects.annotate(
        known=Count("mirrors", filter=Q(mirrors__present=True))
    ).order_by("namespace")
    rows = [
        Watching(item, item.known, person.reads_configs(item.namespace) is True, behind(item, now))
        for item in found
        if everything or item.namespace in mine
    ]
    watched = {row.enrolment.namespace for row in rows}
    administered = sorted(ns for ns in mine if person.reads_configs(ns) is True)
    return {
        "rows": rows,
        "enrollable": administered,
        "unwatched": [ns for ns in administered if ns not in watched],
        "refused": unsealable_here(),
        "interval": settings.WATCH_INTERVAL_SECONDS,
    }
