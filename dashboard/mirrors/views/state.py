"""``POST /repo/<ns>/<name>/state/``: put a NORMAL repository in mirror state, after an
explicit confirmation (``operations.state``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest

from ..kinds.repository import RepoTarget
from ..operations.state import switch_to_mirror
from .fragments import acting


@require_POST
@quay_login_required
def switch_state(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    client, person, _ = acting(request)
    target = RepoTarget(namespace, name)
    confirmed = request.POST.get("confirm") == "yes"
    result = switch_to_mirror(client, person, target, confirmed=confirmed)
    messages.add_message(request, getattr(messages, result.level.upper()), result.message)
    return HttpResponseRedirect(target.url("page"))
