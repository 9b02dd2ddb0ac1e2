"""Durations and moments in words ("6 hours", "3 h ago", "in 12 min")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
_SHORT = {"day": "d", "hour": "h", "minute": "min", "second": "s"}


def seconds_in_words(seconds: int | float) -> str:
    """An interval as a person says it: 21600 -> "6 hours", 5400 -> "1 hour 30 minutes"."""
    seconds = int(seconds)
    if seconds <= 0:
        return "0 seconds"
    parts = []
    for name, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
        if len(parts) == 2:
            break
    return " ".join(parts)


def short_duration(delta: timedelta) -> str:
    """A compact elapsed time: "45 s", "1 min 12 s", "3 h 5 min", "2 d 4 h"."""
    seconds = max(0, int(delta.total_seconds()))
    parts = []
    for name, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count or (name == "second" and not parts):
            parts.append(f"{count} {_SHORT[name]}")
        if len(parts) == 2:
            break
    return " ".join(parts)


def relative(moment: datetime, now: datetime) -> str:
    """ "3 h ago" or "in 12 min" (or "now")."""
    delta = moment - now
    if abs(delta) < timedelta(seconds=5):
        return "now"
    if delta > timedelta(0):
        return f"in {short_duration(delta)}"
    return f"{short_duration(-delta)} ago"


def from_unix_param(value: str | None) -> datetime | None:
    """A Unix time carried in a poll URL (``queued=``, ``at=``), or ``None`` if implausible."""
    try:
        seconds = int(value or "")
    except ValueError:
        return None
    if seconds <= 0 or seconds > 2**33:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)
