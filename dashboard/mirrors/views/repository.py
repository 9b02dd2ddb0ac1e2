"""The repository page: status, settings (readable and as the edit form), history, audit.

``GET /repo/<ns>/<name>/`` (the data: ``pages.repository``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required, take_pending_submission
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.pages import repository as repository_page

from .fragments import REPOSITORY, acting


@require_GET
@quay_login_required
def repository(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    client, person, now = acting(request)
    target = RepoTarget(namespace, name)
    data = repository_page.load(client, person, target, now)
    pending = take_pending_submission(request, target.url("settings"))
    form = repository_page.restored_form(data, pending)
    if form is not None:
        messages.info(request, repository_page.RESTORED)
    context, status = repository_page.page(data, now, form=form)
    return render(request, REPOSITORY, context, status=status)
