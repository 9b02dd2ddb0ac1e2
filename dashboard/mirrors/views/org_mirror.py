"""The organization mirror page and its presses.

``GET  /org/<org>/mirror/``            the page (htmx ``?poll=1``: its live part only)
``POST /org/<org>/mirror/sync-now/``   Sync now
``GET|POST /org/<org>/mirror/cancel/`` confirm (without JavaScript), then Cancel
``POST /org/<org>/mirror/verify/``     Quay's test connection to the source
``GET|POST /org/<org>/mirror/delete/`` confirm, then Delete
``POST /org/<org>/mirror/settings/``   save the settings, or set a new one up (``mode=create``)
``POST /org/<org>/mirror/filters/``       htmx: the filter rows' checks and the preview, as typed
``POST /org/<org>/mirror/filters/rows/``  htmx: the filter editor after adding or removing a row

The filters' editor is the repository form's glob editor (``rule_editor``,
``settings_form.html#rules``); without JavaScript its add/remove buttons post the whole form
to ``settings/``, which draws it again with the row added or removed and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.reauth import quay_login_required, take_pending_submission
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.forms.base import data_from_pending
from dashboard.mirrors.forms.organization import OrgMirrorForm
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.operations import org_admin, press, save
from dashboard.mirrors.overview import orgs as overview_orgs
from dashboard.mirrors.pages import editor as rule_editor
from dashboard.mirrors.pages import org_history
from dashboard.mirrors.pages.audit import audit_rows
from dashboard.mirrors.pages.org_form import discovered_names, filters_context, org_form_context
from dashboard.mirrors.pages.organization import RepoQuery, look
from dashboard.mirrors.pages.repository import RESTORED
from dashboard.mirrors.rules.org_status import during_sync
from dashboard.mirrors.rules.outcomes import Action
from dashboard.quay.fanout import parallel

from ..models import AuditEntry
from .fragments import acting
from .sync import overview_back

ORG_MIRROR = "mirrors/org_mirror.html"
OVERVIEW_ORGS_ANSWER = "mirrors/overview_orgs.html#row_answer"
EDITOR = "mirrors/settings_form.html"
AUDIT_LENGTH = 10


def _context(request: HtmxHttpRequest, org: str, *, poll: bool = False) -> dict:
    """The live part's context. While the settings form shows the "a sync is running" box
    (``sync_box``), the live part's poll URL and presses carry ``box=1``: the first answer
    that finds the sync over lifts the box (``sync_ended``)."""
    client, person, now = acting(request)
    target = OrgTarget(org)
    query = RepoQuery.from_query(request.GET)
    context = look(client, target, now, query, poll=poll, person=person)
    context["may_change"] = person.may_change_org(org)
    config = context.get("config")
    warning = during_sync(config, now) if config is not None else None
    running = warning is not None and not warning.stuck
    box = "1" in (request.GET.get("box"), request.POST.get("box")) and context["may_change"]
    context["sync_ended"] = bool(request.htmx) and box and config is not None and not running
    _mark_box(context, target, query, box and running)
    context["page_url"] = target.url("page")
    return context


def _mark_box(context: dict, target: OrgTarget, query: RepoQuery, box: bool) -> None:
    """Whether the settings form shows the box (``sync_box``), and the poll URL that says so."""
    context["sync_box"] = box
    params = query.params(poll=1, box=1) if box else query.params(poll=1)
    context["poll_url"] = f"{target.url('page')}?{params}"


@require_http_methods(["GET"])
@quay_login_required
@vary_on_headers("HX-Request")
def org_mirror(request: HtmxHttpRequest, org: str) -> HttpResponse:
    poll = request.GET.get("poll") == "1"
    context = _context(request, org, poll=poll)
    if request.htmx and context.get("stale"):
        response = render(request, f"{ORG_MIRROR}#stale_note", context)
        response["HX-Reswap"] = "none"
        return response
    if request.htmx and (poll or request.GET.get("part") == "live"):
        return render(request, f"{ORG_MIRROR}#live", context)
    return _page(request, org, context, _restored(request, org, context))


def _restored(request: HtmxHttpRequest, org: str, context: dict) -> OrgMirrorForm | None:
    """The settings form with what was being submitted when the sign-in ran out (kept by
    ``reauth`` for this page, given back once to the same person), checked as if posted."""
    target = OrgTarget(org)
    pending = take_pending_submission(request, target.url("settings"))
    config = context.get("config")
    if not pending or not context.get("may_change"):
        return None
    if config is None and context.get("missing") != "setup":
        return None
    form = OrgTarget(org).settings_form(data_from_pending(pending), config, acting(request)[2])
    form.is_valid()
    messages.info(request, RESTORED)
    return form


def _page(
    request: HtmxHttpRequest,
    org: str,
    context: dict,
    form: OrgMirrorForm | None = None,
    focus: int | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    """The whole page: the live part's context, the settings form (bound when it comes back
    with Quay's refusals or the person's mistakes, or with a filter row added or removed:
    ``focus`` is then the row that takes the keyboard focus), the audit entries; ``extra``:
    a conflict's context."""
    client, _person, now = acting(request)
    config = context.get("config")
    calls: list[Callable[[], None]] = []
    if config is not None or context.get("missing") == "setup":
        names = context.get("names")
        calls.append(
            lambda: context.update(org_form_context(client, org, config, names, form, focus, now))
        )
    if config is not None:

        def read_history() -> None:
            context["history"], context["history_error"] = org_history.history(client, org, config)

        calls.append(read_history)
    parallel(*calls)  # the robots and the history at once: each says its own failure
    context.update(extra or {})
    if context.get("syncing") or context.get("confirm_sync"):  # the form shows the box
        _mark_box(context, OrgTarget(org), RepoQuery.from_query(request.GET), True)
    context["audit"] = audit_rows(
        AuditEntry.objects.filter(namespace=org, repository="")[:AUDIT_LENGTH], True, now
    )
    return render(request, ORG_MIRROR, context)


