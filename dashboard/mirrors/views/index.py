"""The overview (``/``): every mirror the person can see, and bulk Sync now / Cancel.

The page is drawn from mirror health at once (``overview.first_paint``); its rows'
details, the listings and the tab's refresh come as fragments (``overview_parts``). With
``details=all`` (where a browser without JavaScript is sent) it is drawn whole, every row
with its details (``overview.page``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts import access
from dashboard.accounts.reauth import quay_login_required, safe_next
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.operations import press
from dashboard.mirrors.overview import first_paint as overview_first_paint
from dashboard.mirrors.overview import page as rows
from dashboard.mirrors.overview import table
from dashboard.mirrors.overview.filters import Filters
from dashboard.mirrors.overview.row_base import FILTER_CHOICES
from dashboard.mirrors.rules.poll import PollState
from dashboard.quay.errors import QuayError, QuayUnauthorized

from . import fragments
from .fragments import OVERVIEW, acting

#: Upper bound of repositories one bulk action may touch.
BULK_LIMIT = 500
BULK_ACTIONS = {"sync_now": "Sync now", "cancel": "Cancel"}


@require_GET
@quay_login_required
@vary_on_headers("HX-Request")
def overview(request: HtmxHttpRequest) -> HttpResponse:
    client, person, now = acting(request)
    filters = Filters.from_query(request.GET)
    context: dict[str, Any] = {"filters": filters, "status_choices": FILTER_CHOICES}
    template = f"{OVERVIEW}#results" if request.htmx else OVERVIEW
    build = rows.page if filters.full else overview_first_paint.first_paint
    try:
        context.update(build(client, person, filters, now), back=fragments.back_to(request))
    except QuayUnauthorized:
        raise
    except QuayError as error:
        context["error"] = error.message
        return render(request, template, context, status=200 if request.htmx else 502)
    if context.get("seen_user") is not None:
        access.seen(request, context["seen_user"], now.timestamp())
    return render(request, template, context)


@require_GET
@quay_login_required
def export_csv(request: HtmxHttpRequest) -> HttpResponse:
    """``GET /overview.csv?<the overview's filters>``: the rows the overview lists, as CSV."""
    client, person, now = acting(request)
    try:
        found = table.build(client, person, Filters.from_query(request.GET), now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return HttpResponse(error.message, status=502, content_type="text/plain; charset=utf-8")
    if found.incomplete:
        words = f"{found.incomplete} No file was made: it would leave their mirrors out."
        return HttpResponse(words, status=502, content_type="text/plain; charset=utf-8")
    text = table.to_csv(found, request.build_absolute_uri)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.file_name(now)}"'
    return response


@require_GET
@quay_login_required
def row(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """``GET /repo/<ns>/<name>/row/``: the row again, read afresh ("Try again" on a row
    whose details could not be read).

    A fragment for htmx; a browser that opens the URL itself goes to the repository page.
    """
    if not request.htmx:
        return redirect("mirrors:repo", namespace, name)
    client, person, now = acting(request)
    state = PollState.from_query(request.GET)
    found = rows.read_row(client, RepoTarget(namespace, name), now, state, person)
    return fragments.row(request, found, now)


@require_POST
@quay_login_required
def bulk(request: HtmxHttpRequest) -> HttpResponse:
    """``POST /bulk/``: Sync now or Cancel for every selected row, in parallel; one result each.

    With htmx the answer is the results list plus the affected rows (built from what each
    press read: no call more), swapped in out-of-band. Without it (no JavaScript), Cancel asks
    on a page first; then the browser goes back to the overview page the press was made on
    (``next``, a path of this site), the same results list at its top.
    """
    action = request.POST.get("action", "")
    selected = fragments.selected(request, BULK_LIMIT)
    context: dict[str, Any] = {
        "back": safe_next(request, request.POST.get("next")),
        "action_label": BULK_ACTIONS.get(action, ""),
    }
    if action not in BULK_ACTIONS:
        context["error"] = "Choose Sync now or Cancel."
    elif not selected:
        context["error"] = "Select at least one repository first (tick the boxes in the rows)."
    elif action == "cancel" and not request.htmx and request.POST.get("confirm") != "yes":
        # Without JavaScript there was no dialog: ask on a page first (htmx asks with
        # hx-confirm before it posts).
        context.update(rows.bulk_selection(selected))
        return render(request, "mirrors/overview_bulk.html", context)
    else:
        client, person, now = acting(request)
        every = press.perform_all(client, person, selected, action, now)  # type: ignore[arg-type]
        context.update(rows.bulk_answer(client, person, every, now, redraw=bool(request.htmx)))
    if request.htmx:
        return render(request, f"{OVERVIEW}#bulk_results", context)
    fragments.say_results(request, render_to_string(f"{OVERVIEW}#bulk_results", context, request))
    return redirect(context["back"])
