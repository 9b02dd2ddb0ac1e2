"""The request type views receive: django-htmx's details and the person's Quay client.

``HtmxMiddleware`` sets ``request.htmx``; ``QuayAuthMiddleware`` sets ``request.quay``
(``None`` when nobody is signed in, which ``login_required`` views never see). Views annotate
``request: HtmxHttpRequest`` instead of declaring their own class or ignoring attr errors.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from dashboard.quay.client import QuayClient


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    quay: QuayClient


__all__ = ["HtmxHttpRequest"]
