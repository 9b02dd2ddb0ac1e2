"""The dashboard's own audit trail: who changed which mirror, when, and whether it took effect.

``GET /audit/?namespace=&repository=&person=&page=``

A person sees the entries of the namespaces they belong to (everything for a Quay superuser).
The values of a change (a source, a proxy, a username) are shown only for repositories whose
mirror config Quay shows the person: one ``get_mirror`` per repository on the page, in
parallel.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.quay.fanout import fan_out, parallel

from ..models import AuditEntry
from ..overview import global_health
from .repository import audit_rows, can_read_config

PER_PAGE = 50


@require_GET
@quay_login_required
def audit(request: HtmxHttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.all()
    notice = ""
    got_user, got_health = parallel(
        request.quay.get_user,
        lambda: global_health(request.quay),
    )
    if got_user.error is not None:
        entries = entries.filter(username=request.user.get_username())
        notice = (
            f"Your namespaces could not be read from Quay ({got_user.error.message}): "
            "only your own entries are shown."
        )
    elif got_health.value is None:  # not a superuser: the person's own namespaces only
        entries = entries.filter(namespace__in=got_user.value.namespaces)

    namespaces = sorted(set(entries.values_list("namespace", flat=True)))
    people = sorted(set(entries.values_list("username", flat=True)))
    filters = {
        "namespace": request.GET.get("namespace", "").strip(),
        "repository": request.GET.get("repository", "").strip(),
        "person": request.GET.get("person", "").strip(),
    }
    if filters["namespace"]:
        entries = entries.filter(namespace=filters["namespace"])
    if filters["repository"]:
        entries = entries.filter(repository__icontains=filters["repository"])
    if filters["person"]:
        entries = entries.filter(username=filters["person"])

    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    readable = _readable_configs(request, {(e.namespace, e.repository) for e in shown})
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "mirrors/audit.html",
        {
            "page_obj": page,
            "rows": audit_rows(
                shown, values=lambda entry: (entry.namespace, entry.repository) in readable
            ),
            "filters": filters,
            "namespaces": namespaces,
            "people": people,
            "notice": notice,
            "query": query,
        },
    )


def _readable_configs(
    request: HtmxHttpRequest, repos: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The repositories whose mirror config Quay shows this person (a 401 propagates)."""
    quay = request.quay
    outcomes = fan_out(lambda repo: quay.get_mirror(*repo), sorted(repos))
    return {outcome.item for outcome in outcomes if can_read_config(outcome)}
