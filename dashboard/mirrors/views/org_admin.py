"""What only an organization mirror has: Quay's test connection to its source, and Delete.

``POST /org/<org>/mirror/verify/``      Quay's test connection (htmx: its answer in place)
``GET|POST /org/<org>/mirror/delete/``  confirm, then Delete (operations.org_admin)
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest

from ..kinds.organization import OrgTarget
from ..operations import org_admin
from ..pages import organization
from .fragments import acting

ORG_MIRROR = "mirrors/org_mirror.html"


@require_POST
@quay_login_required
def verify(request: HtmxHttpRequest, org: str) -> HttpResponse:
    client, _person, now = acting(request)
    verified = org_admin.verify(client, OrgTarget(org))
    if request.htmx:
        return render(request, f"{ORG_MIRROR}#verify_result", {"verified": verified, "now": now})
    level = messages.SUCCESS if verified.ok else messages.WARNING
    messages.add_message(request, level, verified.text)
    return HttpResponseRedirect(OrgTarget(org).url("page"))


@require_http_methods(["GET", "POST"])
@quay_login_required
def delete(request: HtmxHttpRequest, org: str) -> HttpResponse:
    target = OrgTarget(org)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        client, person, _now = acting(request)
        deleted = org_admin.delete(client, person, target)
        level = messages.SUCCESS if deleted.ok else messages.WARNING
        messages.add_message(request, level, deleted.message)
        return HttpResponseRedirect(target.url("page"))
    client, person, _now = acting(request)
    built = organization.delete_question(client, person, target)
    return render(request, built.template, built.context, status=built.status)
