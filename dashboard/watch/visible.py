"""What of the fleet index a person may be shown: what Quay would show them with their own
token (the overview, the failures view and a status panel's slow look read it through
:func:`served`)."""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.mirrors.person import Person
from dashboard.watch.models import Enrolment


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
