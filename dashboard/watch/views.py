"""The watching page (``/watch/``) and what it posts: enrol a namespace (or give it a new
token), stop watching one; a watched namespace's trends (``/watch/{ns}/trends/``, for whoever
Quay shows its mirrors' settings to); its alert rules (``/watch/{ns}/alerts/``): see, add,
change, test and remove them. Only an administrator of the namespace may enrol, remove or set
rules, which their own token shows (``GET /user/``, ``GET /organization/{ns}``); a token or a
channel's URL is never shown again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.formposts import post_only
from dashboard.http import HtmxHttpRequest
from dashboard.mirrors.views.fragments import acting

from . import enrol, trends
from .alerts import page as alerts_page
from .alerts import rules
from .models import AlertRule, Enrolment
from .page import page, read_only_here


@require_GET
@quay_login_required
def watching(request: HtmxHttpRequest) -> HttpResponse:
    _, person, now = acting(request)
    return render(request, "watch/watching.html", page(person, now))


@require_GET
@quay_login_required
def namespace_trends(request: HtmxHttpRequest, namespace: str) -> HttpResponse:
    """Successes and failures per day, the most-failing mirrors, time to recover: for whoever
    Quay shows the namespace's mirror settings to (others get why, and no number)."""
    _, person, now = acting(request)
    page = trends.build(person, namespace, request.GET, now)
    return render(request, "watch/trends.html", {"page": page}, status=page.status)


def _refused(
    request: HtmxHttpRequest, namespace: str, what: str = "enrol it or stop watching it"
) -> HttpResponse | None:
    """The answer when the person does not administer ``namespace`` (``None`` when they do):
    back to the watching page, which says why."""
    client, person, _ = acting(request)
    administers = enrol.administers(client, namespace)
    if administers and read_only_here(person, namespace):
        administers = False  # Quay shows a read-only superuser all, lets them change none
    if administers:
        return None
    words = (
        f"Only an administrator of {namespace} may {what}."
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


# -- alert rules ---------------------------------------------------------------------------

RULES_WORDS = "see or change its alert rules"


def _alerts_page(
    request: HtmxHttpRequest,
    enrolment: Enrolment,
    *,
    new: rules.RuleForm | None = None,
    changed: rules.RuleForm | None = None,
    changed_rule: int | None = None,
) -> HttpResponse:
    """The rules page; with a refused form (400), its errors and the person's choices (never
    the URL)."""
    refused = new is not None or changed is not None
    _, _, now = acting(request)
    context = alerts_page.page(enrolment, now, new=new, changed=changed, changed_rule=changed_rule)
    return render(request, "watch/alerts.html", context, status=400 if refused else 200)


def _back(namespace: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("watch:alerts", args=[namespace]))


@require_GET
@quay_login_required
def alerts(request: HtmxHttpRequest, namespace: str) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment, namespace=namespace)
    return _refused(request, namespace, RULES_WORDS) or _alerts_page(request, enrolment)


@post_only("watch:alerts", "namespace")
@quay_login_required
def alert_add(request: HtmxHttpRequest, namespace: str) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment, namespace=namespace)
    refused = _refused(request, namespace, RULES_WORDS)
    if refused is not None:
        return refused
    form = rules.RuleForm(request.POST)
    if not form.is_valid():
        return _alerts_page(request, enrolment, new=form)
    _, person, now = acting(request)
    done = rules.add(
        enrolment,
        form.cleaned_data["url"],
        form.cleaned_data["events"],
        by=person.username,
        now=now,
        checked=form.checked,
        owner_email=form.cleaned_data["owner_email"],
    )
    messages.add_message(request, messages.SUCCESS if done.ok else messages.ERROR, done.message)
    return _back(namespace)


@require_POST
@quay_login_required
def alert_rule(request: HtmxHttpRequest, namespace: str, pk: int, action: str) -> HttpResponse:
    """Change, test or remove one rule (``action``)."""
    rule = get_object_or_404(AlertRule, pk=pk, enrolment__namespace=namespace)
    refused = _refused(request, namespace, RULES_WORDS)
    if refused is not None:
        return refused
    _, person, now = acting(request)
    if action == "test":
        done = rules.test(rule, by=person.username, now=now)
    elif action == "remove":
        done = rules.remove(rule, by=person.username)
    else:
        form = rules.RuleForm(request.POST, keeps_url=True, prefix=f"r{rule.pk}")
        if not form.is_valid():
            return _alerts_page(request, rule.enrolment, changed=form, changed_rule=rule.pk)
        done = rules.change(
            rule,
            form.cleaned_data["events"],
            by=person.username,
            url=form.cleaned_data["url"],
            checked=form.checked,
            owner_email=form.cleaned_data["owner_email"],
        )
    messages.add_message(request, messages.SUCCESS if done.ok else messages.ERROR, done.message)
    return _back(namespace)
