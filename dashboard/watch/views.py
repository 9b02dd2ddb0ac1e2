"""The watching page (``/watch/``) and what it posts: enrol a namespace (or give it a new
token), stop watching one. Only an administrator of the namespace may do either, which their
own token shows (one ``GET /user/``); the token is never shown again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.views.fragments import acting

from . import enrol
from .page import page, read_only_here


@require_GET
@quay_login_required
def watching(request: HtmxHttpRequest) -> HttpResponse:
    _, person, now = acting(request)
    return render(request, "watch/watching.html", page(person, now))


def _refused(request: HtmxHttpRequest, namespace: str) -> HttpResponse | None:
    """The answer when the person does not administer ``namespace`` (``None`` when they do)."""
    client, person, _ = acting(request)
    administers = enrol.administers(client, namespace)
    if administers and read_only_here(person, namespace):
        administers = False  # Quay shows a read-only superuser all, lets them change none
    if administers:
        return None
    words = (
        f"Only an administrator of {namespace} may enrol it or stop watching it."
        if administers is False
        else "Quay could not be asked whether you administer it: try again in a moment."
    )
    messages.error(request, words)
    return HttpResponseRedirect(reverse("watch:watching"))


@require_POST
@quay_login_required
def enrol_namespace(request: HtmxHttpRequest) -> HttpResponse:
    namespace = request.POST.get("namespace", "").strip()[:255]
    refused = _refused(request, namespace)
    if refused is not None:
        return refused
    _, person, now = acting(request)
    token = request.POST.get("token", "")  # checked whole, and never shown again
    done = enrol.enrol(namespace, token, enrolled_by=person.username, now=now)
    messages.add_message(request, messages.SUCCESS if done.ok else messages.ERROR, done.message)
    return HttpResponseRedirect(reverse("watch:watching"))


@require_POST
@quay_login_required
def remove_namespace(request: HtmxHttpRequest, namespace: str) -> HttpResponse:
    refused = _refused(request, namespace)
    if refused is not None:
        return refused
    _, person, _ = acting(request)
    done = enrol.remove(namespace, removed_by=person.username)
    messages.add_message(request, messages.SUCCESS if done.ok else messages.ERROR, done.message)
    return HttpResponseRedirect(reverse("watch:watching"))
