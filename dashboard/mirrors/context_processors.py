"""What every mirror template may use: the live-status rhythm and the words said before a
Cancel (one source for the panel, the rows and the bulk bar)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from dashboard.mirrors.rules.org_status import ORG_CANCEL_WARNING
from dashboard.mirrors.rules.status import CANCEL_WARNING


def live_status(request: HttpRequest) -> dict[str, object]:
    return {
        "poll_seconds": settings.STATUS_POLL_SECONDS,
        "cancel_warning": CANCEL_WARNING,
        "org_cancel_warning": ORG_CANCEL_WARNING,
    }