@require_POST
@quay_login_required(keeps_form="external_registry_url")
def org_settings(request: HtmxHttpRequest, org: str) -> HttpResponse:
    client, person, now = acting(request)
    target = OrgTarget(org)
    action = request.POST.get("rules_action", "")
    if action:  # the filter editor without JavaScript: a row added or removed, nothing sent
        context = _context(request, org)
        posted = rule_editor.rows_after(request.POST, action, rule_editor.REPOSITORY_FILTERS)
        form = target.settings_form(posted, context.get("config"), now)
        form.suppress_errors()
        rows = posted.getlist("repository_filters")
        return _page(request, org, context, form, rule_editor.focus_after(action, rows))
    result = save.save(client, person, target, request.POST, now)
    for level, text in result.messages:
        messages.add_message(request, getattr(messages, level.upper()), text)
    if result.done:
        return HttpResponseRedirect(target.url("page"))
    # The form back (what was typed, never the password): why is said on top of it, in the
    # summary that links to each field in error and each confirmation asked.
    return _page(request, org, _context(request, org), result.form, extra=result.extra)


def _names(request: HtmxHttpRequest, org: str) -> list[str] | None:
    """The discovered names (none yet when the form sets a mirror up)."""
    if request.POST.get("mode") == "create":
        return []
    return discovered_names(acting(request)[0], org)


@require_POST
@quay_login_required
def org_filters_check(request: HtmxHttpRequest, org: str) -> HttpResponse:
    """Each filter row's checks (out-of-band) and the preview, as the person types (htmx)."""
    if not request.htmx:
        return HttpResponseRedirect(OrgTarget(org).url("page"))
    rows = request.POST.getlist("repository_filters")
    context = filters_context(org, rows, _names(request, org))
    return render(request, f"{EDITOR}#rules_check", context)


