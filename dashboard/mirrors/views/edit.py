"""Saving mirror settings, the glob editor's endpoints, and the switch to mirror state.

``POST /repo/<ns>/<name>/settings/``     create or update the mirror config
``POST /repo/<ns>/<name>/rules/``        the editor's rows after adding/removing one (htmx)
``POST /repo/<ns>/<name>/rules/check/``  per-row checks and the preview, as you type (htmx)
``POST /repo/<ns>/<name>/state/``        switch a NORMAL repository to MIRROR

What a save does is ``operations.save``; the editor is ``pages.editor``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.operations import save as mirror_settings
from dashboard.mirrors.operations import state as repository_state
from dashboard.mirrors.pages import editor as rule_editor
from dashboard.mirrors.pages import repository as repository_page
from dashboard.quay.cache import fresh

from . import fragments
from .fragments import REPOSITORY, acting

RULES_TEMPLATE = "mirrors/settings_form.html"


@require_http_methods(["GET", "POST"])
@quay_login_required(keeps_form=True)
def save_settings(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    target = RepoTarget(namespace, name)
    if request.method == "GET":  # e.g. back here after signing in again
        return HttpResponseRedirect(target.url("page"))
    client, person, now = acting(request)
    action = request.POST.get("rules_action", "")
    if action:  # the editor without JavaScript: a row added or removed, nothing sent
        data = repository_page.load(client, person, target, now)
        bound = rule_editor.rows_after(request.POST, action)
        form = repository_page.build_form(data, bound=bound, creating=not bound.get("loaded"))
        form.suppress_errors()
        extra = {"focus_rules": True, "creating": form.creating}
        context, status = repository_page.page(data, now, form=form, extra=extra)
        return render(request, REPOSITORY, context, status=status)
    result = mirror_settings.save(client, person, target, request.POST, now)
    fragments.say(request, result.messages)
    if result.done:
        return HttpResponseRedirect(target.url("page"))
    # The page again, read afresh as the save was: it shows what Quay holds now.
    data = repository_page.load(fresh(client), person, target, now)
    context, status = repository_page.page(data, now, form=result.form, extra=result.extra)
    return render(request, REPOSITORY, context, status=status)


@require_POST
@quay_login_required(keeps_form="external_reference")
def rules(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """The editor's rows after "add pattern" or "remove" (htmx); the page without htmx.

    Keyboard focus goes to the new row, or after a removal to the row that took the removed
    one's place (the one before it when the last row was removed).
    """
    target = RepoTarget(namespace, name)
    if not request.htmx:
        return HttpResponseRedirect(target.url("page"))
    action = request.POST.get("rules_action", "")
    rows = rule_editor.rows_after(request.POST, action).getlist("root_rule")
    focus = rule_editor.focus_after(action, rows)
    context = rule_editor.editor(request.quay, target, request.POST, rows, focus)
    return render(request, f"{RULES_TEMPLATE}#rules", context)


@require_POST
@quay_login_required(keeps_form="external_reference")
def rules_check(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """Each row's checks (out-of-band) and the preview, while the person types (htmx)."""
    target = RepoTarget(namespace, name)
    if not request.htmx:
        return HttpResponseRedirect(target.url("page"))
    rows = request.POST.getlist("root_rule")
    context = rule_editor.editor(request.quay, target, request.POST, rows)
    return render(request, f"{RULES_TEMPLATE}#rules_check", context)


@require_POST
@quay_login_required
def switch_state(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """Put a repository in mirror state (after an explicit confirmation)."""
    client, person, _ = acting(request)
    target = RepoTarget(namespace, name)
    confirmed = request.POST.get("confirm") == "yes"
    result = repository_state.switch_to_mirror(client, person, target, confirmed=confirmed)
    messages.add_message(request, getattr(messages, result.level.upper()), result.message)
    return HttpResponseRedirect(target.url("page"))
