"""Quay as an OAuth 2 provider (authorization-code flow, confidential client), via Authlib.

Quay's consent page drops ``state`` when a "dangerous" scope (``org:admin``) is asked for, so
the state also travels in the redirect URI's path (Quay matches redirect URIs by prefix):
``/accounts/callback/<state>/``. The callback checks it against the session either way.
"""

from __future__ import annotations

import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from dashboard.quay.client import USER_AGENT
from dashboard.quay.errors import QuayError, QuayServerError, QuayTimeout, QuayUnreachable

SESSION_STATE = "oauth_state"


def _session(request: HttpRequest, state: str) -> OAuth2Session:
    session = OAuth2Session(
        client_id=settings.QUAY_CLIENT_ID,
        client_secret=settings.QUAY_CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_post",  # noqa: S106 (a method name)
        scope=" ".join(settings.QUAY_OAUTH_SCOPES),
        redirect_uri=callback_url(request, state),
        default_timeout=settings.QUAY_TIMEOUT,
    )
    session.verify = settings.QUAY_CA_BUNDLE or True
    session.headers["User-Agent"] = USER_AGENT
    return session


def callback_url(request: HttpRequest, state: str) -> str:
    return request.build_absolute_uri(reverse("accounts:callback", args=[state]))


def authorization_url(request: HttpRequest, next_path: str) -> str:
    """Start a sign-in: remember a fresh state (and where to go after), return Quay's URL."""
    state = secrets.token_urlsafe(32)
    request.session[SESSION_STATE] = {"state": state, "next": next_path}
    url, _ = _session(request, state).create_authorization_url(
        f"{settings.QUAY_URL}/oauth/authorize", state=state
    )
    return url


class CallbackError(Exception):
    """The callback cannot be trusted or completed; ``str()`` is shown to the person.
    ``started_here``: this browser had started a sign-in, which this callback ended."""

    def __init__(self, message: str, *, started_here: bool = True) -> None:
        super().__init__(message)
        self.started_here = started_here


def check_state(request: HttpRequest, path_state: str) -> str:
    """Validate the callback's state (path, and query when Quay kept it); return ``next``.
    The sign-in this browser started, if any, is over either way (a state is used once)."""
    expected = request.session.pop(SESSION_STATE, None)
    if not expected or not secrets.compare_digest(str(expected["state"]), path_state):
        raise CallbackError(
            "This sign-in link is not the one this browser started (or it was already used). "
            "Please start again.",
            started_here=bool(expected),
        )
    query_state = request.GET.get("state")
    if query_state is not None and not secrets.compare_digest(query_state, path_state):
        raise CallbackError("The sign-in answer did not match. Please start again.")
    return expected.get("next") or "/"


def exchange_code(request: HttpRequest, state: str, code: str) -> str:
    """Trade the authorization code for an access token, server to server."""
    try:
        token = _session(request, state).fetch_token(
            f"{settings.QUAY_URL}/oauth/access_token",
            grant_type="authorization_code",
            code=code,
            scope=" ".join(settings.QUAY_OAUTH_SCOPES),
        )
    except AuthlibBaseError as exc:
        raise CallbackError(
            f"Quay refused to issue a token ({exc.error}). Please try signing in again."
        ) from exc
    except requests.HTTPError as exc:  # Authlib raises it for a 5xx answer
        status = exc.response.status_code if exc.response is not None else None
        raise CallbackError(QuayServerError(status=status).message) from exc
    except OSError as exc:  # requests' connection and timeout errors
        error: QuayError = QuayTimeout() if "timed out" in str(exc).lower() else QuayUnreachable()
        raise CallbackError(error.message) from exc
    except ValueError as exc:  # a body that is not JSON (a proxy's error page, a 5xx)
        raise CallbackError(
            "Quay's answer to the token request could not be read (it may be failing). "
            "Please try again in a moment."
        ) from exc
    access_token = token.get("access_token")
    if not access_token:
        raise CallbackError("Quay's answer had no access token. Please try again.")
    return access_token


def granted_scopes(request: HttpRequest) -> list[str]:
    """The scopes Quay granted: its callback names them (``scope``, space-separated), else
    the ones asked for. Only scopes asked for count: the callback cannot widen them."""
    asked = list(settings.QUAY_OAUTH_SCOPES)
    said = request.GET.get("scope")
    if not said:
        return asked
    named = set(said.replace(",", " ").split())
    return [scope for scope in asked if scope in named]
