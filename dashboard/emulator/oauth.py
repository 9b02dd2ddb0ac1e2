"""Quay as an OAuth 2 provider: browser sign-in, consent, authorization codes, tokens.

One application, "Mirror Dashboard (demo)", owned by org ``acme``: only admins of acme may
authorize it (others get Quay's 403 page). The redirect URI must extend the registered one
(same scheme, host and port). With a dangerous scope (org:admin, user:admin, super:user)
the consent form carries no ``state``, so Quay redirects back without it.
"""

from __future__ import annotations

import secrets
import string
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import pages
from .auth import Ctx
from .responses import json_response
from .state import BrowserSession, OAuthGrant, State, Token

COOKIE = "emulator_session"
OWNER_ORG = "acme"
APP_NAME = "Mirror Dashboard (demo)"
OAUTH_JSON = "application/json;charset=UTF-8"
TOKEN_LIFETIME = 315576000
SCOPES: dict[str, tuple[str, str, bool]] = {
    "repo:read": (
        "View all visible repositories",
        "This application will be able to view and pull all repositories visible to the "
        "granting user or robot account",
        False,
    ),
    "repo:write": (
        "Read/Write to any accessible repositories",
        "This application will be able to view, push and pull to all repositories to which the "
        "granting user or robot account has write access",
        False,
    ),
    "repo:admin": (
        "Administer Repositories",
        "This application will have administrator access to all repositories to which the "
        "granting user has access",
        False,
    ),
    "repo:create": (
        "Create Repositories",
        "This application will be able to create repositories in all namespaces that the "
        "granting user is allowed to create repositories",
        False,
    ),
    "user:read": (
        "Read User Information",
        "This application will be able to read user information such as username and email "
        "address.",
        False,
    ),
    "user:admin": (
        "Administer User",
        "This application will be able to administer your account including creating robots "
        "and granting them permissions to your repositories. You should have absolute trust in "
        "the requesting application before granting this permission.",
        True,
    ),
    "org:admin": (
        "Administer Organization",
        "This application will be able to administer your organizations including creating "
        "robots, creating teams, adjusting team membership, and changing billing settings. You "
        "should have absolute trust in the requesting application before granting this "
        "permission.",
        True,
    ),
    "super:user": (
        "Super User Access",
        "This application will be able to administer your installation including managing "
        "users, managing organizations and other features found in the superuser panel. You "
        "should have absolute trust in the requesting application before granting this "
        "permission.",
        True,
    ),
}
ALPHABET = string.ascii_letters + string.digits


def random_token(length: int = 40) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def oauth_error(error: str, status: int = 400) -> Response:
    return json_response({"error": error}, status, content_type=OAUTH_JSON)


# ---------------------------------------------------------------------- sessions


def session_of(state: State, request: Request) -> BrowserSession | None:
    return state.sessions.get(request.cookies.get(COOKIE, ""))


def ensure_session(state: State, request: Request) -> tuple[BrowserSession, bool]:
    """The caller's browser session, created (with a CSRF token) when missing."""
    session = session_of(state, request)
    if session is not None:
        return session, False
    session = BrowserSession(secrets.token_urlsafe(24), secrets.token_urlsafe(32))
    state.sessions[session.session_id] = session
    return session, True


def _with_cookie(response: Response, session: BrowserSession, created: bool) -> Response:
    if created:
        response.set_cookie(COOKIE, session.session_id, httponly=True, samesite="Lax", path="/")
    return response


def signin_form(ctx: Ctx) -> Response:
    session, created = ensure_session(ctx.state, ctx.request)
    next_url = ctx.request.args.get("next", "/")
    return _with_cookie(html(pages.signin_page(session.csrf_token, next_url)), session, created)


def signin(ctx: Ctx) -> Response:
    """POST /signin: check CSRF and password, then go back to ``next``."""
    state, form = ctx.state, ctx.request.form
    session, created = ensure_session(state, ctx.request)
    next_url = form.get("next", "/")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"
    if created or form.get("_csrf_token") != session.csrf_token:
        body = pages.signin_page(session.csrf_token, next_url, error="Your session expired.")
        return _with_cookie(html(body, 403), session, created)
    user = state.users.get(form.get("username", ""))
    if user is None or form.get("password") != user.password:
        error = "Invalid username or password."
        body = pages.signin_page(session.csrf_token, next_url, form.get("username", ""), error)
        return html(body, 200)
    session.username = user.username
    session.csrf_token = secrets.token_urlsafe(32)
    return redirect(next_url, 302)


def signout(ctx: Ctx) -> Response:
    session = session_of(ctx.state, ctx.request)
    if session is not None:
        ctx.state.sessions.pop(session.session_id, None)
    response = redirect("/", 302)
    response.delete_cookie(COOKIE, path="/")
    return response


def index(ctx: Ctx) -> Response:
    session = session_of(ctx.state, ctx.request)
    return html(pages.index_page(session.username if session else None))


# ---------------------------------------------------------------------- authorize


def _redirect_ok(state: State, given: str) -> bool:
    registered = state.options.redirect_uri
    a, b = urlsplit(given), urlsplit(registered)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc) and given.startswith(registered)


