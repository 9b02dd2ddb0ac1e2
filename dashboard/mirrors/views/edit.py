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

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts.reauth import quay_login_required
from dashboard.http import HtmxHttpRequest
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import (
    QuayConflict,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayUnauthorized,
)
from dashboard.quay.fanout import parallel, quietly
from dashboard.quay.models import RepositoryState

from .. import changes, globs, quay_errors
from ..forms import MirrorSettingsForm, data_from_snapshot
from ..models import AuditEntry, record
from .repository import PageData, build_form, load, render_page, rules_context

RULES_TEMPLATE = "mirrors/settings_form.html"


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
    if request.POST.get("external_registry_password") and hasattr(form, "cleaned_data"):
        form.password_not_sent()
    extra.setdefault("creating", form.creating)
    return render_page(request, data, form=form, extra={"form_error": message, **extra})


def _read_back(request: HtmxHttpRequest, namespace: str, name: str) -> changes.Snapshot | None:
    config = quietly(request.quay.get_mirror, namespace, name)
    return changes.snapshot(config) if config is not None else None


def _read_back_and_record(
    request: HtmxHttpRequest,
    namespace: str,
    name: str,
    action: str,
    headline: str,
    asked: list[changes.Change],
    audited: list[changes.Change],
    password: str,
) -> HttpResponse:
    """After Quay accepted a create or update: read it back, say what took effect, audit it."""
    after = _read_back(request, namespace, name)
    created = action == AuditEntry.Action.CREATE
    ok, dropped = _report(request, headline, asked, password, after, headline_only=created)
    not_applied = [c for c, _ in changes.verify(asked, after).not_applied] if after else []
    record(
        request,
        namespace,
        name,
        action,
        changes=changes.audit_changes(audited, password, not_applied),
        ok=ok,
        message=f"Not applied by Quay: {dropped}" if dropped else "",
    )
    return _redirect(namespace, name)


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


def _record_refusal(
    request: HtmxHttpRequest,
    data: PageData,
    action: str,
    asked: list[changes.Change],
    password: str,
    words: str,
) -> None:
    """A save Quay refused as a whole: in the audit as refused, nothing applied."""
    record(
        request,
        data.namespace,
        data.name,
        action,
        changes=changes.audit_changes(asked, password, dropped=asked),
        ok=False,
        message=words,
    )


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


def _offline_form(data: PageData, posted: QueryDict, creating: bool) -> MirrorSettingsForm:
    """The form as posted when the current config could not be read (from the form's signed
    copy of the config it was loaded with, so the stored username is still known)."""
    loaded = changes.unsign(data.namespace, data.name, posted.get("loaded") or "")
    username = (loaded or {}).get("external_registry_username") or ""
    return MirrorSettingsForm(
        posted,
        namespace=data.namespace,
        robots=data.robot_names,
        robots_error=data.robots_error,
        creating=creating,
        stored_password=bool(username),
        initial={**MirrorSettingsForm.initial_from(None), "external_registry_username": username},
    )


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

    mirror_error = data.mirror.error
    if mirror_error is not None and not isinstance(mirror_error, QuayNotFound):
        form = _offline_form(data, request.POST, creating)
        form.is_valid()
        if isinstance(mirror_error, QuayForbidden):
            message = (
                "Nothing was saved: Quay does not let you change this mirror "
                f"({quay_errors.refusal(mirror_error)})."
            )
        else:
            # Quay down, slow or failing (5xx): say which, in Quay's own words for it.
            message = (
                f"Nothing was saved: {mirror_error.message} "
                "Your changes are still here; press Save again."
            )
        return _again(request, data, form, message)
    form = build_form(data, bound=request.POST, creating=creating)
    if not form.is_valid():
        return _again(request, data, form, "Nothing was saved: correct the fields marked below.")
    if data.config is None:
        return _create(request, data, form)
    return _update(request, data, form)


def _deletions_to_confirm(
    request: HtmxHttpRequest, data: PageData, patterns: list[str]
) -> list[str]:
    """Current tags the new rule would have the next sync delete, unless already confirmed
    (the confirmation names the very tags, so a different list asks again)."""
    if data.tag_names is None:
        return []
    deleted = sorted(globs.preview(patterns, data.tag_names).deleted)
    if not deleted or request.POST.get("confirm_delete_tags") == ",".join(deleted):
        return []
    return deleted


