"""Template filters for times and durations in words (the words come from ``timefmt``), ids,
URLs without their credentials, and why mirrors are read-only for the person; an overview row
drawn once for everyone it is the same for."""

from __future__ import annotations

from collections.abc import Iterable, Sized
from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils.safestring import SafeString

from dashboard.mirrors.overview import drawn
from dashboard.mirrors.overview.pace import paced
from dashboard.mirrors.overview.rows import Row
from dashboard.mirrors.overview.rows import dom_id as make_dom_id
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules.timefmt import moment_html, seconds_in_words

from ..models import redact_url

register = template.Library()


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """A moment in the person's local time, with UTC on hover: ``<time title="... UTC">``."""
    return moment_html(value)


@register.simple_tag(takes_context=True)
def overview_row(context: template.Context, row: Row) -> SafeString:
    """``{% overview_row row %}``: the row as ``overview.html#row`` draws it, drawn once for
    everyone it is the same for (``overview.drawn``)."""
    return drawn.row_html(row, context)


@register.filter
def in_words(seconds: int | None) -> str:
    """21600 -> "6 hours"."""
    return "—" if seconds is None else seconds_in_words(seconds)


@register.filter
def took(value: timedelta | None) -> str:
    """How long something took, in words: ``timedelta(minutes=95)`` -> "1 hour 35 minutes"."""
    return "—" if value is None else seconds_in_words(max(0, int(value.total_seconds())))


@register.filter
def dom_id(value: str, prefix: str) -> str:
    """``"acme"|dom_id:"ro"`` -> ``"ro-acme"``: a stable HTML id for a name."""
    return make_dom_id(prefix, str(value))


@register.filter
def without_credentials(value: str | None) -> str | None:
    """``http://user:secret@proxy:3128`` -> ``http://***@proxy:3128`` (``models.redact_url``)."""
    return redact_url(value)


@register.filter
def read_only_cause(person: Person | None, namespaces: str | Iterable[str]) -> str:
    """``scope``, ``rights`` or ``unknown``: why Quay shows the mirrors of ``namespaces`` (one
    name, or several) read-only to ``person`` (:meth:`Person.read_only_cause`)."""
    if person is None:
        return "unknown"
    return person.read_only_cause([namespaces] if isinstance(namespaces, str) else namespaces)


@register.filter
def refresh_seconds(rows: Sized | None) -> int:
    """Seconds between two refreshes of a section of the overview whose ``rows`` cost one
    call each: every ``OVERVIEW_REFRESH_SECONDS``, or less often when that would ask Quay more
    than ``OVERVIEW_REFRESH_CALLS_PER_MINUTE`` times a minute (the tab's pace, as for the
    repository rows' refresh)."""
    return paced(settings.OVERVIEW_REFRESH_SECONDS, len(rows or ()))
