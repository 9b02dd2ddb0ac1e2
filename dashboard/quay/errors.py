"""Typed errors for every way a call to Quay can fail.

Views catch :class:`QuayError` (or a subclass) and show ``error.message`` on the page; the
message is written for the person using the dashboard, never a stack trace.
"""

from __future__ import annotations

from typing import Any


class QuayError(Exception):
    """Base class: a call to Quay did not give the answer we asked for."""

    status: int | None = None
    default_message = "Quay did not answer as expected."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        if status is not None:
            self.status = status
        super().__init__(self.message)


class QuayUnreachable(QuayError):
    default_message = "Quay cannot be reached right now. Check that it is running and try again."


class QuayTimeout(QuayError):
    default_message = "Quay took too long to answer. Try again in a moment."


class QuayDropped(QuayTimeout):
    """A write whose connection Quay closed before answering (a kept-alive connection closed
    just as the write went out): like a timeout, whether Quay applied it is not known."""

    default_message = (
        "Quay closed the connection before it answered, so whether it did this is not known. "
        "Look at the page again before trying once more."
    )


class QuayNotSent(QuayTimeout):
    """The call was never sent: nothing happened in Quay (the subclasses say why)."""


class QuayOutOfTime(QuayNotSent):
    """The call was never sent: what came before it in the same action (a press, and the
    reads that say what it did) used up the one timeout the action may wait for Quay."""

    def __init__(self, *, seconds: float) -> None:
        super().__init__(
            f"Quay was not asked: this action may wait {seconds:g} s for Quay in all, and its "
            "calls before this one used that time up."
        )


class QuayBusy(QuayNotSent):
    """The call was never sent: the dashboard's calls to Quay were all in use for as long as
    this call could wait (``QUAY_MAX_INFLIGHT``, shared by everyone using the dashboard)."""

    def __init__(self, *, limit: int, waited: float) -> None:
        calls = "call" if limit == 1 else "calls"
        super().__init__(
            f"Quay is busy: the dashboard already has {limit} {calls} waiting on Quay, the most "
            "it sends at once for everyone using it, and none came free in the "
            f"{waited:.1f} s this call could wait, so it was not sent. Try again in a moment."
        )
        self.limit = limit


class QuayRateLimited(QuayError):
    """429: Quay's rate limiting refused the call (and did not process it).

    ``retry_after``: the seconds Quay asked to wait (``Retry-After``), None when it did not say.
    """

    status = 429
    default_message = (
        "Quay is limiting how often the dashboard may call it (429 Too Many Requests) and did "
        "not say for how long. Try again in a moment."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status)


class QuayBadRequest(QuayError):
    """400: Quay refused the request; ``message`` is Quay's own reason."""

    status = 400
    default_message = "Quay refused the request."


class QuayUnauthorized(QuayError):
    """401: the token is missing, expired or revoked: the person must sign in again."""

    status = 401
    default_message = "Your Quay sign-in has expired or was revoked. Please sign in again."


class QuayForbidden(QuayError):
    """403: no rights on this resource, or the token lacks the scope."""

    status = 403
    default_message = "Quay says you do not have the rights for this."

    def __init__(
        self, message: str | None = None, *, status: int | None = None, scope: str | None = None
    ) -> None:
        self.scope = scope
        if message is None and scope:
            message = (
                "Quay refused this: you need admin rights here"
                if scope == "repo:admin"
                else "Quay refused this: you lack the rights here"
            ) + f", and your sign-in must include the {scope} scope."
        super().__init__(message, status=status)


class QuayNotFound(QuayError):
    status = 404
    default_message = "Quay has no such thing."


class QuayConflict(QuayError):
    status = 409
    default_message = "Quay reports a conflict with the current state."


class QuayServerError(QuayError):
    """5xx: Quay (or a proxy in front of it) failed."""

    default_message = "Quay had an internal problem."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(
            message or f"Quay had an internal problem (HTTP {status}). Try again later.",
            status=status,
        )


#: The errors after which Quay may have acted on a write: no answer in time (a connection it
#: closed as the write went out too), or a 5xx from Quay or a proxy in front of it. Look before
#: saying what happened. A :class:`QuayNotSent` is a timeout by its class but was never sent:
#: catch it first.
MAY_HAVE_ACTED: tuple[type[QuayError], ...] = (QuayTimeout, QuayServerError)


class QuayUnsendableToken(QuayError):
    """The token has characters no Quay token has: nothing was sent (and the token is in no
    error, no log)."""

    default_message = (
        "The token has characters no Quay token has, so nothing was sent to Quay. Sign in "
        "again with the token as Quay shows it."
    )


class QuayUnexpected(QuayError):
    """Quay answered with something we cannot read (not JSON, unknown status)."""


ERRORS_BY_STATUS: dict[int, type[QuayError]] = {
    400: QuayBadRequest,
    401: QuayUnauthorized,
    403: QuayForbidden,
    404: QuayNotFound,
    409: QuayConflict,
    429: QuayRateLimited,
}


def quay_message(body: Any) -> str | None:
    """Quay's reason from any of its three error body shapes.

    ``{"detail", "error_message", ...}``, a bare ``{"detail"}``, or ``{"message"}``
    (robot errors); ``{"error": ...}`` is used by its OAuth and browser checks.
    """
    if isinstance(body, dict):
        for key in ("detail", "message", "error_message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def error_for(status: int, body: Any, scope: str | None = None) -> QuayError:
    """The typed error for an HTTP status and the (parsed) body Quay sent with it."""
    message = quay_message(body)
    if status >= 500:
        return QuayServerError(status=status)
    cls = ERRORS_BY_STATUS.get(status)
    if cls is None:
        return QuayUnexpected(f"Quay answered HTTP {status}.", status=status)
    if cls is QuayBadRequest:
        return QuayBadRequest(message, status=status)
    # For 401/403/404/409 Quay's text is generic ("Unauthorized", "Not Found"): keep ours.
    if cls is QuayForbidden:
        error: QuayError = QuayForbidden(status=status, scope=scope)
    else:
        error = cls(status=status)
    error.quay_detail = message  # type: ignore[attr-defined]
    return error
