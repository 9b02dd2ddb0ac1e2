"""What of the fleet index a person may be shown: what Quay would show them with their own
token (the overview, the failures view and a status panel's slow look read it through
:func:`served`; a page's slow look through :func:`current_config`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from dashboard.mirrors.person import Person
from dashboard.watch.models import Enrolment, Mirror


def served(person: Person, wanted: Iterable[str]) -> dict[str, tuple[Enrolment, bool]]:
    """The namespaces of ``wanted`` drawn from the index, with their enrolment and whether
    the person sees their settings (else the status only): indexed ones whose rights are
    known. Settings where Quay shows them the configs (their own namespace, one Quay said
    they administer, a superuser's); the status only where they are a member Quay said is
    no admin (mirror health is what Quay shows members); where it is not known (a token
    that does not say), nothing: the page reads Quay with their token instead."""
    found: dict[str, tuple[Enrolment, bool]] = {}
    enrolments = Enrolment.objects.filter(namespace__in=list(wanted), indexed_at__isnull=False)
    for enrolment in enrolments:
        configs = person.reads_configs(enrolment.namespace)
        if configs is True:
            found[enrolment.namespace] = (enrolment, True)
        elif configs is False and enrolment.namespace in (person.memberships or ()):
            found[enrolment.namespace] = (enrolment, False)
    return found


def current_config(
    person: Person, namespace: str, kind: str, name: str, now: datetime
) -> Mirror | None:
    """The index's row of one mirror, for a slow look by someone the index shows its settings
    to, when the namespace's index is current (polled within two watch intervals) and the
    row's config is read and not marked to be read again; else ``None`` (ask Quay)."""
    found = served(person, [namespace]).get(namespace)
    if found is None or not found[1]:
        return None
    enrolment = found[0]
    current = now - timedelta(seconds=2 * settings.WATCH_INTERVAL_SECONDS)
    seen = enrolment.last_success_at
    if enrolment.state != Enrolment.State.OK or seen is None or seen < current:
        return None
    mirror = Mirror.objects.filter(enrolment=enrolment, kind=kind, name=name, present=True).first()
    if mirror is None or mirror.config is None or mirror.stale:
        return None
    return mirror
