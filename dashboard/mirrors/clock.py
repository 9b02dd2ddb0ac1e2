"""The one clock of the dashboard's own code.

A view reads it once per request (``clock.now()``) and passes the moment down to every
operation, so one page never mixes two "now"s and tests move one seam (this function) to
follow the emulator's clock.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current moment (aware, UTC)."""
    return timezone.now()
