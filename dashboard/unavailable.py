"""The database does not answer: every page says so in the dashboard's words, with HTTP 503
and ``Retry-After``, never a 500 (and no traceback in the log: one warning a request).

Django turns an exception raised anywhere in a request (a view, a middleware reading the
session or the person, a response being saved) into its 500 handler; this handler tells a
database that cannot be reached apart from a bug. The next request opens a new connection
(``CONN_HEALTH_CHECKS``): the pages come back with the database, without a restart.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

#: Seconds a person (or a client) is asked to wait before trying again.
RETRY_AFTER_SECONDS = 10
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The page that says the database does not answer (drawn without the request: its
    context processors would read the session)."""
    logger.warning(
        "The database does not answer (%s: %s): %s %s answered 503",
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
        request.method,
        request.path,
    )
    body = loader.render_to_string("503_database.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # type: ignore[attr-defined]  # logged above, once
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: the database's page when the database failed, else Django's 500."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return defaults.server_error(request, template_name)