@require_POST
@quay_login_required
def org_filter_rows(request: HtmxHttpRequest, org: str) -> HttpResponse:
    """The filter editor after "add filter" or "remove" (htmx), the focus on the new row or
    the one that took the removed one's place."""
    if not request.htmx:
        return HttpResponseRedirect(OrgTarget(org).url("page"))
    action = request.POST.get("rules_action", "")
    kind = rule_editor.REPOSITORY_FILTERS
    rows = rule_editor.rows_after(request.POST, action, kind).getlist(kind.field)
    focus = rule_editor.focus_after(action, rows)
    context = filters_context(org, rows, _names(request, org), focus=focus)
    return render(request, f"{EDITOR}#rules", context)


def _press(request: HtmxHttpRequest, org: str, action: Action) -> HttpResponse:
    client, person, now = acting(request)
    target = OrgTarget(org)
    result = press.perform(client, person, target, action, now)
    from_row = request.POST.get("view") == "row"
    if request.htmx and from_row:  # an overview row: the row again, from what the press read
        row = overview_orgs.row_after_action(client, target, result, now, person)
        context = {"row": row, "message": result.message, "org_polls": row.polls}
        return render(request, OVERVIEW_ORGS_ANSWER, context)
    if from_row:  # without JavaScript: back to the overview page it was made on
        level = messages.SUCCESS if result.ok else messages.WARNING
        messages.add_message(request, level, result.message)
        return HttpResponseRedirect(overview_back(request))
    if request.htmx:
        context = _context(request, org)
        context["action_result"] = result
        return render(request, f"{ORG_MIRROR}#live", context)
    messages.add_message(
        request, messages.SUCCESS if result.ok else messages.WARNING, result.message
    )
    return HttpResponseRedirect(target.url("page"))


@require_POST
@quay_login_required
def org_sync_now(request: HtmxHttpRequest, org: str) -> HttpResponse:
    return _press(request, org, "sync_now")


@require_http_methods(["GET", "POST"])
@quay_login_required
def org_cancel(request: HtmxHttpRequest, org: str) -> HttpResponse:
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        return _press(request, org, "cancel")
    from_row = request.POST.get("view") == "row"
    context = {
        "page": "confirm_cancel",
        "org": org,
        "view": "row" if from_row else "",
        "back_url": overview_back(request) if from_row else OrgTarget(org).url("page"),
    }
    context.update(_warnings())
    return render(request, ORG_MIRROR, context)


def _warnings() -> dict[str, str]:
    from dashboard.mirrors.rules.org_status import DELETE_WARNING, ORG_CANCEL_WARNING

    return {"cancel_warning": ORG_CANCEL_WARNING, "delete_warning": DELETE_WARNING}


@require_POST
@quay_login_required
def org_verify(request: HtmxHttpRequest, org: str) -> HttpResponse:
    client, _person, now = acting(request)
    verified = org_admin.verify(client, OrgTarget(org))
    if request.htmx:
        return render(request, f"{ORG_MIRROR}#verify_result", {"verified": verified, "now": now})
    text = (
        f"{verified.message} Quay said: “{verified.quay_message}”"
        if verified.quay_message
        else verified.message
    )
    messages.add_message(request, messages.SUCCESS if verified.ok else messages.WARNING, text)
    return HttpResponseRedirect(OrgTarget(org).url("page"))


@require_http_methods(["GET", "POST"])
@quay_login_required
def org_delete(request: HtmxHttpRequest, org: str) -> HttpResponse:
    target = OrgTarget(org)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        client, person, _now = acting(request)
        deleted = org_admin.delete(client, person, target)
        messages.add_message(
            request, messages.SUCCESS if deleted.ok else messages.WARNING, deleted.message
        )
        return HttpResponseRedirect(target.url("page"))
    return render(request, ORG_MIRROR, {"page": "confirm_delete", "org": org, **_warnings()})
