"""The live status panel of one mirror, and its Sync now / Cancel buttons.

``GET  /repo/<ns>/<name>/status/``    the panel (htmx: the fragment the panel polls with)
``POST /repo/<ns>/<name>/sync-now/``  press Sync now
``GET|POST /repo/<ns>/<name>/cancel/`` confirm, then cancel

A poll costs one upstream call (``get_mirror``). The usage log is read only when the panel is
first shown, when a queued sync's start time is not yet known, and once when a sync ends (to
show its result): the panel carries what it knows in its own poll URL.

The repository page builds the panel's context with :func:`panel_context` and includes
``mirrors/status.html#panel``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.quay.errors import QuayError, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import parallel, quietly
from dashboard.quay.models import LogEntry, MirrorConfig

from .. import status as mirror_status
from ..actions import CANCEL_WARNING, ActionResult, perform
from ..timefmt import from_unix_param

TEMPLATE = "mirrors/status.html"
#: What the status panel's poll may say it showed last (``?was=``): MirrorStatus labels.
_KNOWN_LABELS = {
    "Never synced",
    "Queued",
    "Syncing",
    "Synced",
    "Failed",
    "Cancelled",
    "Stuck",
    "Disabled",
}

#: What the panel showed while it polled (a queued-too-long sync polls as "Stuck").
ACTIVE_LABELS = ("Queued", "Syncing", "Stuck")


# -- building the panel ------------------------------------------------------------------------


def panel_context(
    namespace: str,
    name: str,
    *,
    mirror: MirrorConfig | None,
    logs: Sequence[LogEntry] | None = None,
    queued_since: datetime | None = None,
    error: str | None = None,
    missing: str | None = None,
    action_result: ActionResult | None = None,
    previous_label: str | None = None,
    keep_polling: bool = False,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Everything ``mirrors/status.html#panel`` shows.

    ``logs``: the repository's mirror log entries (newest first), for the last result and for
    how long a Sync now has been queued. ``error``: why Quay could not be read; with
    ``keep_polling`` the panel keeps trying (a poll of an active sync failed). ``missing``:
    ``"no_config"`` or ``"no_repo"`` when Quay has no mirror config to show.
    """
    now = now or mirror_status.current_time()
    last = mirror_status.last_result(logs) if logs else None
    if queued_since is None and logs:
        queued_since = mirror_status.queued_since(logs)
    status = (
        mirror_status.describe(
            mirror,
            now,
            queued_since=queued_since,
            last_event_at=last.datetime if last else None,
        )
        if mirror is not None
        else None
    )
    queued = mirror is not None and mirror.sync_status == "SYNC_NOW"
    polling = (status is not None and status.changes_by_itself) or (
        error is not None and keep_polling
    )
    was_active = previous_label in ACTIVE_LABELS
    sync_ended = was_active and status is not None and not status.is_active
    announce = ""
    if status is not None and previous_label and previous_label != status.label:
        announce = f"Status of {namespace}/{name}: {status.label}, {status.detail}."
    poll_params: dict[str, Any] = {"poll": 1}
    if status is not None:
        poll_params["was"] = status.label
        poll_params["at"] = int(now.timestamp())  # when the panel was last read from Quay
    elif previous_label:
        poll_params["was"] = previous_label
    if status is None and as_of is not None:
        poll_params["at"] = int(as_of.timestamp())
    if queued or (mirror is None and queued_since is not None):
        # What the log said about when Sync now was pressed; 0: looked, not found (or could
        # not be read) -- either way the next polls need not read the log for it again.
        poll_params["queued"] = int(queued_since.timestamp()) if queued_since else 0
    return {
        "namespace": namespace,
        "name": name,
        "mirror": mirror,
        "status": status,
        "now": now,
        "last_event": mirror_status.summarize_event(last) if last else None,
        "action_result": action_result,
        "panel_error": error,
        "missing": missing,
        "polling": polling,
        "poll_url": f"{reverse('mirrors:status', args=[namespace, name])}?{urlencode(poll_params)}",
        "announce": announce,
        "sync_ended": sync_ended,
        "cancel_warning": CANCEL_WARNING,
        "queued_since": queued_since if queued else None,
        "claimed": mirror_status.claimed_at(mirror) if mirror is not None else None,
    }


def _raise_unauthorized(*outcomes: Any) -> None:
    for outcome in outcomes:
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error


def _missing(quay: Any, namespace: str, name: str) -> tuple[str, str]:
    """After ``get_mirror`` said 404: no config, or no repository at all?"""
    try:
        repo = quay.get_repository(namespace, name)
    except QuayUnauthorized:
        raise
    except QuayError:
        return "no_repo", f"Quay has no repository {namespace}/{name} that you can see."
    if not repo.is_mirror:
        return "no_config", (
            f"{namespace}/{name} is not mirrored (its state is {repo.state}): "
            "there is no mirror config to show."
        )
    return "no_config", f"{namespace}/{name} is set to mirror but has no mirror config yet."