def _deletion_words(deleted: list[str]) -> str:
    more = f" and {len(deleted) - 10} more" if len(deleted) > 10 else ""
    shown = ", ".join(deleted[:10]) + more
    return f"{len(deleted)} tag{'s' if len(deleted) != 1 else ''} ({shown})"


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

    cleaned = form.cleaned_data
    mine = changes.snapshot_from_form(cleaned)
    deleted = _deletions_to_confirm(request, data, mine["root_rule"])
    if deleted:
        return _again(
            request,
            data,
            form,
            f"Nothing was created yet: the first sync would delete {_deletion_words(deleted)}. "
            "Tick the box to confirm and press the button again.",
            confirm_delete=deleted,
        )
    creds, password = changes.credentials_update(
        username=cleaned["external_registry_username"],
        password=cleaned["external_registry_password"],
        remove=False,
    )
    asked = [changes.Change(f, None, v) for f, v in mine.items()]
    fields = {**changes.to_update(asked), **creds}
    shown = changes.created(mine)  # the audit leaves out empty and default values
    try:
        request.quay.create_mirror(namespace, name, fields)
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
        quay_errors.add_to_form(form, error, mine)
        words = quay_errors.refusal(error, mine)
        _record_refusal(request, data, AuditEntry.Action.CREATE, shown, password, words)
        return _again(request, data, form, "Quay did not create the mirror.")

    headline = (
        f"Mirror created: {mine['external_reference']}, tags "
        f"{changes.format_value('root_rule', mine['root_rule'])}, every "
        f"{changes.format_value('sync_interval', mine['sync_interval'])}, robot "
        f"{mine['robot_username']}"
    )
    return _read_back_and_record(
        request, namespace, name, AuditEntry.Action.CREATE, headline, asked, shown, password
    )


#: A start date this far in the past is "in the past" (a form loaded a minute ago is not).
PAST_GRACE_SECONDS = 60


def _starts_in_past(asked: list[changes.Change]) -> bool:
    for change in asked:
        if change.field == "sync_start_date" and change.new:
            start = parse_quay_datetime(change.new)
            return bool(start and (timezone.now() - start).total_seconds() > PAST_GRACE_SECONDS)
    return False


def _update(request: HtmxHttpRequest, data: PageData, form: MirrorSettingsForm) -> HttpResponse:
    namespace, name = data.namespace, data.name
    config = data.config
    assert config is not None
    current = changes.snapshot(config)
    cleaned = form.cleaned_data
    mine = changes.snapshot_from_form(cleaned)
    loaded = changes.unsign(namespace, name, cleaned.get("loaded") or "")
    if loaded is None:
        return _conflict(request, data, form, None, current, mine)

    # Only the fields this person changed matter: someone else's change to another field (or
    # the worker moving the next run after a sync) is kept, not a conflict.
    own = changes.diff(loaded, mine)
    clashes = [
        c
        for c in own
        if current.get(c.field) != loaded.get(c.field) and current.get(c.field) != c.new
    ]
    if clashes:
        return _conflict(request, data, form, loaded, current, mine)
    merged = dict(current)
    for change in own:
        merged[change.field] = change.new
    mine = merged

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

    confirm: dict[str, Any] = {}
    notes = []
    if config.sync_status.is_active and not cleaned.get("confirm_during_sync"):
        confirm["confirm_sync"] = True
        notes.append(
            "a sync is running; saving now can disturb it (Quay restarts its bookkeeping on "
            "every change)"
        )
    deleted = (
        _deletions_to_confirm(request, data, mine["root_rule"])
        if any(c.field == "root_rule" for c in asked)
        else []
    )
    if deleted:
        confirm["confirm_delete"] = deleted
        notes.append(f"the next sync would delete {_deletion_words(deleted)}")
    if _starts_in_past(asked) and not request.POST.get("confirm_past_start"):
        confirm["past_start"] = True
        notes.append("the start date is in the past, so Quay will start a sync right away")
    if confirm:
        return _again(
            request,
            data,
            form,
            f"Nothing was saved yet: {'; '.join(notes)}. Tick the box to confirm and save again.",
            **confirm,
        )

    fields = {**changes.to_update(asked), **creds}
    try:
        request.quay.update_mirror(namespace, name, fields)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        quay_errors.add_to_form(form, error, mine)
        words = quay_errors.refusal(error, mine)
        _record_refusal(request, data, AuditEntry.Action.UPDATE, asked, password, words)
        return _again(request, data, form, "Nothing was saved.")

    return _read_back_and_record(
        request, namespace, name, AuditEntry.Action.UPDATE, "Saved", asked, asked, password
    )


