"""Saving mirror settings, the glob editor's endpoints, and the switch to mirror state.

``POST /repo/<ns>/<name>/settings/``     create or update the mirror config
``POST /repo/<ns>/<name>/rules/``        the editor's rows after adding/removing one (htmx)
``POST /repo/<ns>/<name>/rules/check/``  per-row checks and the preview, as you type (htmx)
``POST /repo/<ns>/<name>/state/``        switch a NORMAL repository to MIRROR

A save sends Quay only what the person changed, refuses to overwrite someone else's change
made since the form was loaded, asks before disturbing a running sync, reads the config back
and says plainly what Quay accepted but did not apply. Every outcome is in the audit trail.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from dashboard.accounts.reauth import quay_login_required
from dashboard.quay.errors import (
    QuayBadRequest,
    QuayConflict,
    QuayError,
    QuayNotFound,
    QuayUnauthorized,
)
from dashboard.quay.fanout import parallel
from dashboard.quay.models import RepositoryState

from .. import changes
from ..forms import MirrorSettingsForm, data_from_snapshot
from ..models import AuditEntry, record
from .repository import PageData, build_form, load, render_page, rules_context

RULES_TEMPLATE = "mirrors/settings_form.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# -- Quay's 400s, next to the field they concern --------------------------------------------------

#: (words in Quay's message, lower case) -> the form field the message is about.
_FIELD_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sync_start_date", "datetime"), "sync_start_date"),
    (("skopeo_timeout",), "skopeo_timeout_value"),
    (("sync_interval",), "sync_interval_value"),
    (("robot",), "robot_username"),
    (
        ("registry location", "external_reference", "external registry reference", "hostname"),
        "external_reference",
    ),
    (("password", "username"), "external_registry_username"),
    (("architecture",), "architecture_filter"),
    (("root_rule", "rule_value", "rule_kind", "tag pattern"), "root_rule"),
    (("verify_tls",), "verify_tls"),
    (("unsigned_images",), "unsigned_images"),
    (("http_proxy",), "http_proxy"),
    (("https_proxy",), "https_proxy"),
    (("no_proxy",), "no_proxy"),
)


_SCHEMA_PATH = re.compile(r"On instance\['(\w+)'\]|schema\['properties'\]\['(\w+)'\]")


def quay_reason(message: str) -> str:
    """Quay's message without the schema dump jsonschema appends after a blank line."""
    return message.split("\n\n", 1)[0].strip() or message


def _hinted_field(text: str) -> str | None:
    lowered = text.lower()
    for needles, field_name in _FIELD_HINTS:
        if any(n in lowered for n in needles):
            return field_name
    return None


def field_for(message: str) -> str | None:
    """The form field a Quay 400 message is about, or ``None`` (then it goes on top).

    The first line is Quay's reason; a schema error names the property only in the dump after
    it (``On instance['skopeo_timeout_interval']``), so that is read next.
    """
    found = _hinted_field(quay_reason(message))
    if found:
        return found
    path = _SCHEMA_PATH.search(message)
    return _hinted_field(path.group(1) or path.group(2)) if path else None


def add_quay_error(form: MirrorSettingsForm, error: QuayError) -> None:
    reason = quay_reason(error.message)
    field_name = field_for(error.message) if isinstance(error, QuayBadRequest) else None
    if field_name not in form.fields:
        field_name = None
    form.add_error(field_name, f"Quay refused this: {reason}")


# -- helpers ------------------------------------------------------------------------------------


def _repo_url(namespace: str, name: str) -> str:
    return reverse("mirrors:repo", args=[namespace, name])


