"""The failures view: which mirrors failed in a window, and why (``watch.failures``).

``GET /failures/?window=24h|7d|dates&from=&to=&namespace=&cause=&host=``; the same rows as
CSV at ``/failures/export.csv`` (or ``?format=csv``) with the same filters.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts import access
from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.watch import failures as failed

from .fragments import acting


def _built(request: HtmxHttpRequest) -> tuple[failed.Failures | None, str, datetime]:
    """The page's rows for the page and its CSV alike: the page, or why Quay could not be
    asked (a 401 goes on to a new sign-in); who the person is kept for the next minute."""
    client, person, now = acting(request)
    try:
        page = failed.build(client, person, request.GET, now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return None, error.message, now
    if page.seen_user is not None:  # who they are, for the next minute's pages
        access.seen(request, page.seen_user, now.timestamp())
    return page, "", now


@require_GET
@quay_login_required
def failures(request: HtmxHttpRequest) -> HttpResponse:
    if request.GET.get("format") == "csv":
        return export(request)
    page, error, _ = _built(request)
    if page is None:
        return render(request, "mirrors/failures.html", {"error": error}, status=502)
    return render(request, "mirrors/failures.html", {"page": page, "reasons": failed.causes()})


@require_GET
@quay_login_required
def export(request: HtmxHttpRequest) -> HttpResponse:
    page, error, now = _built(request)
    if page is None:
        return HttpResponse(error, status=502, content_type="text/plain; charset=utf-8")
    if failed.no_file(page):
        return HttpResponse(
            failed.no_file(page), status=409, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(failed.to_csv(page), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{failed.csv_name(page, now)}"'
    return response
