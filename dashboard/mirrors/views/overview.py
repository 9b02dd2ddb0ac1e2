"""The overview (``/``): every mirror the person can see, a row that refreshes itself, bulk actions.

Other views render a row through :func:`render_row` (the sync-now / cancel endpoints do, when
their POST carries ``view=row``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.reauth import quay_login_required, safe_next
from dashboard.accounts.tokens import token_scopes
from dashboard.http import HtmxHttpRequest
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.quay.fanout import fan_out

from .. import overview as rows
from ..overview import STATUS_CHOICES, STATUS_KEYS
from ..status import current_time, last_result, summarize_event
from ..timefmt import from_unix_param

TEMPLATE = "mirrors/overview.html"
#: Upper bound of repositories one bulk action may touch.
BULK_LIMIT = 500
BULK_ACTIONS = {"sync_now": "Sync now", "cancel": "Cancel"}


#: Counts shown even at zero (the ones a team lead looks for first).
ALWAYS_COUNTED = frozenset({"fail", "stuck"})


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    n: int
    params: str
    always: bool


@dataclass(frozen=True)
class Filters:
    """The overview's GET parameters, normalised (unknown values are ignored)."""

    namespace: str = ""
    status: str = ""
    query: str = ""
    show_normal: bool = False

    @classmethod
    def from_request(cls, request: HttpRequest) -> Filters:
        status = request.GET.get("status", "").strip()
        return cls(
            namespace=request.GET.get("ns", "").strip()[:255],
            status=status if status in STATUS_KEYS else "",
            query=request.GET.get("q", "").strip()[:200],
            show_normal=request.GET.get("normal") in ("1", "on", "true"),
        )

    def params(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` (for the count links)."""
        values = {
            "ns": self.namespace,
            "status": self.status,
            "q": self.query,
            "normal": "1" if self.show_normal else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def _back_to(request: HtmxHttpRequest) -> str:
    """The overview URL the person is looking at (for forms that work without htmx)."""
    if request.htmx and request.htmx.current_url_abs_path:
        return safe_next(request, request.htmx.current_url_abs_path)
    if request.resolver_match and request.resolver_match.url_name == "overview":
        return request.get_full_path()
    return "/"


@require_GET
@quay_login_required
@vary_on_headers("HX-Request")
def overview(request: HtmxHttpRequest) -> HttpResponse:
    filters = Filters.from_request(request)
    context: dict[str, Any] = {"filters": filters, "status_choices": STATUS_CHOICES}
    try:
        data = rows.collect(
            request.quay,
            current_time(),
            namespaces=[filters.namespace] if filters.namespace else None,
            include_normal=filters.show_normal,
            scopes=token_scopes(request),
        )
    except QuayUnauthorized:
        raise
    except QuayError as error:
        context["error"] = error.message
        template = f"{TEMPLATE}#results" if request.htmx else TEMPLATE
        return render(request, template, context, status=200 if request.htmx else 502)

    searched = data.filtered(query=filters.query)
    counts = {key: 0 for key, _ in STATUS_CHOICES}
    for item in searched:
        counts[item.key] += 1
    context.update(
        overview=data,
        rows=[item for item in searched if not filters.status or item.key == filters.status],
        counts=[
            Count(key, label, counts[key], filters.params(status=key), key in ALWAYS_COUNTED)
            for key, label in STATUS_CHOICES
            if key != rows.NOT_MIRRORED or filters.show_normal
        ],
        total=sum(n for key, n in counts.items() if key != rows.NOT_MIRRORED),
        all_params=filters.params(status=""),
        selectable=any(item.config is not None for item in searched),
        back=_back_to(request),
    )
    return render(request, f"{TEMPLATE}#results" if request.htmx else TEMPLATE, context)


def render_row(
    request: HttpRequest,
    namespace: str,
    name: str,
    message: str | None = None,
    *,
    queued_since: datetime | None = None,
    queue_checked: bool = False,
) -> HttpResponse:
    """One overview row (``<tr>``), read again from Quay in one call, as an htmx fragment.

    For other views: the sync-now and cancel endpoints call this when their POST carries
    ``view=row`` and return its response, so the row that was clicked shows the new status and
    ``message`` (what the action did, in words) inside the row. A row whose sync is active
    carries its own polling trigger; a final one does not. The read uses the mirror config,
    or the namespace's mirror health when the request carries ``via=health`` (read-only rows).
    :class:`QuayUnauthorized` propagates (the middleware asks the person to sign in again).
    """
    via_health = (request.GET.get("via") or request.POST.get("via")) == "health"
    row = rows.read_row(
        request.quay,
        namespace,
        name,
        current_time(),
        via_health=via_health,
        scopes=token_scopes(request),
        queued_since=queued_since,
        queue_checked=queue_checked,
    )
    if message:
        row = replace(row, message=message)
    return render(
        request,
        f"{TEMPLATE}#row",
        {"row": row, "back": _back_to(request)},  # type: ignore[arg-type]
    )


@require_GET
@quay_login_required
def row(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """``GET /repo/<ns>/<name>/row/``: the row again (what active rows poll every 2 s).

    A fragment for htmx; a browser that opens the URL itself goes to the repository page.
    """
    if not request.htmx:
        return redirect("mirrors:repo", namespace, name)
    return render_row(
        request,
        namespace,
        name,
        queued_since=from_unix_param(request.GET.get("queued")),
        queue_checked="queued" in request.GET,
    )


@require_GET
@quay_login_required
def row_last_result(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """``GET /repo/<ns>/<name>/last-result/``: the row's "last result" cell with its time.

    Quay's mirror config does not say when the last sync ended; its usage log does. Reading
    every repository's log would double the overview's upstream calls, so a row's cell asks
    for it (one call) only once it scrolls into view.
    """
    if not request.htmx:
        return redirect("mirrors:repo", namespace, name)
    event = None
    try:
        entry = last_result(request.quay.list_logs(namespace, name))
        event = summarize_event(entry) if entry else None
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return render(request, f"{TEMPLATE}#last_result", {"error": error.message})
    return render(request, f"{TEMPLATE}#last_result", {"event": event})


@dataclass(frozen=True)
class BulkResult:
    namespace: str
    name: str
    outcome: str  # a key of actions.OUTCOMES: done, already_syncing, no_rights, error, ...
    label: str  # the outcome in words ("done", "already syncing", "no rights", ...)
    message: str  # the rest of the result in words (not repeating the label)

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def ok(self) -> bool:
        return self.outcome == "done"


def _selected(request: HttpRequest) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for value in request.POST.getlist("repo"):
        namespace, _, name = value.strip().partition("/")
        if namespace and name and "/" not in name:
            seen[(namespace, name)] = None
    return list(seen)[:BULK_LIMIT]


def _perform_all(
    request: HttpRequest, keys: list[tuple[str, str]], action: str
) -> list[BulkResult]:
    """The action on every repository at once; each gets its own outcome, none sinks another.

    The upstream calls run in parallel threads; the audit entries are written afterwards in
    this thread (a database connection belongs to the thread that opened it). A 401 on some
    of them (the token was revoked mid-way) does not lose the others: every press that got
    an answer is recorded, then the :class:`QuayUnauthorized` is raised again (the
    middleware asks the person to sign in again).
    """
    from .. import actions

    _ = request.quay.base_url  # resolve the lazy client once

    def press(key: tuple[str, str]) -> actions.ActionResult | QuayUnauthorized:
        try:
            return actions.perform(request, key[0], key[1], action, audit=False)
        except QuayUnauthorized as error:
            return error  # an outcome like the others, so the rest are not lost

    outcomes = fan_out(press, keys)
    unauthorized = next((o.value for o in outcomes if isinstance(o.value, QuayUnauthorized)), None)
    results = []
    for outcome in outcomes:
        namespace, name = outcome.item
        if isinstance(outcome.value, QuayUnauthorized):
            continue
        if outcome.value is not None:
            result = outcome.value
            actions.record_result(request, namespace, name, result)
            results.append(
                BulkResult(namespace, name, result.outcome, result.outcome_label, result.detail)
            )
        else:  # perform() turns Quay's errors into outcomes; this is only a safety net
            message = outcome.error.message if outcome.error else "Quay did not answer."
            results.append(BulkResult(namespace, name, "error", "error", message))
    if unauthorized is not None:
        raise unauthorized
    return results


@require_POST
@quay_login_required
def bulk(request: HtmxHttpRequest) -> HttpResponse:
    """``POST /bulk/``: Sync now or Cancel for every selected row, in parallel; one result each.

    Never all-or-nothing: each repository gets its own outcome (done, already syncing, nothing
    to cancel, no rights, error). With htmx the answer is the results list plus the affected
    rows, read again and swapped in out-of-band; without it, a page with the results.
    """
    action = request.POST.get("action", "")
    selected = _selected(request)
    back = safe_next(request, request.POST.get("next"))
    context: dict[str, Any] = {"back": back, "action_label": BULK_ACTIONS.get(action, "")}
    if action not in BULK_ACTIONS:
        context["error"] = "Choose Sync now or Cancel."
    elif not selected:
        context["error"] = "Select at least one repository first (tick the boxes in the rows)."
    elif action == "cancel" and not request.htmx and request.POST.get("confirm") != "yes":
        # Without JavaScript there was no dialog: ask on a page first (htmx asks with
        # hx-confirm before it posts).
        from ..actions import CANCEL_WARNING

        context.update(
            confirm=True,
            selected=[f"{namespace}/{name}" for namespace, name in selected],
            cancel_warning=CANCEL_WARNING,
        )
        return render(request, "mirrors/overview_bulk.html", context)
    else:
        results = _perform_all(request, selected, action)
        context.update(results=results, done=sum(r.ok for r in results))
        if request.htmx:
            said = {(r.namespace, r.name): r.message for r in results}
            quay = request.quay
            fresh = rows.read_rows(quay, selected, current_time(), token_scopes(request))
            context["rows"] = [
                replace(fresh[key], message=said.get(key, "")) for key in selected if key in fresh
            ]
    if request.htmx:
        return render(request, f"{TEMPLATE}#bulk_results", context)
    return render(
        request, "mirrors/overview_bulk.html", context, status=400 if "error" in context else 200
    )
