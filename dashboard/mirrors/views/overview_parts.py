"""What the overview page asks for after its first paint (htmx fragments, never pages):

``GET  /overview/listing/``  the rows only the repository listings tell (once, at load)
``GET  /overview/details/``  the details of a batch of rows (``row`` = their states)
``GET  /overview/results/``  the last finished sync of a batch of rows (``repo`` = names)
``POST /overview/refresh/``  the tab's one refresh of its active rows (``rows``: their states)

A browser that opens one of these itself goes to the overview.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.overview import details as overview_details
from dashboard.mirrors.overview import listing as overview_listing
from dashboard.mirrors.overview import refresh as overview_refresh
from dashboard.mirrors.overview.filters import Filters
from dashboard.mirrors.overview.row_state import decode_all
from dashboard.mirrors.rules.timefmt import from_unix_param
from dashboard.quay import names
from dashboard.quay.errors import QuayError, QuayUnauthorized

from .fragments import OVERVIEW, acting, back_to

#: Most rows one refresh may carry.
REFRESH_LIMIT = 4000


def fragment_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A fragment of the overview: a browser that opens its URL itself goes to the overview."""

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.htmx:
            return redirect("mirrors:overview")
        return view(request, *args, **kwargs)

    return wrapper


def _fragment(request: HtmxHttpRequest, name: str, context: dict) -> HttpResponse:
    _, person, _ = acting(request)
    context = {**context, "back": back_to(request), "person": person}
    return render(request, f"{OVERVIEW}#{name}", context)


@require_GET
@quay_login_required
@fragment_only
def listing(request: HtmxHttpRequest) -> HttpResponse:
    client, person, now = acting(request)
    filters = Filters.from_query(request.GET)
    drawn_at = from_unix_param(request.GET.get("at")) or now
    try:
        superuser = request.GET.get("su") != "0"
        later = request.GET.get("later", "")[:40]
        after = request.GET.get("after", "")
        listed = overview_listing.listing(
            client,
            person,
            filters,
            now,
            drawn_at,
            superuser=superuser,
            later=later,
            after=min(int(after), 100_000) if after.isdigit() else 0,
        )
    except QuayUnauthorized:
        raise
    except QuayError as error:
        context = {"error": error.message, "later": bool(later)}
        return _fragment(request, "listing_failed", context)
    return _fragment(request, "listed", {"listed": listed, "filters": filters})


@require_GET
@quay_login_required
@fragment_only
def details(request: HtmxHttpRequest) -> HttpResponse:
    client, person, now = acting(request)
    states = decode_all(request.GET.getlist("row"), overview_details.BATCH_LIMIT)
    filters = Filters.from_query(request.GET)
    done = overview_details.details(client, states, filters, now, person)
    return _fragment(request, "detailed", {"detailed": done, "filters": filters})


@require_GET
@quay_login_required
@fragment_only
def results(request: HtmxHttpRequest) -> HttpResponse:
    pairs = [names.split_full_name(value) for value in request.GET.getlist("repo")]
    targets = [RepoTarget(*pair) for pair in pairs if pair is not None]
    answers = overview_details.results(request.quay, targets[: overview_details.BATCH_LIMIT])
    return _fragment(request, "last_results", {"answers": answers})


@require_POST
@quay_login_required
@fragment_only
def refresh(request: HtmxHttpRequest) -> HttpResponse:
    client, person, now = acting(request)
    # The page sends every watched row's state in one field, one a line (overview.js).
    values = request.POST.getlist("row") + request.POST.get("rows", "").splitlines()
    states = decode_all(values, REFRESH_LIMIT)
    interval = _int(request.POST.get("interval"))
    as_of = from_unix_param(request.POST.get("as_of")) or now
    done = overview_refresh.refresh(
        client, states, now, interval=interval, as_of=as_of, person=person
    )
    return _fragment(request, "refreshed", {"refreshed": done, "refresh": done.tab})


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
