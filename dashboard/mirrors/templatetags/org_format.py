"""Template filters of the organization mirrors' words (the words live in services)."""

from __future__ import annotations

from collections.abc import Sequence

from django import template

from dashboard.mirrors.overview.orgs import OrgRow, refresh_seconds

register = template.Library()


@register.filter
def org_refresh_seconds(rows: Sequence[OrgRow] | None) -> int:
    """Seconds between two refreshes of the overview's organization mirrors."""
    return refresh_seconds(rows or ())
