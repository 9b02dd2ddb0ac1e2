"""The dashboard's own audit trail: who changed which mirror, when, and whether it took effect.

``GET /audit/?namespace=&repository=&person=&page=`` (see ``pages.audit.page``).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.pages import audit as audit_trail

from .fragments import acting


@require_GET
@quay_login_required
def audit(request: HtmxHttpRequest) -> HttpResponse:
    client, person, now = acting(request)
    context = audit_trail.page(client, person, request.GET, now)
    return render(request, "mirrors/audit.html", context)
