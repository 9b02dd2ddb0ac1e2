"""The failures view: which mirrors failed in a window, and why (``watch.failures``).

``GET /failures/?window=24h|7d|dates&from=&to=&namespace=&cause=&host=``; the same rows as
CSV at ``/failures/export.csv`` (or ``?format=csv``) with the same filters.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts import access
from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.watch import failures as failed

from .fragments import acting


@require_GET
@quay_login_required
def failures(request: HtmxHttpRequest) -> HttpResponse:
    if request.GET.get("format") == "csv":
        return export(request)
    client, person, now = acting(request)
    try:
        page = failed.build(client, person, request.GET, now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return render(request, "mirrors/failures.html", {"error": error.message}, status=502)
    if page.seen_user is not None:  # who they are, for the next minute's pages
        access.seen(request, page.seen_user, now.timestamp())
    return render(request, "mirrors/failures.html", {"page": page, "reasons": failed.causes()})


@require_GET
@quay_login_required
def export(request: HtmxHttpRequest) -> HttpResponse:
    client, person, now = acting(request)
    try:
        page = failed.build(client, person, request.GET, now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return HttpResponse(error.message, status=502, content_type="text/plain; charset=utf-8")
    response = HttpResponse(failed.to_csv(page), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{failed.csv_name(page, now)}"'
    return response
