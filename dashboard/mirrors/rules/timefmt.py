"""Durations and moments in words ("6 hours", "3 h ago", "in 12 min", "at 14:00 UTC"): the one
place that puts time into words, for the operations, the templates (``mirror_format``) and
the management commands alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils.html import format_html
from django.utils.safestring import SafeString

from dashboard.quay.dates import local_time

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
_SHORT = {"day": "d", "hour": "h", "minute": "min", "second": "s"}


#: Beyond this distance a moment is said as its date ("on 2029-12-31"), not "in 1126 d".
FAR = timedelta(days=60)


def _two_units(seconds: int) -> list[tuple[int, str]]:
    """The largest unit of ``seconds`` and the one right below it if it is not zero: 3 h 0 min
    7 s is "3 h", never "3 h 7 s"."""
    for index, (name, size) in enumerate(_UNITS):
        if seconds >= size or name == "second":
            count, rest = divmod(seconds, size)
            parts = [(count, name)]
            if index + 1 < len(_UNITS):
                below_name, below_size = _UNITS[index + 1]
                if rest // below_size:
                    parts.append((rest // below_size, below_name))
            return parts
    return []


def seconds_in_words(seconds: int | float) -> str:
    """An interval as a person says it: 21600 -> "6 hours", 5400 -> "1 hour 30 minutes"."""
    seconds = int(seconds)
    if seconds <= 0:
        return "0 seconds"
    return " ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name in _two_units(seconds))


def short_duration(delta: timedelta) -> str:
    """A compact elapsed time: "45 s", "1 min 12 s", "3 h 5 min", "2 d 4 h"."""
    seconds = max(0, int(delta.total_seconds()))
    return " ".join(f"{n} {_SHORT[name]}" for n, name in _two_units(seconds))


def about(delta: timedelta) -> str:
    """A duration to the minute once it is past a few minutes ("14 h", not "14 h 1 s")."""
    if delta >= timedelta(minutes=3):
        delta = timedelta(minutes=round(delta.total_seconds() / 60))
    return short_duration(delta)


def relative(moment: datetime, now: datetime) -> str:
    """ "3 h ago", "in 12 min", "now"; to the minute past a few minutes; a moment more than
    two months away is its date ("on 2029-12-31")."""
    delta = moment - now
    if abs(delta) < timedelta(seconds=5):
        return "now"
    if abs(delta) > FAR:
        return f"on {local_time(moment).date().isoformat()}"
    if delta > timedelta(0):
        return f"in {about(delta)}"
    return f"{about(-delta)} ago"


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 h ago", "in 12 min", "just now": next to a time on the page (UI.md)."""
    if moment is None:
        return ""
    words = relative(moment, now)
    return "just now" if words == "now" else words


def clock(moment: datetime, now: datetime) -> str:
    """ "14:00 UTC", "Nov 29 14:00 UTC", "2029-12-31 14:00 UTC": the local time, with the day
    when not today and the year when not this year."""
    local, today = local_time(moment), local_time(now)
    if local.date() == today.date():
        shape = "%H:%M"
    elif local.year == today.year:
        shape = "%b %d %H:%M"
    else:
        return f"{local.date().isoformat()} {local.strftime('%H:%M')} {local.tzname() or 'UTC'}"
    return f"{local.strftime(shape)} {local.tzname() or 'UTC'}"


def at(moment: datetime, now: datetime) -> str:
    """ "at 14:00 UTC (in 5 h)", "at Nov 29 14:00 UTC (in 2 d 1 h)": local time and distance
    (the distance left out when it is only the date again)."""
    distance = relative(moment, now)
    if distance.startswith("on "):
        return f"at {clock(moment, now)}"
    return f"at {clock(moment, now)} ({distance})"


def moment_words(moment: datetime | None, now: datetime) -> str:
    """ "2026-11-30 14:00 UTC (3 h ago)": a moment in plain text, for text output."""
    if moment is None:
        return ""
    local = local_time(moment)
    stamp = f"{local.date().isoformat()} {local.strftime('%H:%M')}"
    return f"{stamp} {local.tzname() or 'UTC'} ({ago(moment, now)})"


def utc_stamp(moment: datetime) -> str:
    """ "2026-11-30 14:00 UTC": a moment for a reader in any time zone (an alert message)."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def moment_html(value: datetime | None) -> SafeString | str:
    """A moment in the person's local time, with UTC on hover: ``<time title="... UTC">``."""
    if value is None:
        return "—"
    local = local_time(value)
    utc = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}T{}Z" title="{} {} UTC">{} {} {}</time>',
        utc.date().isoformat(),
        utc.strftime("%H:%M:%S"),
        utc.date().isoformat(),
        utc.strftime("%H:%M"),
        local.date().isoformat(),
        local.strftime("%H:%M"),
        local.tzname() or "UTC",
    )


def from_unix_param(value: str | None) -> datetime | None:
    """A Unix time carried in a poll URL (``queued=``, ``at=``), or ``None`` if implausible."""
    try:
        seconds = int(value or "")
    except ValueError:
        return None
    if seconds <= 0 or seconds > 2**33:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)
