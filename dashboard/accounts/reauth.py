"""What happens when Quay answers 401 mid-session: sign in again, come back, lose nothing.

A form being submitted is kept in the session (passwords excluded) and offered again on the
page once the person is back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlparse

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

PENDING = "pending_submission"
_NEVER_KEPT = ("csrfmiddlewaretoken",)


def _kept_fields(request: HttpRequest) -> dict[str, list[str]]:
    return {
        key: values
        for key, values in request.POST.lists()
        if key not in _NEVER_KEPT and "password" not in key
    }


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """``candidate`` if it is a path on this site, else ``default`` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parsed = urlparse(candidate)
        if not parsed.scheme and not parsed.netloc and candidate.startswith("/"):
            return candidate
    return default


def _referring_page(request: HttpRequest) -> str | None:
    """The path of the page a form was posted from, when the browser says it is this site."""
    referer = request.headers.get("Referer", "")
    parsed = urlparse(referer)
    if not referer or parsed.netloc != request.get_host():
        return None
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return safe_next(request, path, default="") or None


def login_url(next_path: str) -> str:
    return f"{reverse('accounts:login')}?{urlencode({'next': next_path})}"


def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Sign the person out and send them to sign in again, then back to this page."""
    current = request.get_full_path()
    if getattr(request, "htmx", False) and request.htmx.current_url:
        current = request.htmx.current_url_abs_path or current
    if request.method != "GET":
        # Come back to the page the form was on, not to the action it posted to.
        htmx_page = getattr(request, "htmx", False) and request.htmx.current_url_abs_path
        current = htmx_page or _referring_page(request) or request.path
    kept = _kept_fields(request) if request.method == "POST" else {}
    logout(request)
    if kept:
        request.session[PENDING] = {"path": request.path, "data": kept}
    messages.warning(
        request,
        "Your Quay sign-in has expired or was revoked. Sign in again to continue"
        + (" — what you were submitting has been kept." if kept else "."),
    )
    target = login_url(safe_next(request, current))
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


def take_pending_submission(request: HttpRequest, path: str | None = None) -> dict[str, Any] | None:
    """The fields kept from a submission interrupted by a 401, once, for ``path``."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("path") != (path or request.path):
        return None
    del request.session[PENDING]
    return pending["data"]
