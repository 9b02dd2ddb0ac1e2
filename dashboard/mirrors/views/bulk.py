"""A bulk settings change (``operations.bulk``), from the overview's selection or a failure
group: ``POST /bulk/settings/`` the mirrors chosen → ``/bulk/<pk>/`` the form (only the
fields to change), its preview (``POST …/preview/``), Apply (``POST …/apply/``, a task on the
watcher's queue), then the results as they come (the same URL, polled by htmx; without it, a
refresh). ``/bulk/`` lists the person's recent runs, to open one again."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard.accounts.reauth import quay_login_required, safe_next
from dashboard.accounts.tokens import get_token
from dashboard.formposts import post_only
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors import tasks
from dashboard.mirrors.ascode.bulkrun import from_file
from dashboard.mirrors.forms.bulk import BulkSettingsForm
from dashboard.mirrors.models import BulkRun
from dashboard.mirrors.operations import bulk
from dashboard.mirrors.pages import bulk as pages

from . import fragments
from .fragments import acting

PAGE = "mirrors/bulk.html"


def _run(request: HtmxHttpRequest, pk: int) -> BulkRun | None:
    """The person's own run ``pk`` (``None``: none, or someone else's: :func:`_not_found`)."""
    return bulk.run_of(acting(request)[1], pk)


def _not_found(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return render(request, "mirrors/bulk_not_found.html", {"pk": pk}, status=404)


@post_only("mirrors:overview")
@quay_login_required
def start(request: HtmxHttpRequest) -> HttpResponse:
    """The mirrors chosen, kept as a new run; then its form."""
    chosen = fragments.selected(request, bulk.MAX_MIRRORS)
    if not chosen:
        error = "Select at least one mirror first (tick its box)."
        if request.htmx:  # the overview's bulk bar: its answer goes on top of the page
            return render(request, f"{fragments.OVERVIEW}#bulk_results", {"error": error})
        fragments.say(request, [("error", error)])
        return redirect(safe_next(request, request.POST.get("next")))
    run = bulk.draft(acting(request)[1], chosen)
    url = run_url(run)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def run_url(run: BulkRun) -> str:
    return reverse("mirrors:bulk-run", args=[run.pk])


@require_GET
@quay_login_required
@vary_on_headers("HX-Request")
def run_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The form, the preview or the results (with htmx: the results part, polled)."""
    run = _run(request, pk)
    if run is None:
        return _not_found(request, pk)
    form = pages.form_for(run) if request.GET.get("edit") and not from_file(run) else None
    context = pages.page(run, form)
    return render(request, f"{PAGE}#results" if request.htmx else PAGE, context)


@post_only("mirrors:bulk-run", "pk")
@quay_login_required
def preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Judge the values on every mirror (one read each), then show the preview."""
    run = _run(request, pk)
    if run is None:
        return _not_found(request, pk)
    client, _person, now = acting(request)
    form = BulkSettingsForm(request.POST)
    if run.state not in (BulkRun.State.DRAFT, BulkRun.State.PREVIEW) or from_file(run):
        return redirect(run_url(run))  # applied already (its results), or a file's plan
    if not form.judge(now):
        return render(request, PAGE, pages.page(run, form), status=400)
    bulk.preview(client, run, form.cleaned_data, now)
    return redirect(run_url(run))


@post_only("mirrors:bulk-run", "pk")
@quay_login_required
def apply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Queue the apply of the preview (once: a second press shows the same run)."""
    run = _run(request, pk)
    if run is None:
        return _not_found(request, pk)
    bulk.start(run, get_token(request) or "", tasks.apply_bulk)
    return redirect(run_url(run))


@require_GET
@quay_login_required
def runs(request: HtmxHttpRequest) -> HttpResponse:
    """The person's recent bulk changes."""
    return render(request, "mirrors/bulk_runs.html", pages.listing(acting(request)[1]))
