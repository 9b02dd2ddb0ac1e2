"""Quay's date formats.

Quay returns ``sync_start_date`` either as ``2026-11-27T17:00:00Z`` or, after a sync, with
microseconds (``2026-11-27T17:00:00.268812Z``), but only accepts the first form when written.
Its logs and tags use RFC 2822 dates (``Fri, 27 Nov 2026 16:47:00 -0000``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

WRITE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_READ_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def parse_quay_datetime(value: str | None) -> datetime | None:
    """Read a mirror date in either form Quay returns; ``None`` stays ``None``."""
    if not value:
        return None
    for fmt in _READ_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    # Tolerate ISO offsets (``+00:00``) too, then normalise to UTC.
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_quay_datetime(value: datetime) -> str:
    """Write a date the only way Quay accepts: UTC, whole seconds, ``Z``."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return value.astimezone(UTC).strftime(WRITE_FORMAT)


def parse_rfc2822(value: str | None) -> datetime | None:
    """Read a log or tag date (``Fri, 27 Nov 2026 16:47:00 -0000``) as aware UTC."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