def _conflict(
    request: HtmxHttpRequest,
    data: PageData,
    form: MirrorSettingsForm,
    loaded: changes.Snapshot | None,
    current: changes.Snapshot,
    mine: changes.Snapshot,
) -> HttpResponse:
    """Someone changed a field this person changed too, since the form was loaded: show those
    fields, overwrite nothing.

    The form comes back with the person's own changes on top of the *current* config (fields
    they did not touch now show the current values) and is tied to the current config, so
    "Apply mine anyway" sends only the person's own changes.
    """
    base = loaded or current
    own = changes.diff(base, mine)
    merged = dict(current)
    for change in own:
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
    touched = {c.field for c in own}
    rows = []
    for change in changes.diff(base, current):
        if change.field not in touched:
            continue
        by_worker = change.field == "sync_start_date" and changes.worker_moved_start(base, current)
        rows.append(
            {
                "label": change.label,
                "before": changes.format_value(change.field, change.old),
                "theirs": changes.format_value(change.field, change.new),
                "mine": changes.format_value(change.field, mine.get(change.field)),
                "clash": mine.get(change.field) != change.new,
                "by_worker": by_worker,
            }
        )
    if loaded is None:
        message = "Nothing was saved: the form's copy of the settings was missing or altered."
    elif rows and all(row["by_worker"] for row in rows):
        message = (
            "Nothing was saved: the mirror worker moved the next run after a sync, after you "
            "opened the form."
        )
    else:
        message = (
            "Nothing was saved: someone else changed settings you changed too, in Quay, after "
            "you opened the form."
        )
    return _again(
        request,
        data,
        fresh,
        message,
        conflict=rows,
        conflict_by_worker=bool(rows) and all(row["by_worker"] for row in rows),
        conflict_mine=changes.diff(current, merged),
    )


# -- the glob editor ------------------------------------------------------------------------------


def _editor_data(
    request: HtmxHttpRequest, namespace: str, name: str
) -> tuple[list[str] | None, str, changes.LastSync | None]:
    """The current tags and the newest successful sync's tags.

    From the signed copy the page carries when there is one (no Quay call per keystroke);
    otherwise read from Quay, in parallel.
    """
    carried = changes.unsign_editor_tags(namespace, name, request.POST.get("editor_tags", ""))
    if carried is not None:
        tag_names, last_sync = carried
        return tag_names, "", last_sync
    quay = request.quay
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


def _editor_context(
    request: HtmxHttpRequest, namespace: str, name: str, rows: list[str]
) -> dict[str, Any]:
    tag_names, error, last_sync = _editor_data(request, namespace, name)
    context = rules_context(None, rows, tag_names, error, last_sync=last_sync)
    context.update(
        {
            "namespace": namespace,
            "name": name,
            "editor_tags": request.POST.get("editor_tags", "")
            or changes.sign_editor_tags(namespace, name, tag_names, last_sync),
        }
    )
    return context


@require_POST
@quay_login_required(keeps_form="external_reference")
def rules(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """The editor's rows after "add pattern" or "remove" (htmx); the page without htmx.

    Keyboard focus goes to the new row, or after a removal to the row that took the removed
    one's place (the one before it when the last row was removed).
    """
    if not request.htmx:
        return _redirect(namespace, name)
    action = request.POST.get("rules_action", "")
    rows = _rows_action(request.POST, action).getlist("root_rule")
    context = _editor_context(request, namespace, name, rows)
    focus: int | None = None
    if action == "add":
        focus = len(rows) - 1
    elif action.startswith("remove-"):
        try:
            focus = min(int(action.removeprefix("remove-")), len(rows) - 1)
        except ValueError:
            focus = None
    for item in context["rule_rows"]:
        item["autofocus"] = item["index"] == focus
    return render(request, f"{RULES_TEMPLATE}#rules", context)


@require_POST
@quay_login_required(keeps_form="external_reference")
def rules_check(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """Each row's checks (out-of-band) and the preview, while the person types (htmx)."""
    if not request.htmx:
        return _redirect(namespace, name)
    rows = request.POST.getlist("root_rule")
    context = _editor_context(request, namespace, name, rows)
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
    quay = request.quay
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
