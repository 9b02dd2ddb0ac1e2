"""Template filters for times and durations in words."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from ..timefmt import seconds_in_words

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """A moment in the person's local time, with UTC on hover: ``<time title="... UTC">``."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    utc = value.astimezone(UTC)
    zone = local.tzname() or "UTC"
    return format_html(
        '<time datetime="{}" title="{} UTC">{} {}</time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M"),
        local.strftime("%Y-%m-%d %H:%M"),
        zone,
    )


@register.filter
def in_words(seconds: int | None) -> str:
    """21600 -> "6 hours"."""
    return "—" if seconds is None else seconds_in_words(seconds)
