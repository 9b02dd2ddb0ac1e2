"""How often the overview's live parts ask Quay: every ``OVERVIEW_REFRESH_SECONDS`` at the
most, and never more than ``OVERVIEW_REFRESH_CALLS_PER_MINUTE`` calls a minute for a tab."""

from __future__ import annotations

import math

from django.conf import settings


def paced(interval: int, namespaces: int) -> int:
    """``interval``, or longer if refreshing ``namespaces`` (one mirror-health call each) that
    often would ask Quay more than ``OVERVIEW_REFRESH_CALLS_PER_MINUTE`` times a minute."""
    per_minute = settings.OVERVIEW_REFRESH_CALLS_PER_MINUTE
    if per_minute <= 0:
        return interval
    return max(interval, math.ceil(60 * namespaces / per_minute))


def next_interval(interval: int, changed: bool) -> int:
    """Back to the shortest interval after a change, else twice as long (up to the max)."""
    base, longest = settings.OVERVIEW_REFRESH_SECONDS, settings.OVERVIEW_REFRESH_MAX_SECONDS
    if changed:
        return base
    return max(base, min(longest, max(interval, base) * 2))
