"""Per-request Quay plumbing: the person's time zone, their Quay client, and 401 handling."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from dashboard.quay.errors import QuayUnauthorized

from .reauth import SIGNED_OUT_USER, reauthenticate
from .tokens import client_for

TZ_COOKIE = "tz"


class TimezoneMiddleware:
    """Show times in the browser's zone (a cookie set by static/js/app.js), else UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = unquote(request.COOKIES.get(TZ_COOKIE, ""))  # app.js URL-encodes "Europe/Paris"
        try:
            zone = zoneinfo.ZoneInfo(name) if name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        with timezone.override(zone):  # this request's alone: not the thread's next one's
            return self.get_response(request)


class QuayAuthMiddleware:
    """Attach ``request.quay`` (the person's client) and turn Quay's 401 into a new sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and client_for(request) is None:
            username = request.user.username
            logout(request)  # a session without a usable token is no session
            request.session[SIGNED_OUT_USER] = username
        request.quay = SimpleLazyObject(lambda: client_for(request))  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, QuayUnauthorized):
            return reauthenticate(request)
        return None