def _redirect_with(uri: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in uri else "?"
    response = Response(b"", status=302, content_type="text/html; charset=utf-8")
    response.headers["Location"] = uri + separator + urlencode(params)
    return response


def _check_client(ctx: Ctx, source: Any) -> tuple[Response | None, str, list[str]]:
    """Common checks of authorize/authorizeapp/denyapp; returns (error, redirect, scopes)."""
    state = ctx.state
    if source.get("client_id") != state.options.client_id:
        return html(pages.NOT_FOUND_HTML, 404), "", []
    redirect_uri = source.get("redirect_uri") or state.options.redirect_uri
    if not _redirect_ok(state, redirect_uri):
        return oauth_error("invalid_request"), "", []
    scopes = source.get("scope", "").split()
    if not scopes or any(scope not in SCOPES for scope in scopes):
        return oauth_error("invalid_scope"), "", []
    return None, redirect_uri, scopes


def _issue_code(state: State, username: str, scopes: list[str], redirect_uri: str) -> str:
    code = random_token()
    state.codes[code] = OAuthGrant(code, username, frozenset(scopes), redirect_uri)
    state.granted.setdefault(username, set()).update(scopes)
    return code


def _code_params(scope: str, state_value: str | None, code: str) -> dict[str, str]:
    params = {"scope": scope}
    if state_value is not None:
        params["state"] = state_value
    params["code"] = code
    return params


def _is_owner_admin(state: State, username: str) -> bool:
    return state.role(username, OWNER_ORG) == "admin"


def authorize(ctx: Ctx) -> Response:
    """GET /oauth/authorize: sign-in page, 403, immediate redirect or consent page."""
    state, args = ctx.state, ctx.request.args
    error, redirect_uri, scopes = _check_client(ctx, args)
    if error is not None:
        return error
    if args.get("response_type", "code") != "code":
        return oauth_error("unsupported_response_type")
    session, created = ensure_session(state, ctx.request)
    if session.username is None:
        body = pages.signin_page(session.csrf_token, ctx.request.full_path)
        return _with_cookie(html(body), session, created)
    if not _is_owner_admin(state, session.username):
        return html(pages.FORBIDDEN_HTML, 403)
    scope = " ".join(scopes)
    if set(scopes) <= state.granted.get(session.username, set()):
        code = _issue_code(state, session.username, scopes, redirect_uri)
        return _redirect_with(redirect_uri, _code_params(scope, args.get("state"), code))
    described = [
        {"scope": s, "title": SCOPES[s][0], "description": SCOPES[s][1], "dangerous": SCOPES[s][2]}
        for s in scopes
    ]
    dangerous = any(item["dangerous"] for item in described)
    fields = {
        "response_type": "code",
        "client_id": state.options.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
    }
    if args.get("format") == "json":
        return json_response(
            {
                "application": {"name": APP_NAME, "organization": {"name": OWNER_ORG}},
                "client_id": state.options.client_id,
                "csrf_token_val": session.csrf_token,
                "has_dangerous_scopes": dangerous,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": scope,
                "scopes": described,
            }
        )
    body = pages.consent_page(
        app=APP_NAME,
        org=OWNER_ORG,
        username=session.username,
        scopes=described,
        fields=fields,
        csrf=session.csrf_token,
        state=None if dangerous else args.get("state"),
    )
    return html(body)


def _signed_in_with_csrf(ctx: Ctx) -> tuple[Response | None, BrowserSession | None]:
    session = session_of(ctx.state, ctx.request)
    if session is None or session.username is None:
        return html(pages.UNAUTHORIZED_HTML, 401), None
    if ctx.request.form.get("_csrf_token") != session.csrf_token:
        body = '{"error": "CSRF token was invalid or missing."}\n'
        return html(body, 403), None
    return None, session


def authorize_app(ctx: Ctx) -> Response:
    """POST /oauth/authorizeapp: the consent form's submit; redirects with a code."""
    form = ctx.request.form
    problem, session = _signed_in_with_csrf(ctx)
    if problem is not None or session is None:
        return problem or html(pages.UNAUTHORIZED_HTML, 401)
    error, redirect_uri, scopes = _check_client(ctx, form)
    if error is not None:
        return error
    assert session.username is not None
    if not _is_owner_admin(ctx.state, session.username):
        return html(pages.FORBIDDEN_HTML, 403)
    code = _issue_code(ctx.state, session.username, scopes, redirect_uri)
    return _redirect_with(redirect_uri, _code_params(" ".join(scopes), form.get("state"), code))


def deny_app(ctx: Ctx) -> Response:
    """POST /oauth/denyapp: back to the client with ``error=access_denied``."""
    form = ctx.request.form
    problem, _session = _signed_in_with_csrf(ctx)
    if problem is not None:
        return problem
    error, redirect_uri, _scopes = _check_client(ctx, form)
    if error is not None:
        return error
    params = {"error": "access_denied"}
    if form.get("state") is not None:
        params["state"] = form["state"]
    return _redirect_with(redirect_uri, params)


def access_token(ctx: Ctx) -> Response:
    """POST /oauth/access_token (form-encoded): exchange a code for a bearer token."""
    state, form = ctx.state, ctx.request.form
    if form.get("grant_type") != "authorization_code":
        return oauth_error("unsupported_grant_type")
    client_ok = form.get("client_id") == state.options.client_id
    if not client_ok or form.get("client_secret") != state.options.client_secret:
        return oauth_error("invalid_client")
    grant = state.codes.get(form.get("code", ""))
    if grant is None or form.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri:
        return oauth_error("invalid_grant")
    del state.codes[grant.code]
    token = Token(random_token(), grant.username, grant.scopes, state.next_token_id)
    state.next_token_id += 1
    state.tokens[token.token] = token
    return json_response(
        {
            "access_token": token.token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": None,
        },
        content_type=OAUTH_JSON,
    )
