"""Sign in with Quay (OAuth) or with an access token; sign out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayUnauthorized
from dashboard.quay.models import QuayUser

from . import access, oauth, throttle
from .forms import TokenSignInForm
from .reauth import PENDING, SIGNED_OUT_USER, safe_next
from .tokens import store_token


class Throttled(Exception):
    def __init__(self, refusal: throttle.Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _sign_in(
    request: HttpRequest, token: str, *, scopes: list[str] | None, method: str
) -> QuayUser:
    """Check the token with Quay, refuse an account that signs in too often (``throttle``),
    learn what the token may do (``access``), then log the matching Django user in (no
    password); a scope it is known to lack is said at once."""
    client = QuayClient(token)
    quay_user = client.get_user()
    refusal = throttle.check_account(request, quay_user.username, method)
    if refusal is not None:
        raise Throttled(refusal)
    learned = access.learn(client, quay_user, scopes)
    user, created = get_user_model().objects.get_or_create(username=quay_user.username)
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.email = quay_user.email or ""
        user.save()
    pending = request.session.get(PENDING)
    login(request, user)  # rotates the session key
    request.session.pop(SIGNED_OUT_USER, None)
    request.session.pop(PENDING, None)
    # What someone typed before their sign-in expired is given back to them, nobody else.
    if pending and pending.get("user") in (None, quay_user.username):
        request.session[PENDING] = pending
    store_token(request, token, scopes=scopes, method=method)
    access.store(request, learned)
    access.seen(request, quay_user, timezone.now().timestamp())
    for warning in access.warnings(learned):
        messages.warning(request, warning)
    return quay_user


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = TokenSignInForm(initial={"next": next_path})
    refusal = None
    if request.method == "POST":
        if not settings.QUAY_ALLOW_TOKEN_SIGNIN:
            messages.error(request, "Signing in with an access token is turned off here.")
            return redirect("accounts:login")
        form = TokenSignInForm(request.POST)
        refusal = throttle.check_client(request, "token")
        if refusal is not None:
            form.add_error(None, refusal.message)
        elif form.is_valid():
            try:
                quay_user = _sign_in(
                    request, form.cleaned_data["token"], scopes=None, method="token"
                )
            except Throttled as error:
                refusal = error.refusal
                form.add_error(None, refusal.message)
            except QuayUnauthorized:
                throttle.failed(request, "token", "Quay refused the token")
                form.add_error("token", "Quay does not accept this token (unknown or revoked).")
            except QuayForbidden:
                form.add_error(
                    "token", "This token lacks the user:read scope, which sign-in needs."
                )
            except QuayError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Signed in to Quay as {quay_user.username}.")
                return HttpResponseRedirect(next_path)
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_path, "allow_token": settings.QUAY_ALLOW_TOKEN_SIGNIN},
        status=429 if refusal else 400 if form.errors else 200,
    )
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


@require_POST
def oauth_start(request: HttpRequest) -> HttpResponse:
    refusal = throttle.check_session(request, "oauth")
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect("accounts:login")
    next_path = safe_next(request, request.POST.get("next"))
    return HttpResponseRedirect(oauth.authorization_url(request, next_path))


@require_GET
def oauth_callback(request: HttpRequest, state: str) -> HttpResponse:
    try:
        next_path = oauth.check_state(request, state)
        if request.GET.get("error"):
            raise oauth.CallbackError(
                "Sign-in was cancelled on Quay's consent page."
                if request.GET["error"] == "access_denied"
                else f"Quay did not authorize the sign-in ({request.GET['error']})."
            )
        code = request.GET.get("code")
        if not code:
            raise oauth.CallbackError("Quay's answer had no authorization code. Try again.")
        token = oauth.exchange_code(request, state, code)
        quay_user = _sign_in(request, token, scopes=oauth.granted_scopes(request), method="oauth")
    except oauth.CallbackError as error:
        if error.started_here:  # a callback nobody started here counts against nobody
            throttle.failed_session(request, "oauth", str(error))
        messages.error(request, str(error))
        return redirect("accounts:login")
    except Throttled as error:
        messages.error(request, str(error))
        return redirect("accounts:login")
    except QuayError as error:
        messages.error(request, f"Signed in at Quay, but it then failed: {error.message}")
        return redirect("accounts:login")
    messages.success(request, f"Signed in to Quay as {quay_user.username}.")
    return HttpResponseRedirect(safe_next(request, next_path))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session, and the token with it
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")
