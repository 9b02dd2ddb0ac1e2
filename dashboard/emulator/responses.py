"""Response helpers shaped like Quay's: JSON bodies, the three error shapes, date format."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from email.utils import formatdate
from typing import Any

from werkzeug.wrappers import Request, Response

JSON = "application/json"


def format_date(when: datetime) -> str:
    """Quay's ``format_date``: ``Fri, 27 Nov 2026 16:47:00 -0000``."""
    from .sync import epoch

    return formatdate(epoch(when))


def iso_date(when: datetime | None) -> str | None:
    """Quay's ``_dt_to_string`` of both mirror APIs: ISO 8601 with a ``Z``; None stays None."""
    return None if when is None else when.isoformat() + "Z"


def json_response(body: Any, status: int = 200, content_type: str = JSON) -> Response:
    """A JSON response (Flask's ``jsonify`` ends the body with a newline)."""
    return Response(json.dumps(body) + "\n", status=status, content_type=content_type)


def empty(status: int = 204) -> Response:
    """An empty body with Quay's JSON content type (sync-now / sync-cancel)."""
    return Response(b"", status=status, content_type=JSON)


class ApiError(Exception):
    """Raised by handlers; carries the finished error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def quay_error(
    request: Request,
    status: int,
    error_type: str,
    detail: str,
    *,
    session_required: bool | None = None,
) -> ApiError:
    """Quay's full error body ``{detail, error_message, error_type, title, type, status}``."""
    body: dict[str, Any] = {}
    if session_required is not None:
        body["session_required"] = session_required
    body.update(
        {
            "detail": detail,
            "error_message": detail,
            "error_type": error_type,
            "title": error_type,
            "type": f"{request.host_url}api/v1/error/{error_type}",
            "status": status,
        }
    )
    return ApiError(json_response(body, status))


def invalid_request(request: Request, detail: str) -> ApiError:
    return quay_error(request, 400, "invalid_request", detail)


def not_found(request: Request) -> ApiError:
    return quay_error(request, 404, "not_found", "Not Found")


def forbidden(request: Request) -> ApiError:
    """Quay's ``Unauthorized`` exception: 403 insufficient_scope."""
    return quay_error(request, 403, "insufficient_scope", "Unauthorized")


def unauthenticated(request: Request, session_required: bool | None = None) -> ApiError:
    return quay_error(
        request, 401, "invalid_token", "Requires authentication", session_required=session_required
    )


def bare_detail(detail: str, status: int = 400) -> ApiError:
    """The bare ``{"detail": ...}`` shape some mirror errors use."""
    return ApiError(json_response({"detail": detail}, status))


def message_error(message: str, status: int = 400) -> ApiError:
    """The ``{"message": ...}`` shape of DataModelException (robot errors)."""
    return ApiError(json_response({"message": message}, status))


def encode_token(payload: dict[str, Any]) -> str:
    """An opaque page token carrying ``payload`` (Quay encrypts its own; clients never look)."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None) -> dict[str, Any] | None:
    """What an opaque page token carries, or None when absent or unreadable (Quay then answers
    the first page)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def encode_page_token(offset: int) -> str:
    return encode_token({"offset": offset})


def decode_page_token(token: str | None) -> int:
    """The offset in an opaque ``next_page`` token (0 when absent or unreadable)."""
    payload = decode_token(token) or {}
    try:
        return max(0, int(payload["offset"]))
    except (KeyError, TypeError, ValueError):
        return 0