def load_panel(
    request: Any,
    namespace: str,
    name: str,
    *,
    poll: bool = False,
    previous_label: str | None = None,
    queued_since: datetime | None = None,
    queue_checked: bool = False,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Read what the panel needs from Quay and build its context.

    ``as_of``: when the panel on the page was last read (a failed poll says "as of" then).

    A poll (``poll=True``) reads only the config, unless the sync just ended (then the log,
    for the result) or a queued sync's start is unknown (then the log, once).
    """
    quay = request.quay
    logs: list[LogEntry] | None = None
    if poll:
        try:
            mirror = quay.get_mirror(namespace, name)
        except QuayUnauthorized:
            raise
        except QuayNotFound:
            missing, message = _missing(quay, namespace, name)
            return panel_context(namespace, name, mirror=None, error=message, missing=missing)
        except QuayError as error:
            context = panel_context(
                namespace,
                name,
                mirror=None,
                error=f"Could not refresh the status: {error.message} Trying again…",
                previous_label=previous_label,
                keep_polling=True,
                as_of=as_of,
            )
            # The panel on the page stays as it was (status, times, buttons), marked stale.
            context.update(stale=True, stale_reason=error.message, as_of=as_of)
            return context
        ended = not mirror.sync_status.is_active and previous_label in ACTIVE_LABELS
        unknown_queue = (
            mirror.sync_status == "SYNC_NOW" and queued_since is None and not queue_checked
        )
        if ended or unknown_queue:
            logs = quietly(quay.list_logs, namespace, name)
    else:
        got_mirror, got_logs = parallel(
            lambda: quay.get_mirror(namespace, name),
            lambda: quay.list_logs(namespace, name),
        )
        _raise_unauthorized(got_mirror, got_logs)
        if isinstance(got_mirror.error, QuayNotFound):
            missing, message = _missing(quay, namespace, name)
            return panel_context(namespace, name, mirror=None, error=message, missing=missing)
        if got_mirror.error is not None:
            return panel_context(
                namespace,
                name,
                mirror=None,
                error=f"Could not read the status from Quay: {got_mirror.error.message}",
            )
        mirror = got_mirror.value
        logs = got_logs.value if got_logs.ok else None
    return panel_context(
        namespace,
        name,
        mirror=mirror,
        logs=logs,
        queued_since=queued_since,
        previous_label=previous_label,
    )


def repo_url(namespace: str, name: str) -> str:
    """The repository page, where the panel lives."""
    return reverse("mirrors:repo", args=[namespace, name])


# -- views -------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@quay_login_required
@vary_on_headers("HX-Request")
def status(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    was = request.GET.get("was")
    context = load_panel(
        request,
        namespace,
        name,
        poll=request.GET.get("poll") == "1",
        previous_label=was if was in _KNOWN_LABELS else None,
        queued_since=from_unix_param(request.GET.get("queued")),
        queue_checked="queued" in request.GET,
        as_of=from_unix_param(request.GET.get("at")),
    )
    if request.GET.get("ro") == "1":  # the page said: read-only (Quay refuses presses anyway)
        context["can_admin"] = False
    if request.htmx and context.get("stale"):
        # A failed poll keeps the last-known panel: nothing is swapped but its stale note.
        response = render(request, f"{TEMPLATE}#stale_note", context)
        response["HX-Reswap"] = "none"
        return response
    if request.htmx:
        return render(request, f"{TEMPLATE}#panel_body", context)
    return render(
        request, TEMPLATE, {**context, "page": "status", "repo_url": repo_url(namespace, name)}
    )


def _after_action(
    request: HtmxHttpRequest, namespace: str, name: str, result: ActionResult
) -> HttpResponse:
    if request.POST.get("view") == "row":
        if request.htmx:
            from .overview import render_row  # the overview's row, with the result in it

            return render_row(request, namespace, name, result.message)
        (messages.success if result.ok else messages.error)(request, result.message)
        return HttpResponseRedirect(reverse("mirrors:overview"))
    if not request.htmx:
        (messages.success if result.ok else messages.warning)(request, result.message)
        return HttpResponseRedirect(repo_url(namespace, name))
    mirror, error, missing = result.mirror, None, None
    if result.outcome in ("no_config", "no_repo"):
        missing = result.outcome  # the result says it all; nothing to show a status of
    elif mirror is None:  # the action failed before reading: show the status as it is
        try:
            mirror = request.quay.get_mirror(namespace, name)
        except QuayUnauthorized:
            raise
        except QuayError as failure:
            error = f"Could not read the status: {failure.message}"
    context = panel_context(
        namespace,
        name,
        mirror=mirror,
        queued_since=mirror_status.current_time()
        if result.action == "sync_now" and result.outcome == "done"
        else None,
        error=error,
        missing=missing,
        keep_polling=result.ok,
        action_result=result,
    )
    return render(request, f"{TEMPLATE}#panel_body", context)


@require_POST
@quay_login_required
def sync_now(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    result = perform(request, namespace, name, "sync_now")
    return _after_action(request, namespace, name, result)


@require_http_methods(["GET", "POST"])
@quay_login_required
def sync_cancel(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        if request.htmx:  # htmx sends confirm=yes after its own dialog: this is unexpected
            return HttpResponseClientRedirect(
                reverse("mirrors:sync-cancel", args=[namespace, name])
            )
        return render(
            request,
            TEMPLATE,
            {
                "page": "confirm_cancel",
                "namespace": namespace,
                "name": name,
                "cancel_warning": CANCEL_WARNING,
                "view": "row" if request.POST.get("view") == "row" else "",
                "repo_url": repo_url(namespace, name),
                "back_url": reverse("mirrors:overview")
                if request.POST.get("view") == "row"
                else repo_url(namespace, name),
            },
        )
    result = perform(request, namespace, name, "cancel")
    return _after_action(request, namespace, name, result)
