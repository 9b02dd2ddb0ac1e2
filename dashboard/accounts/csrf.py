"""Django's CSRF refusal in the dashboard's words, losing nothing that can safely be kept.

The usual cause here is not an attack but a page opened before the person signed in again
(signing in rotates the token). ``static/js/app.js`` sends the browser's current token, so
this is left for pages without JavaScript (or a cookie that has gone): a form posted from
this very site (its ``Origin`` or ``Referer`` says so: a browser does not let another site
forge them) to a view that keeps forms is kept for its page, and the person is told to check
it and send it again. Anything else is refused with a page that says nothing was sent.
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.html import format_html

from .reauth import keep_for_page, kept_fields, page_of, safe_next

CHANGED = (
    "This page was opened before your sign-in changed (you signed in again, perhaps in "
    "another tab), so the dashboard could not accept the form as yours and sent nothing to "
    "Quay."
)


#: Refusals that mean only "the token is not this browser's current one" ("CSRF token
#: missing.", "CSRF token from POST incorrect.", ...): Django checks an Origin header before
#: the token, so the request's origin was this site.
_STALE_TOKEN = REASON_CSRF_TOKEN_MISSING.split(" missing", 1)[0]  # "CSRF token"


def _from_this_site(request: HttpRequest) -> bool:
    """The browser says the form was posted from this very site: scheme and host."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parsed = urlparse(origin)
    return bool(origin) and f"{parsed.scheme}://{parsed.netloc}" == (
        f"{request.scheme}://{request.get_host()}"
    )


def _keeps_form(request: HttpRequest) -> bool:
    """A view marked ``keeps_form`` (and, with a field name, the whole form was sent)."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    marker = getattr(view, "keeps_form", False)
    if isinstance(marker, str) and marker not in request.POST:
        return False
    return bool(marker) and bool(kept_fields(request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    page = safe_next(request, page_of(request))
    if request.headers.get("HX-Request") == "true":
        html = format_html(
            '<p class="message message-warning" role="alert">{} <a href="{}">Reload the page'
            "</a> and try again.</p>",
            CHANGED,
            page,
        )
        response = HttpResponse(html)  # 200, so that htmx swaps the message in
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    stale = reason.startswith(_STALE_TOKEN)
    signed_in = request.user.is_authenticated
    if (
        request.method == "POST"
        and stale
        and signed_in
        and _from_this_site(request)
        and _keeps_form(request)
    ):
        keep_for_page(request, page, request.user.get_username())
        kept = "What you typed is back in the form (except passwords): check it and send it again."
        messages.warning(request, f"{CHANGED} {kept}")
        return HttpResponseRedirect(page)
    return render(request, "403_csrf.html", {"message": CHANGED, "back": page}, status=403)