def _redirect(namespace: str, name: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(_repo_url(namespace, name))


def _again(
    request: HtmxHttpRequest,
    data: PageData,
    form: MirrorSettingsForm,
    message: str = "",
    **extra: Any,
) -> HttpResponse:
    """The page again with the form as posted (never the password) and why nothing was saved."""
    return render_page(request, data, form=form, extra={"form_error": message, **extra})


def _read_back(request: HtmxHttpRequest, namespace: str, name: str) -> changes.Snapshot | None:
    try:
        return changes.snapshot(request.quay.get_mirror(namespace, name))  # type: ignore[attr-defined]
    except QuayUnauthorized:
        raise
    except QuayError:
        return None


def _report(
    request: HtmxHttpRequest,
    verb: str,
    asked: list[changes.Change],
    password: str,
    after: changes.Snapshot | None,
    *,
    headline_only: bool = False,
) -> tuple[bool, str]:
    """Messages after a save; (all applied, what did not apply in words)."""
    done = verb if headline_only else f"{verb}: {changes.summary(asked, password)}"
    if after is None:
        messages.warning(
            request,
            f"{done}. The settings could not be read back from Quay to check that "
            "every change took effect; reload the page to see them.",
        )
        return True, ""
    check = changes.verify(asked, after)
    applied = changes.summary(check.applied, password)
    if headline_only:
        messages.success(request, f"{verb}.")
    elif applied:
        messages.success(request, f"{verb}: {applied}.")
    dropped = "; ".join(
        f"{change.label} (asked for {changes.format_value(change.field, change.new)}, "
        f"Quay still has {changes.format_value(change.field, kept)})"
        for change, kept in check.not_applied
    )
    if dropped:
        messages.error(
            request,
            f"Quay accepted these changes but did not apply them: {dropped}. "
            "This is a known Quay problem; try saving that field again, or fix it in Quay.",
        )
    return check.ok, dropped


# -- saving -------------------------------------------------------------------------------------


def _rows_action(data: QueryDict, action: str) -> QueryDict:
    """The posted form with a row added or removed (the editor without JavaScript)."""
    data = data.copy()
    rows = data.getlist("root_rule")
    if action == "add":
        rows.append("")
    elif action.startswith("remove-"):
        try:
            index = int(action.removeprefix("remove-"))
        except ValueError:
            index = -1
        if 0 <= index < len(rows):
            rows.pop(index)
    data.setlist("root_rule", rows or [""])
    return data


@require_http_methods(["GET", "POST"])
@quay_login_required(keeps_form=True)
def save_settings(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    if request.method == "GET":  # e.g. back here after signing in again
        return _redirect(namespace, name)
    data = load(request, namespace, name)
    creating = not request.POST.get("loaded")

    action = request.POST.get("rules_action", "")
    if action:
        form = build_form(data, bound=_rows_action(request.POST, action), creating=creating)
        form.suppress_errors()
        return render_page(request, data, form=form, extra={"focus_rules": True})

    form = build_form(data, bound=request.POST, creating=creating)
    mirror_error = data.mirror.error
    if mirror_error is not None and not isinstance(mirror_error, QuayNotFound):
        form.is_valid()
        return _again(
            request,
            data,
            form,
            f"Nothing was saved: the current settings could not be read from Quay "
            f"({mirror_error.message}).",
        )
    if not form.is_valid():
        return _again(request, data, form, "Nothing was saved: correct the fields marked below.")
    if data.config is None:
        return _create(request, data, form)
    return _update(request, data, form)


def _create(request: HtmxHttpRequest, data: PageData, form: MirrorSettingsForm) -> HttpResponse:
    namespace, name = data.namespace, data.name
    repo = data.repository.value
    if not form.creating:
        return _again(
            request,
            data,
            build_form(data),
            "Nothing was saved: the mirror config you were editing no longer exists in Quay.",
        )
    if repo is not None and not repo.is_mirror:
        return _again(
            request,
            data,
            form,
            "Nothing was saved: switch the repository to mirror state first (below).",
        )
    if data.robot_names is None:
        form.add_error(
            "robot_username",
            "The dashboard cannot check this robot, because it cannot list the namespace's "
            "robots. Quay keeps a broken tag rule when a create fails on the robot, so the "
            "mirror is not created. Sign in with the org:admin scope, or ask an admin.",
        )
        return _again(request, data, form, "Nothing was saved.")

    cleaned = form.cleaned_data
    mine = changes.snapshot_from_form(cleaned)
    creds, password = changes.credentials_update(
        username=cleaned["external_registry_username"],
        password=cleaned["external_registry_password"],
        remove=False,
    )
    asked = [changes.Change(f, None, v) for f, v in mine.items()]
    fields = {**changes.to_update(asked), **creds}
    try:
        request.quay.create_mirror(namespace, name, fields)  # type: ignore[attr-defined]
    except QuayUnauthorized:
        raise
    except QuayConflict:
        return _again(
            request,
            data,
            form,
            "Nothing was saved: someone created this mirror's config meanwhile. Reload the "
            "page to see it.",
        )
    except QuayError as error:
        add_quay_error(form, error)
        record(
            request,
            namespace,
            name,
            AuditEntry.Action.CREATE,
            changes=changes.audit_changes(asked, password),
            ok=False,
            message=quay_reason(error.message),
        )
        return _again(request, data, form, "Quay did not create the mirror.")

    after = _read_back(request, namespace, name)
    headline = (
        f"Mirror created: {mine['external_reference']}, tags "
        f"{changes.format_value('root_rule', mine['root_rule'])}, every "
        f"{changes.format_value('sync_interval', mine['sync_interval'])}, robot "
        f"{mine['robot_username']}"
    )
    ok, dropped = _report(request, headline, asked, password, after, headline_only=True)
    not_applied = [c for c, _ in changes.verify(asked, after).not_applied] if after else []
    record(
        request,
        namespace,
        name,
        AuditEntry.Action.CREATE,
        changes=changes.audit_changes(asked, password, not_applied),
        ok=ok,
        message=f"Not applied by Quay: {dropped}" if dropped else "",
    )
    return _redirect(namespace, name)


def _update(request: HtmxHttpRequest, data: PageData, form: MirrorSettingsForm) -> HttpResponse:
    namespace, name = data.namespace, data.name
    config = data.config
    assert config is not None
    current = changes.snapshot(config)
    cleaned = form.cleaned_data
    mine = changes.snapshot_from_form(cleaned)
    loaded = changes.unsign(namespace, name, cleaned.get("loaded") or "")

    theirs = changes.diff(loaded, current) if loaded is not None else []
    if [c.field for c in theirs] == ["sync_start_date"] and (
        loaded is not None and mine["sync_start_date"] == loaded["sync_start_date"]
    ):
        # The worker moves the start date after every sync: not a person's change to guard,
        # and this save does not touch the date.
        mine["sync_start_date"] = current["sync_start_date"]
    elif loaded is None or theirs:
        return _conflict(request, data, form, loaded, current, mine)

    remove = bool(cleaned.get("remove_credentials"))
    if remove:
        mine["external_registry_username"] = None
    creds, password = changes.credentials_update(
        username=cleaned["external_registry_username"],
        password=cleaned["external_registry_password"],
        remove=remove,
    )
    if remove and not current["external_registry_username"]:
        creds, password = {}, ""  # nothing stored: nothing to remove
    asked = changes.diff(current, mine)
    if not asked and not creds:
        messages.info(request, "Nothing to save: the settings are the same as in Quay.")
        return _redirect(namespace, name)

    if config.sync_status.is_active and not cleaned.get("confirm_during_sync"):
        return _again(
            request,
            data,
            form,
            "Nothing was saved yet: a sync is running. Saving now can disturb it (Quay "
            "restarts its bookkeeping on every change). Tick the box to confirm and save again.",
            confirm_sync=True,
        )

    fields = {**changes.to_update(asked), **creds}
    try:
        request.quay.update_mirror(namespace, name, fields)  # type: ignore[attr-defined]
    except QuayUnauthorized:
        raise
    except QuayError as error:
        add_quay_error(form, error)
        record(
            request,
            namespace,
            name,
            AuditEntry.Action.UPDATE,
            changes=changes.audit_changes(asked, password),
            ok=False,
            message=quay_reason(error.message),
        )
        return _again(request, data, form, "Nothing was saved.")

    after = _read_back(request, namespace, name)
    ok, dropped = _report(request, "Saved", asked, password, after)
    not_applied = [c for c, _ in changes.verify(asked, after).not_applied] if after else []
    record(
        request,
        namespace,
        name,
        AuditEntry.Action.UPDATE,
        changes=changes.audit_changes(asked, password, not_applied),
        ok=ok,
        message=f"Not applied by Quay: {dropped}" if dropped else "",
    )
    return _redirect(namespace, name)


def _conflict(
    request: HtmxHttpRequest,
    data: PageData,
    form: MirrorSettingsForm,
    loaded: changes.Snapshot | None,
    current: changes.Snapshot,
    mine: changes.Snapshot,
) -> HttpResponse:
    """Someone changed the config since the form was loaded: show both, overwrite nothing.

    The form comes back with the person's own changes on top of the *current* config (fields
    they did not touch now show the other person's values) and is tied to the current config,
    so "Apply mine anyway" sends only the person's own changes.
    """
    base = loaded or current
    theirs = changes.diff(base, current)
    merged = dict(current)
    for change in changes.diff(base, mine):
        merged[change.field] = change.new
    posted = request.POST.copy()
    for key, values in data_from_snapshot(merged).items():
        posted.setlist(key, values)
    for flag in ("is_enabled", "verify_tls", "unsigned_images"):
        if not merged.get(flag):
            posted.pop(flag, None)
    posted["loaded"] = changes.sign(data.namespace, data.name, current)
    fresh = build_form(data, bound=posted, creating=False)
    fresh.is_valid()
    rows = [
        {
            "label": change.label,
            "before": changes.format_value(change.field, change.old),
            "theirs": changes.format_value(change.field, change.new),
            "mine": changes.format_value(change.field, mine.get(change.field)),
            "clash": mine.get(change.field) != base.get(change.field)
            and mine.get(change.field) != change.new,
        }
        for change in theirs
    ]
    message = (
        "Nothing was saved: someone changed these settings in Quay after you opened the form."
        if loaded is not None
        else "Nothing was saved: the form's copy of the settings was missing or altered."
    )
    return _again(
        request,
        data,
        fresh,
        message,
        conflict=rows,
        conflict_mine=changes.diff(current, merged),
    )


# -- the glob editor ------------------------------------------------------------------------------


def _editor_data(
    request: HtmxHttpRequest, namespace: str, name: str
) -> tuple[list[str] | None, str, changes.LastSync | None]:
    """The current tags and the newest successful sync's tags, read in parallel."""
    quay = request.quay  # type: ignore[attr-defined]
    tags, logs = parallel(
        lambda: quay.list_tags(namespace, name), lambda: quay.list_logs(namespace, name)
    )
    for outcome in (tags, logs):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    last_sync = changes.last_synced_tags(logs.value) if logs.ok else None
    if tags.error is not None:
        return None, f"The repository's current tags could not be read: {tags.error.message}", None
    return [t.name for t in tags.value or []], "", last_sync


@require_POST
@quay_login_required(keeps_form="external_reference")
def rules(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """The editor's rows after "add pattern" or "remove" (htmx); the page without htmx."""
    if not request.htmx:
        return _redirect(namespace, name)
    action = request.POST.get("rules_action", "")
    rows = _rows_action(request.POST, action).getlist("root_rule")
    tag_names, error, last_sync = _editor_data(request, namespace, name)
    context = rules_context(
        None, rows, tag_names, error, focus_last=action == "add", last_sync=last_sync
    )
    context.update({"namespace": namespace, "name": name})
    return render(request, f"{RULES_TEMPLATE}#rules", context)


@require_POST
@quay_login_required(keeps_form="external_reference")
def rules_check(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """Each row's checks (out-of-band) and the preview, while the person types (htmx)."""
    if not request.htmx:
        return _redirect(namespace, name)
    rows = request.POST.getlist("root_rule")
    tag_names, error, last_sync = _editor_data(request, namespace, name)
    context = rules_context(None, rows, tag_names, error, last_sync=last_sync)
    context.update({"namespace": namespace, "name": name})
    return render(request, f"{RULES_TEMPLATE}#rules_check", context)


# -- NORMAL -> MIRROR ---------------------------------------------------------------------------


@require_POST
@quay_login_required
def switch_state(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """Put a repository in mirror state (after an explicit confirmation)."""
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            "The repository was not switched: tick the box to confirm that pushes will be "
            "refused from now on.",
        )
        return _redirect(namespace, name)
    quay = request.quay  # type: ignore[attr-defined]
    try:
        repo = quay.get_repository(namespace, name)
        if repo.is_mirror:
            messages.info(request, f"{namespace}/{name} is already in mirror state.")
            return _redirect(namespace, name)
        quay.change_repository_state(namespace, name, RepositoryState.MIRROR)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        messages.error(request, f"The repository was not switched to mirror state: {error.message}")
        record(
            request,
            namespace,
            name,
            AuditEntry.Action.STATE,
            changes={"state": {"from": None, "to": "MIRROR", "applied": False}},
            ok=False,
            message=error.message,
        )
        return _redirect(namespace, name)
    record(
        request,
        namespace,
        name,
        AuditEntry.Action.STATE,
        changes={"state": {"from": str(repo.state), "to": "MIRROR", "applied": True}},
    )
    messages.success(
        request,
        f"{namespace}/{name} is now in mirror state: pushes are refused. Set up the mirror below.",
    )
    return _redirect(namespace, name)
