"""Quay's date formats, and its dates in a person's time zone.

Quay returns ``sync_start_date`` either as ``2026-11-27T17:00:00Z`` or, after a sync, with
microseconds (``2026-11-27T17:00:00.268812Z``), but only accepts the first form when written,
with a four-digit year (``strptime("%Y-%m-%dT%H:%M:%SZ")``). Its logs and tags use RFC 2822
dates (``Fri, 27 Nov 2026 16:47:00 -0000``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.utils import timezone

#: A year written with fewer than four digits (``999-01-01``: glibc's ``%Y`` does not pad).
_SHORT_YEAR = re.compile(r"^(\d{1,3})-")


def parse_quay_datetime(value: object) -> datetime | None:
    """Read a mirror date in any form Quay returns, as aware UTC.

    ``None``, an empty string, anything that is not a string and anything that is not a date
    (or is one that cannot be expressed in UTC) read as ``None``: this never raises.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = _SHORT_YEAR.sub(lambda m: f"{int(m.group(1)):04d}-", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1]
        if not re.search(r"[+-]\d\d:?\d\d$", text):
            text += "+00:00"  # Quay's ``isoformat() + "Z"`` of a naive UTC datetime
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def format_quay_datetime(value: datetime) -> str:
    """Write a date the only way Quay accepts: UTC, whole seconds, four-digit year, ``Z``."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    utc = value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return utc.isoformat(timespec="seconds") + "Z"


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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def local_time_or_none(value: datetime) -> datetime | None:
    """``value`` in the active time zone, or ``None`` when that zone's wall clock would be
    outside the years 1 to 9999 (Quay accepts any date in them, e.g. 9999-12-31T23:59:59Z)."""
    try:
        return timezone.localtime(value)
    except OverflowError:
        return None


def local_time(value: datetime) -> datetime:
    """``value`` in the active time zone, or in UTC where that zone cannot write it (its
    ``tzname()`` then says UTC, so a label built from it stays true)."""
    return local_time_or_none(value) or value.astimezone(UTC)
