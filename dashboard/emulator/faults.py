"""Injected faults for /api/v1 and /oauth calls: rate limiting, hangs, fixed failures, error
rate, and answers held after a write was applied. (The service time, ``latency_ms``, is
Quay's capacity: see capacity.py.)

The waiting happens outside the state lock so a slow or hung request never blocks others.
"""

from __future__ import annotations

import json
import random
import threading
from typing import TypeVar

from werkzeug.wrappers import Request, Response

from .responses import json_response
from .state import State

T = TypeVar("T")
HANG_SECONDS = 120.0
WRITE_METHODS = ("POST", "PUT", "DELETE")
PROXY_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
REASONS = {
    400: ("invalid_request", "Bad Request"),
    401: ("invalid_token", "Unauthorized"),
    403: ("insufficient_scope", "Forbidden"),
    404: ("not_found", "Not Found"),
    409: ("conflict", "Conflict"),
    429: ("too_many_requests", "Too Many Requests"),
    500: ("internal_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Time-out"),
}


class Faults:
    """Holds the event that releases hung requests when the emulator is reset."""

    def __init__(self) -> None:
        self._release = threading.Event()

    def release_all(self) -> None:
        """Wake every hung request and arm a fresh event for the next hangs."""
        self._release.set()
        self._release = threading.Event()

    def rate_limit(self, state: State) -> Response | None:
        """429 with ``Retry-After`` while ``rate_limit_calls`` lasts (one call less each time).

        Quay's rate limiting answers before the call reaches Quay's code: nothing is applied.
        """
        with state.lock:
            options = state.options
            if options.rate_limit_calls <= 0:
                return None
            options.rate_limit_calls -= 1
            retry_after = options.retry_after
        response = fault_response(429)
        response.headers["Retry-After"] = str(retry_after)
        return response

    def before(self, state: State, path: str, method: str = "GET") -> Response | None:
        """Apply the configured faults to a request; a Response means "answer this".

        A hang is a path prefix, or ``"METHOD prefix"`` for that method only (``"PUT
        /api/v1/repository/acme/redis/mirror"``: the save hangs, the reads do not)."""
        with state.lock:
            options = state.options
            hangs = any(_hangs(entry, method, path) for entry in options.hang)
            status = longest_prefix(options.fail, path)
            error_rate = options.error_rate
            release = self._release
        if hangs:
            release.wait(HANG_SECONDS)
            return fault_response(504)
        if status is not None:
            return fault_response(status)
        if error_rate > 0 and random.random() < error_rate:
            return fault_response(500)
        return None

    def hold_answer(self, state: State, request: Request) -> None:
        """Apply then delay: a write Quay has fully applied keeps its answer for a while.

        ``delay_after_write`` maps path prefixes to seconds (the longest prefix wins); POST,
        PUT and DELETE on /api/v1 only. A reset answers every held call at once.
        """
        if request.method not in WRITE_METHODS or not request.path.startswith("/api/v1"):
            return
        with state.lock:
            seconds = longest_prefix(state.options.delay_after_write, request.path)
            release = self._release
        if seconds:
            release.wait(seconds)


def garbled(state: State, request: Request, response: Response) -> Response:
    """A GET's JSON answer with one listed entry spoiled as ``garble`` says (see Options)."""
    if request.method != "GET" or response.mimetype != "application/json":
        return response
    with state.lock:
        spoil = longest_prefix(state.options.garble, request.path)
    if not spoil:
        return response
    body = json.loads(response.get_data())
    lists = [v for v in body.values() if isinstance(v, list)] if isinstance(body, dict) else []
    lists += [
        inner
        for v in (body.values() if isinstance(body, dict) else ())
        if isinstance(v, dict)
        for inner in v.values()
        if isinstance(inner, list)
    ]
    for entries in lists:
        for entry in entries:
            if isinstance(entry, dict) and spoil["entry"] in (
                entry.get("name"),
                entry.get("repository"),
                entry.get("kind"),
            ):
                if spoil.get("drop"):
                    entry.pop(spoil["field"], None)
                else:
                    entry[spoil["field"]] = spoil.get("value")
    return json_response(body, response.status_code)


def _hangs(entry: str, method: str, path: str) -> bool:
    wanted, _, prefix = entry.rpartition(" ")
    return path.startswith(prefix) and (not wanted or wanted.upper() == method)


def longest_prefix(values: dict[str, T], path: str) -> T | None:
    """The value of the longest key of ``values`` that ``path`` starts with, or None."""
    matching = [prefix for prefix in values if path.startswith(prefix)]
    return values[max(matching, key=len)] if matching else None


def fault_response(status: int) -> Response:
    """What a failing Quay (or the proxy in front of it) answers with ``status``."""
    error_type, reason = REASONS.get(status, ("error", "Error"))
    if status in (502, 503, 504):
        body = PROXY_PAGE.format(code=status, reason=reason)
        return Response(body, status=status, content_type="text/html")
    if status == 500:
        return json_response({"error": "Internal Server Error"}, 500)
    return json_response(
        {
            "detail": reason,
            "error_message": reason,
            "error_type": error_type,
            "title": error_type,
            "status": status,
        },
        status,
    )
