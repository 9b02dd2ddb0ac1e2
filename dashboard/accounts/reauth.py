"""What happens when Quay answers 401 mid-session, or a page's request arrives signed out.

Nothing typed is lost:

- A background htmx request (a status poll, a button press with no form) does not take the
  browser away from a page that may hold unsaved edits: it answers with a banner in
  ``#messages`` (and stops the polling) that links to the sign-in page.
- A form submission (a view marked ``keeps_form``, see :func:`quay_login_required`) is kept
  in the session (passwords and the CSRF token excepted) under the path of the *page* the
  form is on, with the Quay username it belongs to; that page offers it again once the same
  person has signed in (:func:`take_pending_submission`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlparse

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

PENDING = "pending_submission"
#: The Quay username of the person the dashboard last signed out because of a 401.
SIGNED_OUT_USER = "signed_out_user"
_NEVER_KEPT = ("csrfmiddlewaretoken",)

EXPIRED = "Your Quay sign-in has expired or was revoked."
KEPT = " Sign in again to continue: the form you were submitting has been kept (except passwords)."
NOT_KEPT = " Sign in again to continue."
NOT_SENT = " Sign in again, then repeat what you were doing: it was not sent to Quay."
UNSURE = " Sign in again, then check whether what you were doing took effect."

View = Callable[..., HttpResponse]


def kept_fields(request: HttpRequest) -> dict[str, list[str]]:
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


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def page_of(request: HttpRequest) -> str:
    """The page (path and query) the person is looking at when this request was made.

    An htmx request's page is HX-Current-URL; a form's page is its Referer (when it is this
    site); a plain GET is its own page.
    """
    if _is_htmx(request) and request.htmx.current_url:
        current = request.htmx.current_url_abs_path
        if current and safe_next(request, current, default=""):
            return current
    if request.method != "GET":
        return _referring_page(request) or request.path
    return request.get_full_path()


def login_url(next_path: str) -> str:
    return f"{reverse('accounts:login')}?{urlencode({'next': next_path})}"


def _keeps_form(request: HttpRequest) -> bool:
    """Whether this request is a form submission worth keeping across a new sign-in."""
    marker = getattr(request, "keeps_form", False)
    if request.method != "POST" or not marker:
        return False
    if isinstance(marker, str) and marker not in request.POST:
        return False  # only part of the form was sent: restoring it would blank the rest
    return bool(kept_fields(request))


def keep_for_page(request: HttpRequest, page: str, user: str | None) -> None:
    request.session[PENDING] = {
        "path": urlparse(page).path,
        "user": user,
        "data": kept_fields(request),
    }


def why_signed_out(request: HttpRequest) -> str:
    """Why a request arrives signed out, as far as the session tells: the dashboard signed
    the person out because Quay refused their token (the session keeps who), or not (they
    signed out, in another tab perhaps, or the session ended): never "you signed out" to
    someone who did not."""
    if request.session.get(SIGNED_OUT_USER):
        return EXPIRED
    return "You are no longer signed in."


def signed_out_banner(request: HttpRequest, page: str) -> HttpResponse:
    """For an htmx request: a banner in ``#messages`` instead of leaving the page.

    A poll gets htmx's 286, which stops it (the banner is swapped in all the same).
    """
    html = format_html(
        '<p class="message message-warning" role="alert">{} <a href="{}">Sign in again</a>{}.</p>',
        why_signed_out(request),
        login_url(safe_next(request, page)),
        " (what you typed stays on this page; then press Save)" if _has_settings(page) else "",
    )
    response = HttpResponse(html, status=286 if request.method == "GET" else 200)
    response["HX-Retarget"] = "#messages"
    response["HX-Reswap"] = "innerHTML"
    return response


#: The pages with a settings form (a Save to press again after signing in).
SETTINGS_PAGES = frozenset({"mirrors:repo", "mirrors:org-mirror"})


def _has_settings(page: str) -> bool:
    try:
        return resolve(urlparse(page).path).view_name in SETTINGS_PAGES
    except Resolver404:
        return False


def _to_sign_in(request: HttpRequest, page: str, message: str) -> HttpResponse:
    messages.warning(request, message)
    target = login_url(safe_next(request, page))
    if _is_htmx(request):
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Quay said 401: sign the person out, keep their form, and ask them to sign in again."""
    page = page_of(request)
    username = request.user.username if request.user.is_authenticated else None
    keeps = _keeps_form(request)
    logout(request)
    request.session[SIGNED_OUT_USER] = username
    if keeps:
        keep_for_page(request, page, username)
    elif _is_htmx(request):
        return signed_out_banner(request, page)
    if keeps:
        return _to_sign_in(request, page, EXPIRED + KEPT)
    return _to_sign_in(request, page, EXPIRED + (NOT_KEPT if request.method == "GET" else UNSURE))


def quay_login_required(
    view: View | None = None, *, keeps_form: bool | str = False
) -> View | Callable[[View], View]:
    """``login_required`` that loses nothing when the sign-in is gone.

    Signed-out GETs go to sign-in and back, as usual. A signed-out htmx request gets the
    banner (the page stays as it is). A signed-out form submission of a view marked
    ``keeps_form`` is kept for its page; with ``keeps_form="field"`` only when that field
    was sent (a sign that the whole form was). Others go to sign-in, then back to the page
    (not to the action, which may not answer a GET).
    """

    def decorate(func: View) -> View:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            request.keeps_form = keeps_form  # type: ignore[attr-defined]
            if request.user.is_authenticated:
                return func(request, *args, **kwargs)
            page = page_of(request)
            if _keeps_form(request):
                keep_for_page(request, page, request.session.get(SIGNED_OUT_USER))
                return _to_sign_in(request, page, why_signed_out(request) + KEPT)
            if _is_htmx(request):
                return signed_out_banner(request, page)
            if request.method == "GET":
                return redirect_to_login(request.get_full_path())
            return _to_sign_in(request, page, why_signed_out(request) + NOT_SENT)

        wrapper.keeps_form = keeps_form  # type: ignore[attr-defined]
        return wrapper

    return decorate(view) if view is not None else decorate


def take_pending_submission(request: HttpRequest, path: str | None = None) -> dict[str, Any] | None:
    """The fields kept from an interrupted submission, once, for the page being shown.

    Given back only on the page the form was on (``request.path``, or ``path``), and only to
    the Quay user who typed them (a stash whose user is unknown, e.g. after the session
    expired on its own, is given to whoever signs in on this browser).
    """
    pending = request.session.get(PENDING)
    if not pending or pending.get("path") not in {request.path, path or request.path}:
        return None
    owner = pending.get("user")
    if owner and owner != getattr(request.user, "username", None):
        return None
    del request.session[PENDING]
    return pending["data"]
