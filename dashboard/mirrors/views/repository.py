"""The repository page: status, settings (readable and as the edit form), history, audit.

``GET /repo/<ns>/<name>/`` (the data: ``services.repository_page``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required, take_pending_submission
from dashboard.http import HtmxHttpRequest

from ..forms import data_from_pending
from ..services import repository_page
from ..services.target import RepoTarget
from .fragments import REPOSITORY, acting


@require_GET
@quay_login_required
def repository(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    client, person, now = acting(request)
    target = RepoTarget(namespace, name)
    data = repository_page.load(client, person, target, now)
    form = None
    pending = take_pending_submission(request, target.url("settings"))
    if pending and data.config_readable:
        form = repository_page.build_form(data, bound=data_from_pending(pending))
        form.is_valid()
        messages.info(
            request,
            "What you were submitting before signing in again is back in the form "
            "(except the password). Check it and save again.",
        )
    context, status = repository_page.page(data, now, form=form)
    return render(request, REPOSITORY, context, status=status)
