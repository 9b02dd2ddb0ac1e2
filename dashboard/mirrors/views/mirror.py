"""A mirror's page and what it posts, for every kind (the URL names the mirror: ``target_of``).

``GET  /repo/<ns>/<name>/``  ``/org/<org>/mirror/``        the page (an organization's, with
                                                            ``poll=1``: its live part)
``GET  /repo/<ns>/<name>/status/``                          a repository's live status
``POST …/sync-now/``  ``GET|POST …/cancel/``                the presses (Cancel asks first
                                                            without JavaScript)
``POST …/settings/``                                        save (or set up) the settings
``POST …/rules/``  ``…/rules/check/``  (``…/filters/rows/``  ``…/filters/``)
                                                            the glob editor (htmx)

What a page shows is its kind's page module's (``pages.mirror``), its live part the one live
flow's (``pages.live``); what a press or a save does is ``operations``'. A press from an
overview row (``view=row``) answers with the row; without htmx a press redirects, its answer
a message: from a row, back to the overview page it was made on (``next``, a path of this
site), else to the mirror's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard.accounts.reauth import quay_login_required, take_pending_submission
from dashboard.http import HtmxHttpRequest
from dashboard.quay.cache import fresh

from ..kinds import target_of
from ..kinds.base import MirrorKind
from ..operations import press, save
from ..overview.page import row_after_press
from ..pages import live as live_part
from ..pages.mirror import EDITOR, MirrorPage, confirm, module_of
from ..rules.outcomes import Action
from . import fragments
from .fragments import acting, overview_back

LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}


def draw(request: HtmxHttpRequest, built: MirrorPage) -> HttpResponse:
    """A page (or a part of one) as its kind's page module built it."""
    fragments.say(request, built.messages)
    response = render(request, built.template, built.context, status=built.status)
    if built.stale or built.unchanged:  # the part on the page stays: only its notes are drawn
        response["HX-Reswap"] = "none"
    return response


@require_GET
@quay_login_required
@vary_on_headers("HX-Request")
def page(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    target = target_of(names)
    shared = target.url("live") == target.url("page")  # an organization's page URL
    live_part = request.GET.get("poll") == "1" or request.GET.get("part") == "live"
    if shared and request.htmx and live_part:
        return live(request, **names)  # serves its live part to htmx; a browser, the page
    client, person, now = acting(request)
    pending = take_pending_submission(request, target.url("settings"))
    built = module_of(target).page(client, person, target, now, query=request.GET, pending=pending)
    return draw(request, built)


@require_GET
@quay_login_required
@vary_on_headers("HX-Request")
def live(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    client, person, now = acting(request)
    target = target_of(names)
    built = live_part.live(client, person, target, now, request.GET, htmx=bool(request.htmx))
    return draw(request, built)


def _press(request: HtmxHttpRequest, target: MirrorKind, action: Action) -> HttpResponse:
    client, person, now = acting(request)
    client = press.bounded(client)  # the press and what is drawn after it: one timeout
    result = press.perform(client, person, target, action, now)
    from_row = request.POST.get("view") == "row"
    if request.htmx and from_row:  # an overview row: the row again, from what the press read
        template, context = row_after_press(client, person, target, result, now)
        return render(request, template, {**context, "back": fragments.back_to(request)})
    if request.htmx:
        built = live_part.after_press(client, person, target, result, now, request.POST)
        return draw(request, built)
    level = messages.ERROR if from_row and not result.ok else LEVELS[result.level]
    messages.add_message(request, level, result.message)
    return HttpResponseRedirect(overview_back(request) if from_row else target.url("page"))


@require_POST
@quay_login_required
def sync_now(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    return _press(request, target_of(names), "sync_now")


@require_http_methods(["GET", "POST"])
@quay_login_required
def cancel(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    target = target_of(names)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        return _press(request, target, "cancel")
    if request.htmx:  # htmx sends confirm=yes after its own dialog: this is unexpected
        return HttpResponseClientRedirect(target.url("cancel"))
    from_row = request.POST.get("view") == "row"
    back = overview_back(request) if from_row else target.url("page")
    return draw(request, confirm(target, "cancel", back, from_row))


@require_http_methods(["GET", "POST"])
@quay_login_required(keeps_form=True)
def settings(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    target = target_of(names)
    if request.method == "GET":  # e.g. back here after signing in again
        return HttpResponseRedirect(target.url("page"))
    client, person, now = acting(request)
    module = module_of(target)
    action = request.POST.get("rules_action", "")
    if action:  # the editor without JavaScript: a row added or removed, nothing sent
        edit = (request.POST, action)
        return draw(request, module.page(client, person, target, now, query={}, edit=edit))
    result = save.save(client, person, target, request.POST, now)
    fragments.say(request, result.messages)
    if result.done:
        return HttpResponseRedirect(target.url("page"))
    # The page again with the form as it was sent back, drawn from what the save just read
    # (the read cache), or from Quay afresh when the save could not read it.
    reader = fresh(client) if result.unreadable else client
    built = module.page(reader, person, target, now, query={}, form=result.form, extra=result.extra)
    return draw(request, built)


#: A field of every kind's settings form: sent, the whole form was (see ``keeps_form``).
WHOLE_FORM = "sync_interval_value"


@require_POST
@quay_login_required(keeps_form=WHOLE_FORM)
def rules(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    """The editor's rows after "add" or "remove" (htmx); the keyboard focus goes to the new
    row, or after a removal to the row that took the removed one's place."""
    target = target_of(names)
    if not request.htmx:
        return HttpResponseRedirect(target.url("page"))
    action = request.POST.get("rules_action", "")
    context = module_of(target).editor(request.quay, target, request.POST, action)
    return render(request, f"{EDITOR}#rules", context)


@require_POST
@quay_login_required(keeps_form=WHOLE_FORM)
def rules_check(request: HtmxHttpRequest, **names: str) -> HttpResponse:
    """Each row's checks (out of band) and the preview, while the person types (htmx)."""
    target = target_of(names)
    if not request.htmx:
        return HttpResponseRedirect(target.url("page"))
    context = module_of(target).editor(request.quay, target, request.POST)
    return render(request, f"{EDITOR}#rules_check", context)
