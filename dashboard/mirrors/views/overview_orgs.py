"""``GET /overview/org-mirrors/?org_row=…``: the overview's organization mirrors again (their
section refreshes itself while one of them changes by itself). A fragment, never a page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.overview import orgs as overview_orgs
from dashboard.mirrors.overview.filters import Filters
from dashboard.quay import names

from .fragments import acting, back_to

#: Most organizations one refresh reads.
LIMIT = 200


@require_GET
@quay_login_required
def org_mirrors(request: HtmxHttpRequest) -> HttpResponse:
    if not request.htmx:
        return redirect("mirrors:overview")
    client, person, now = acting(request)
    filters = Filters.from_query(request.GET)
    asked = request.GET.getlist("org_row")
    orgs = list(dict.fromkeys(o for o in asked if names.valid_namespace(o)))[:LIMIT]
    found = overview_orgs.refresh_rows(client, orgs, now, person)
    context = {
        **overview_orgs.section(found, filters),
        "filters": filters,
        "back": back_to(request),
        # The rows asked are those the status filter kept: their counts are not the top line's.
        "recount": not filters.status,
    }
    return render(request, "mirrors/overview_orgs.html#refreshed", context)
