"""Mirrors as code on a page (``/as-code/``): export the person's namespaces as a file,
upload a file and see its plan or where Quay differs from it (``dashboard.mirrors.ascode``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required
from dashboard.formposts import post_only
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.ascode import drift, page
from dashboard.mirrors.ascode.export import export
from dashboard.quay.errors import QuayError, QuayUnauthorized

from .fragments import acting

TEMPLATE = "mirrors/ascode.html"


def _page(request: HtmxHttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    """The page with ``context``; the person's namespaces to export from, or why not."""
    client, person, now = acting(request)
    try:
        context["namespaces"] = page.namespaces(client, person, now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        context["error"] = error.message
        status = max(status, 502)
    context.update(formats=page.FORMATS, chosen=context.get("chosen", []))
    return render(request, TEMPLATE, context, status=status)


@require_GET
@quay_login_required
def as_code(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request)


@require_GET
@quay_login_required
def export_file(request: HtmxHttpRequest) -> HttpResponse:
    """``GET /as-code/export/?ns=…&ns=…&format=yaml|json``: the file, as an attachment."""
    chosen = page.chosen(request.GET.getlist("ns"))
    fmt = request.GET.get("format") if request.GET.get("format") in page.FORMATS else "yaml"
    if not chosen:
        return _page(request, 400, export_error="Choose at least one namespace.")
    client, person, now = acting(request)
    try:
        done = export(client, person.username, chosen, fmt, now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return _page(request, 502, export_error=error.message, chosen=chosen)
    if done.problems:
        words = " ".join(done.problems) + " No file was made: it would leave their mirrors out."
        return _page(request, 502, export_error=words, chosen=chosen)
    kind = "application/json" if fmt == "json" else "application/yaml"
    response = HttpResponse(done.text, content_type=f"{kind}; charset=utf-8")
    name = page.file_name(chosen, fmt, now)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@post_only("mirrors:as-code")
@quay_login_required
def plan_file(request: HtmxHttpRequest) -> HttpResponse:
    """``POST /as-code/plan/`` (a file, or pasted text): what applying it would do."""
    return _from_file(request, page.planned)


@post_only("mirrors:as-code")
@quay_login_required
def drift_file(request: HtmxHttpRequest) -> HttpResponse:
    """``POST /as-code/drift/`` (a file, or pasted text): where Quay now differs from it."""
    return _from_file(request, drift.drifted)


def _from_file(request: HtmxHttpRequest, read: Callable[..., dict[str, Any]]) -> HttpResponse:
    """The page with what ``read`` makes of the file posted, or why the file cannot be used."""
    pasted = request.POST.get("text", "")
    text, problem = page.read_upload(request.FILES.get("file"), pasted)
    kept, withheld = page.kept(text, pasted)
    shown = {"pasted": kept, "withheld": withheld}
    if problem:
        return _page(request, 400, upload_error=problem, **shown)
    client, person, now = acting(request)
    try:
        context = read(client, person, text, now)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return _page(request, 502, upload_error=error.message, **shown)
    return _page(request, 400 if "file_errors" in context else 200, **shown, **context)
