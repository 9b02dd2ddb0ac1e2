"""The live status panel of one mirror, and its Sync now / Cancel buttons.

``GET  /repo/<ns>/<name>/status/``     the panel (htmx: the fragment the panel polls with)
``POST /repo/<ns>/<name>/sync-now/``   press Sync now
``GET|POST /repo/<ns>/<name>/cancel/`` confirm, then cancel

A press from an overview row (``view=row``) answers with the row, built from the config the
press read; from the panel, with the panel's body. Both cost two calls (``sync_actions``).
Without htmx a press redirects, its answer a message: from a row, back to the overview page
it was made on (``next``, a path of this site), from the panel to the repository page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard.accounts.reauth import quay_login_required, safe_next
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.operations import press as sync_actions
from dashboard.mirrors.overview import page as overview
from dashboard.mirrors.pages import live as status_panel
from dashboard.mirrors.rules.outcomes import Action

from . import fragments
from .fragments import STATUS, acting


@require_http_methods(["GET"])
@quay_login_required
@vary_on_headers("HX-Request")
def status(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    client, _, now = acting(request)
    target = RepoTarget(namespace, name)
    if request.GET.get("poll") == "1":
        context = status_panel.poll(
            client, target, now, status_panel.PollState.from_query(request.GET)
        )
    else:
        context = status_panel.first_look(client, target, now)
    if request.htmx and context.get("stale"):
        # A failed poll keeps the last-known panel: nothing is swapped but its stale note.
        response = render(request, f"{STATUS}#stale_note", context)
        response["HX-Reswap"] = "none"
        return response
    if request.htmx:
        return fragments.panel_body(request, context)
    return render(request, STATUS, {**context, "page": "status", "repo_url": target.url("page")})


def _press(request: HtmxHttpRequest, target: RepoTarget, action: Action) -> HttpResponse:
    client, person, now = acting(request)
    result = sync_actions.perform(client, person, target, action, now)
    from_row = request.POST.get("view") == "row"
    if request.htmx and from_row:
        return fragments.row(
            request, overview.row_after_action(client, target, result, now, person), now
        )
    if request.htmx:
        return fragments.panel_body(request, status_panel.after_action(client, target, now, result))
    level = (
        messages.SUCCESS
        if result.ok
        else messages.ERROR
        if from_row or result.refused
        else messages.WARNING
    )
    messages.add_message(request, level, result.message)
    return HttpResponseRedirect(overview_back(request) if from_row else target.url("page"))


def overview_back(request: HtmxHttpRequest) -> str:
    """The overview page an overview row's press (without htmx) was made on, to go back to:
    ``next``, when it is a path of this site (``/?details=all`` and its filters, where a
    browser without JavaScript is), else the overview."""
    return safe_next(request, request.POST.get("next"), default=reverse("mirrors:overview"))


@require_POST
@quay_login_required
def sync_now(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    return _press(request, RepoTarget(namespace, name), "sync_now")


@require_http_methods(["GET", "POST"])
@quay_login_required
def sync_cancel(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    target = RepoTarget(namespace, name)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        return _press(request, target, "cancel")
    if request.htmx:  # htmx sends confirm=yes after its own dialog: this is unexpected
        return HttpResponseClientRedirect(target.url("cancel"))
    from_row = request.POST.get("view") == "row"
    return render(
        request,
        STATUS,
        {
            "page": "confirm_cancel",
            "namespace": namespace,
            "name": name,
            "view": "row" if from_row else "",
            "repo_url": target.url("page"),
            "back_url": overview_back(request) if from_row else target.url("page"),
        },
    )
