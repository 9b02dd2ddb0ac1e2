"""Headers beside Django's own and django-csp's: Permissions-Policy (the dashboard uses none
of the browser's powerful features, so a page, or anything injected into one, may use none),
and Quay's origin in the Content-Security-Policy's ``form-action`` (signing in with Quay posts
here and is redirected there, which ``form-action`` governs too)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
)


def quay_origin() -> str:
    url = urlparse(settings.QUAY_URL)
    return f"{url.scheme}://{url.netloc}"


class SecurityHeadersMiddleware:
    """Sits inside django-csp's middleware, which reads ``_csp_update`` off the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        update = dict(getattr(response, "_csp_update", None) or {})
        update["form-action"] = [*update.get("form-action", []), quay_origin()]
        response._csp_update = update  # type: ignore[attr-defined]
        return response
