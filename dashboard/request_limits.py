"""Submissions past Django's size limits get the dashboard's own answer, not a bare 400.

Django refuses to read a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` or with more than
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields (``RequestDataTooBig``, ``TooManyFieldsSent``) and
answers "Bad Request (400)", which loses the page. This middleware reads the submission first
(before any view or the CSRF check) and, when Django refuses it, says what happened: for htmx a
message in the page's ``#messages``, otherwise a page. Nothing of the submission was read, so
nothing was sent to Quay, and it cannot be kept. The settings form stays far below both limits
(patterns, rows and every text field are capped, see ``mirrors.forms``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger(__name__)


def _limit(error: Exception) -> str:
    """The limit the submission went past, in words ("2.5 MB", "1,000 fields")."""
    if isinstance(error, RequestDataTooBig):
        return str(filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    if isinstance(error, TooManyFilesSent):
        return f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files"
    return f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields"


def _back(request: HttpRequest) -> str:
    """The page the submission came from (same site only), else the overview."""
    referer = request.headers.get("Referer", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if referer and allowed else "/"


def too_large(request: HttpRequest, error: Exception) -> HttpResponse:
    """What a person sees when their submission was too large to read."""
    limit = _limit(error)
    if request.headers.get("HX-Request") == "true":
        html = format_html(
            '<p class="message message-error" role="alert" id="too-large">What this page just '
            "sent was larger than this dashboard reads at once (at most {}), so it was ignored: "
            "nothing was sent to Quay. Remove some rows or shorten what you typed, then try "
            "again.</p>",
            limit,
        )
        response = HttpResponse(html)  # htmx swaps only 2xx answers
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    status = 413 if isinstance(error, RequestDataTooBig) else 400
    context = {"limit": limit, "back": _back(request)}
    return render(request, "request_too_large.html", context, status=status)


class RequestLimitsMiddleware:
    """Read the submission up front; answer :func:`too_large` when Django refuses it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.GET  # noqa: B018 - parsing is the point
            request.POST  # noqa: B018
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
            logger.warning("Refused a too-large %s %s: %s", request.method, request.path, error)
            return too_large(request, error)
        except UnreadablePostError as error:  # the client left, or sent it too slowly
            logger.warning(
                "A %s %s did not arrive in full: %s", request.method, request.path, error
            )
            return HttpResponse(
                "The request did not arrive in full, so nothing of it was used.\n",
                status=408,
                content_type="text/plain",
            )
        return self.get_response(request)
