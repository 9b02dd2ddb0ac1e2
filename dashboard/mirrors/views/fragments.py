"""What the views share: who is acting, and the fragments more than one view answers with.

No view module imports another; what two of them need lives here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from dashboard.accounts.access import access_of, seen_of
from dashboard.accounts.reauth import safe_next
from dashboard.accounts.tokens import token_scopes
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.kinds.base import MirrorKind
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.overview.refresh import TabRefresh
from dashboard.mirrors.overview.rows import Row
from dashboard.mirrors.person import Person
from dashboard.quay import names
from dashboard.quay.client import QuayClient

from .. import clock

OVERVIEW = "mirrors/overview.html"
STATUS = "mirrors/status.html"
REPOSITORY = "mirrors/repo.html"


def acting(request: HtmxHttpRequest) -> tuple[QuayClient, Person, datetime]:
    """The person's Quay client, the person, and the one ``now`` of this request."""
    person = Person.from_access(
        request.user.get_username(),
        request.user,
        token_scopes(request),
        access_of(request),
        seen_of(request),
    )
    return request.quay, person, clock.now()


def selected(request: HttpRequest, limit: int) -> list[MirrorKind]:
    """The ticked mirrors (``repo``: repositories', ``org``: organizations'), one each, named
    as Quay allows (any other name is dropped: it cannot be a mirror, and is neither sent to
    Quay nor audited); at most ``limit``."""
    seen: dict[MirrorKind, None] = {}
    for value in request.POST.getlist("repo"):
        pair = names.split_full_name(value)
        if pair is not None:
            seen[RepoTarget(*pair)] = None
    for org in request.POST.getlist("org"):
        if names.valid_namespace(org):
            seen[OrgTarget(org)] = None
    return list(seen)[:limit]


def say(request: HttpRequest, said: Iterable[tuple[str, str]]) -> None:
    """Operation messages ``(level, text)`` as the page's messages."""
    for level, text in said:
        messages.add_message(request, getattr(messages, level.upper()), text)


#: The extra tag of a message that is a results list drawn by a template (a bulk press's,
#: without JavaScript): the base template shows it as it is, not in a paragraph.
RESULTS = "results"


def say_results(request: HttpRequest, html: str) -> None:
    """A results list drawn by a template (escaped there) as the next page's message."""
    messages.add_message(request, messages.INFO, html, extra_tags=RESULTS)


def back_to(request: HtmxHttpRequest) -> str:
    """The overview URL the person is looking at (for forms that work without htmx)."""
    if request.htmx and request.htmx.current_url_abs_path:
        return safe_next(request, request.htmx.current_url_abs_path)
    if request.resolver_match and request.resolver_match.url_name == "overview":
        return request.get_full_path()
    return "/"


def overview_back(request: HtmxHttpRequest) -> str:
    """The overview page an overview row's press (without htmx) was made on, to go back to:
    ``next``, when it is a path of this site (``/?details=all`` and its filters, where a
    browser without JavaScript is), else the overview."""
    return safe_next(request, request.POST.get("next"), default=reverse("mirrors:overview"))


def row(request: HtmxHttpRequest, row: Row, now: datetime) -> HttpResponse:
    """One overview row (``<tr>``) as an htmx fragment (with the tab's refresh restarted,
    out of band, when the row is active)."""
    context = {"row": row, "back": back_to(request), "refresh": TabRefresh.restart(now, [row])}
    return render(request, f"{OVERVIEW}#row_answer", context)
