"""Saving a mirror's settings: create or update, and say plainly what Quay did.

A save sends Quay only what the person changed, refuses to overwrite someone else's change
made since the form was loaded, asks before disturbing a running sync (or deleting tags, or
starting at once), reads the config back and says what Quay accepted but did not apply.
Every outcome is in the audit trail.

Cost: the page's reads (``repository_page.load``: five calls) to decide, then the POST or PUT
and one read-back; the page the person returns to reads again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import QueryDict

from dashboard.mirrors.forms.repository import (
    MirrorSettingsForm,
    data_from_snapshot,
    starts_in_past,
)
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.models import AuditEntry, record
from dashboard.mirrors.pages.editor import rows_after
from dashboard.mirrors.pages.repository import PageData, build_form, load
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import changes, globs, refusals
from dashboard.mirrors.rules import status as mirror_status
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import (
    QuayBusy,
    QuayConflict,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
)
from dashboard.quay.fanout import quietly


@dataclass
class SaveResult:
    """How a save went. ``done``: back to the page, whose ``messages`` say what Quay did;
    otherwise the page again with ``form`` (what was typed, never the password), ``message``
    on top of it and ``extra`` (confirmations asked for, a conflict's rows)."""

    data: PageData
    done: bool = False
    messages: list[tuple[str, str]] = field(default_factory=list)
    form: MirrorSettingsForm | None = None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def say(self, level: str, text: str) -> None:
        self.messages.append((level, text))


@dataclass
class _Save:
    """One save in progress: who, what, and what was posted."""

    client: QuayClient
    person: Person
    target: RepoTarget
    posted: QueryDict
    now: datetime
    data: PageData

    def done(self) -> SaveResult:
        return SaveResult(self.data, done=True)

    def again(self, form: MirrorSettingsForm, message: str = "", **extra: Any) -> SaveResult:
        """The page again with the form as posted (never the password) and why nothing was
        saved."""
        if self.posted.get("external_registry_password") and hasattr(form, "cleaned_data"):
            form.password_not_sent()
        extra.setdefault("creating", form.creating)
        return SaveResult(
            self.data, form=form, message=message, extra={"form_error": message, **extra}
        )

    def record(self, action: str, **fields: Any) -> None:
        record(self.person, self.target, action, **fields)


def save(
    client: QuayClient, person: Person, target: RepoTarget, posted: QueryDict, now: datetime
) -> SaveResult:
    """Create or update ``target``'s mirror config from the posted settings form.

    Every read here asks Quay afresh (no cached answer): what is sent is decided from them,
    and a change someone else made a second ago must be seen as a conflict."""
    client = fresh(client)
    data = load(client, person, target, now)
    job = _Save(client, person, target, posted, now, data)
    creating = not posted.get("loaded")

    action = posted.get("rules_action", "")
    if action:  # the editor without JavaScript: a row added or removed, nothing sent
        form = build_form(data, bound=rows_after(posted, action), creating=creating)
        form.suppress_errors()
        result = job.again(form)
        result.extra["focus_rules"] = True
        return result

    mirror_error = data.mirror.error
    if mirror_error is not None and not isinstance(mirror_error, QuayNotFound):
        form = _offline_form(data, posted, creating)
        form.is_valid()
        if isinstance(mirror_error, QuayForbidden):
            message = (
                "Nothing was saved: Quay does not let you change this mirror "
                f"({refusals.refusal(mirror_error)})."
            )
        else:
            # Quay down, slow or failing (5xx): say which, in Quay's own words for it.
            message = (
                f"Nothing was saved: {mirror_error.message} "
                "Your changes are still here; press Save again."
            )
        return job.again(form, message)
    form = build_form(data, bound=posted, creating=creating)
    if not form.is_valid():
        return job.again(form, "Nothing was saved: correct the fields marked below.")
    if data.config is None:
        return _create(job, form)
    return _update(job, form)


def _offline_form(data: PageData, posted: QueryDict, creating: bool) -> MirrorSettingsForm:
    """The form as posted when the current config could not be read (from the form's signed
    copy of the config it was loaded with, so the stored username is still known)."""
    loaded = changes.unsign(data.namespace, data.name, posted.get("loaded") or "")
    username = (loaded or {}).get("external_registry_username") or ""
    initial = {
        **MirrorSettingsForm.initial_from(None, data.now),
        "external_registry_username": username,
    }
    return build_form(
        data, bound=posted, initial=initial, creating=creating, stored_password=bool(username)
    )


# -- confirmations ---------------------------------------------------------------------------


def _deletions_to_confirm(job: _Save, patterns: list[str]) -> list[str]:
    """Current tags the new rule would have the next sync delete, unless already confirmed
    (the confirmation names the very tags, so a different list asks again)."""
    if job.data.tag_names is None:
        return []
    deleted = sorted(globs.preview(patterns, job.data.tag_names).deleted)
    if not deleted or job.posted.get("confirm_delete_tags") == ",".join(deleted):
        return []
    return deleted


def _deletion_words(deleted: list[str]) -> str:
    more = f" and {len(deleted) - 10} more" if len(deleted) > 10 else ""
    shown = ", ".join(deleted[:10]) + more
    return f"{len(deleted)} tag{'s' if len(deleted) != 1 else ''} ({shown})"


def _starts_in_past(asked: list[changes.Change], now: datetime) -> bool:
    for change in asked:
        if change.field == "sync_start_date" and change.new:
            return starts_in_past(parse_quay_datetime(change.new), now)
    return False


def _confirmations(
    job: _Save, form: MirrorSettingsForm, asked: list[changes.Change], mine: changes.Snapshot
) -> tuple[dict[str, Any], list[str]]:
    """What the person must confirm before this update is sent, and why (in words)."""
    config = job.data.config
    assert config is not None
    confirm: dict[str, Any] = {}
    notes = []
    running = mirror_status.describe(config, job.now).changes_by_itself  # not a dead worker's
    if running and not form.cleaned_data.get("confirm_during_sync"):
        confirm["confirm_sync"] = True
        notes.append(
            "a sync is running; saving now can disturb it (Quay restarts its bookkeeping on "
            "every change)"
        )
    rule_changed = any(c.field == "root_rule" for c in asked)
    deleted = _deletions_to_confirm(job, mine["root_rule"]) if rule_changed else []
    if deleted:
        confirm["confirm_delete"] = deleted
        notes.append(f"the next sync would delete {_deletion_words(deleted)}")
    if _starts_in_past(asked, job.now) and not job.posted.get("confirm_past_start"):
        confirm["past_start"] = True
        notes.append("the start date is in the past, so Quay will start a sync right away")
    return confirm, notes


# -- after Quay answered ---------------------------------------------------------------------


def _read_back_and_record(
    job: _Save,
    action: str,
    headline: str,
    asked: list[changes.Change],
    audited: list[changes.Change],
    password: str,
) -> SaveResult:
    """After Quay accepted a create or update: read it back, say what took effect, audit it."""
    result = job.done()
    after = _read_back(job)
    created = action == AuditEntry.Action.CREATE
    ok, dropped = _report(result, headline, asked, password, after, headline_only=created)
    not_applied = [c for c, _ in changes.verify(asked, after).not_applied] if after else []
    job.record(
        action,
        changes=changes.audit_changes(audited, password, not_applied),
        ok=ok,
        message=f"Not applied by Quay: {dropped}" if dropped else "",
    )
    return result


def _report(
    result: SaveResult,
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
        result.say(
            "warning",
            f"{done}. The settings could not be read back from Quay to check that "
            "every change took effect; reload the page to see them.",
        )
        return True, ""
    check = changes.verify(asked, after)
    applied = changes.summary(check.applied, password)
    if headline_only:
        result.say("success", f"{verb}.")
    elif applied:
        result.say("success", f"{verb}: {applied}.")
    dropped = "; ".join(
        f"{change.label} (asked for {changes.format_value(change.field, change.new)}, "
        f"Quay still has {changes.format_value(change.field, kept)})"
        for change, kept in check.not_applied
    )
    if dropped:
        advice = " ".join(
            dict.fromkeys(_not_applied_advice(change.field) for change, _ in check.not_applied)
        )
        result.say(
            "error", f"Quay accepted these changes but did not apply them: {dropped}. {advice}"
        )
    return check.ok, dropped


#: What to do about a change Quay accepted and dropped (the Quay problems seen on real Quay).
_PROXY_ADVICE = (
    "Quay drops the first proxy setting of a mirror that has none yet: saving the same value "
    "again applies it."
)
_RULE_ADVICE = (
    "Quay ignores tag-rule changes on this mirror (a Quay problem left by a create that once "
    "failed on its robot): saving again will not change it; re-create the mirror config in "
    "Quay to fix it."
)


def _not_applied_advice(field_name: str) -> str:
    if field_name in ("http_proxy", "https_proxy", "no_proxy"):
        return _PROXY_ADVICE
    if field_name == "root_rule":
        return _RULE_ADVICE
    return "Check the mirror's settings in Quay."


def _refused(
    job: _Save,
    form: MirrorSettingsForm,
    error: QuayError,
    action: str,
    asked: list[changes.Change],
    sent: changes.Snapshot,
    password: str,
    message: str,
) -> SaveResult:
    """A save Quay refused: its reason at the field, in the audit as refused.

    Quay applies an update's fields one by one and stops at the first it refuses, so after a
    refused update the config is read back: what did take effect is said (and audited as
    applied), never "nothing was saved" when something was."""
    refusals.add_to_form(form, error, sent)
    reason = refusals.refusal(error, sent)
    applied: list[changes.Change] = []
    after: changes.Snapshot | None = None
    if action == AuditEntry.Action.UPDATE:
        after = _read_back(job)
        applied = changes.verify(asked, after).applied if after is not None else []
        if after is None:
            message += (
                " (The settings could not be read back to check that none of the changes "
                "took effect before the refusal; reload the page to see them.)"
            )
    if applied:
        left = [c for c in asked if c not in applied]
        job.record(
            action,
            changes=changes.audit_changes(asked, password, dropped=left, password_applied=None),
            outcome=AuditEntry.Outcome.PARTIAL,
            message=f"{reason} Applied before that: {changes.summary(applied)}.",
        )
        message = (
            f"Quay applied part of this save before it refused the rest. Applied: "
            f"{changes.summary(applied)}. Not applied: {changes.summary(left)}."
        )
        return job.again(form, message, partly_applied=True)
    job.record(
        action,
        changes=changes.audit_changes(asked, password, dropped=asked, password_applied=False),
        outcome=AuditEntry.Outcome.REFUSED,
        message=reason,
    )
    return job.again(form, message)


def _read_back(job: _Save) -> changes.Snapshot | None:
    """The config as Quay holds it now (``None`` when it cannot be read)."""
    config = quietly(job.target.read_config, job.client)
    return changes.snapshot(config) if config is not None else None


def _not_sent(job: _Save, form: MirrorSettingsForm, error: QuayBusy) -> SaveResult:
    """The dashboard's own call budget was full: nothing reached Quay (and nothing is audited:
    nothing happened)."""
    return job.again(form, f"Nothing was saved: {error.message} Your changes are still here.")


def _unanswered(
    job: _Save,
    form: MirrorSettingsForm,
    error: QuayError,
    action: str,
    asked: list[changes.Change],
    audited: list[changes.Change],
    password: str,
) -> SaveResult:
    """No answer in time, or a 5xx: Quay may have acted. The config read back says what took
    effect. After a timeout what it does not show is unknown (Quay may still be at it); after
    a 5xx the call is over, so what it does not show was not applied. Never "failed" blindly."""
    why = refusals.unanswered(job.client.timeout, error)
    try:
        after: changes.Snapshot | None = changes.snapshot(job.target.read_config(job.client))
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        after = {}  # no config (yet): none of the changes shows
    except QuayError:
        after = None
    check = changes.verify(asked, after) if after is not None else None
    if check is not None and not after:
        check = changes.Verification([], [(c, None) for c in asked])
    if check is not None and check.ok:
        result = job.done()
        result.say(
            "success",
            f"{why}, but the settings read back show that every change took effect: "
            f"{changes.summary(asked, password)}.",
        )
        job.record(
            action,
            changes=changes.audit_changes(audited, password, password_applied=None),
            outcome=AuditEntry.Outcome.DONE,
            message=f"{why}; the settings read back show the changes applied.",
        )
        return result
    if check is not None and not isinstance(error, QuayTimeout):
        return _ended_short(job, form, error, why, action, check, audited, password)
    job.record(
        action,
        changes=changes.audit_changes(audited, password, unknown=True),
        outcome=AuditEntry.Outcome.UNKNOWN,
        message=f"{why}; "
        + (
            "the settings could not be read back."
            if check is None
            else f"read back: applied {changes.summary(check.applied) or 'nothing yet'}."
        ),
    )
    seen = (
        "and the settings could not be read back to see what it did"
        if check is None
        else "and the settings read back do not show all your changes yet"
        + (f" (applied so far: {changes.summary(check.applied)})" if check.applied else "")
    )
    return job.again(
        form,
        f"{why}, {seen}. Quay may still apply them: reload the page in a moment to see what "
        "it holds before saving again. Your changes are still here.",
        outcome_unknown=True,
    )


def _ended_short(
    job: _Save,
    form: MirrorSettingsForm,
    error: QuayError,
    why: str,
    action: str,
    check: changes.Verification,
    audited: list[changes.Change],
    password: str,
) -> SaveResult:
    """A 5xx, and the config read back: what it shows applied was, the rest was not."""
    left = [change for change, _ in check.not_applied]
    if not check.applied:
        job.record(
            action,
            changes=changes.audit_changes(
                audited, password, dropped=audited, password_applied=None
            ),
            outcome=AuditEntry.Outcome.NOT_DONE,
            message=f"{why}; the settings read back show none of the changes.",
        )
        return job.again(form, f"Nothing was saved: {error.message} Your changes are still here.")
    job.record(
        action,
        changes=changes.audit_changes(audited, password, dropped=left, password_applied=None),
        outcome=AuditEntry.Outcome.PARTIAL,
        message=f"{why} after applying {changes.summary(check.applied)}.",
    )
    return job.again(
        form,
        f"{why} after applying part of this save. Applied: {changes.summary(check.applied)}. "
        f"Not applied: {changes.summary(left)}.",
        partly_applied=True,
    )


# -- create ----------------------------------------------------------------------------------


def _create(job: _Save, form: MirrorSettingsForm) -> SaveResult:
    data = job.data
    repo = data.repository.value
    if not form.creating:
        return job.again(
            build_form(data),
            "Nothing was saved: the mirror config you were editing no longer exists in Quay.",
        )
    if repo is not None and not repo.is_mirror:
        return job.again(
            form, "Nothing was saved: switch the repository to mirror state first (below)."
        )

    cleaned = form.cleaned_data
    mine = changes.snapshot_from_form(cleaned)
    deleted = _deletions_to_confirm(job, mine["root_rule"])
    if deleted:
        return job.again(
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
    shown = changes.created(mine)  # the audit leaves out empty and default values
    try:
        job.client.create_mirror(
            job.target.namespace, job.target.name, {**changes.to_update(asked), **creds}
        )
    except QuayUnauthorized:
        raise
    except QuayBusy as error:
        return _not_sent(job, form, error)
    except (QuayTimeout, QuayServerError) as error:  # Quay may have acted
        return _unanswered(job, form, error, AuditEntry.Action.CREATE, asked, shown, password)
    except QuayConflict:
        return job.again(
            form,
            "Nothing was saved: someone created this mirror's config meanwhile. Reload the "
            "page to see it.",
        )
    except QuayError as error:
        words = "Quay did not create the mirror."
        return _refused(job, form, error, AuditEntry.Action.CREATE, shown, mine, password, words)

    headline = (
        f"Mirror created: {mine['external_reference']}, tags "
        f"{changes.format_value('root_rule', mine['root_rule'])}, every "
        f"{changes.format_value('sync_interval', mine['sync_interval'])}, robot "
        f"{mine['robot_username']}"
    )
    return _read_back_and_record(job, AuditEntry.Action.CREATE, headline, asked, shown, password)


# -- update ----------------------------------------------------------------------------------


def _update(job: _Save, form: MirrorSettingsForm) -> SaveResult:
    target, config = job.target, job.data.config
    assert config is not None
    current = changes.snapshot(config)
    cleaned = form.cleaned_data
    mine = changes.snapshot_from_form(cleaned)
    loaded = changes.unsign(target.namespace, target.name, cleaned.get("loaded") or "")
    if loaded is None:
        return _conflict(job, None, current, mine)

    # Only the fields this person changed matter: someone else's change to another field (or
    # the worker moving the next run after a sync) is kept, not a conflict.
    own = changes.diff(loaded, mine)
    if changes.clashes(loaded, current, own):
        return _conflict(job, loaded, current, mine)
    mine = {**current, **{change.field: change.new for change in own}}

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
        result = job.done()
        result.say("info", "Nothing to save: the settings are the same as in Quay.")
        return result

    confirm, notes = _confirmations(job, form, asked, mine)
    if confirm:
        return job.again(
            form,
            f"Nothing was saved yet: {'; '.join(notes)}. Tick the box to confirm and save again.",
            **confirm,
        )
    try:
        job.client.update_mirror(
            target.namespace, target.name, {**changes.to_update(asked), **creds}
        )
    except QuayUnauthorized:
        raise
    except QuayBusy as error:
        return _not_sent(job, form, error)
    except (QuayTimeout, QuayServerError) as error:  # Quay may have acted
        return _unanswered(job, form, error, AuditEntry.Action.UPDATE, asked, asked, password)
    except QuayError as error:
        return _refused(
            job, form, error, AuditEntry.Action.UPDATE, asked, mine, password, "Nothing was saved."
        )
    return _read_back_and_record(job, AuditEntry.Action.UPDATE, "Saved", asked, asked, password)


def _conflict(
    job: _Save,
    loaded: changes.Snapshot | None,
    current: changes.Snapshot,
    mine: changes.Snapshot,
) -> SaveResult:
    """Someone changed a field this person changed too, since the form was loaded: show those
    fields, overwrite nothing.

    The form comes back with the person's own changes on top of the *current* config (fields
    they did not touch now show the current values) and is tied to the current config, so
    "Apply mine anyway" sends only the person's own changes.
    """
    target = job.target
    base = loaded or current
    own = changes.diff(base, mine)
    merged = {**current, **{change.field: change.new for change in own}}
    posted = job.posted.copy()
    for key, values in data_from_snapshot(merged).items():
        posted.setlist(key, values)
    for flag in ("is_enabled", "verify_tls", "unsigned_images"):
        if not merged.get(flag):
            posted.pop(flag, None)
    posted["loaded"] = changes.sign(target.namespace, target.name, current)
    fresh = build_form(job.data, bound=posted, creating=False)
    fresh.is_valid()
    rows, by_worker = changes.conflict_rows(base, current, mine)
    return job.again(
        fresh,
        changes.conflict_words(loaded is None, by_worker),
        conflict=rows,
        conflict_by_worker=by_worker,
        conflict_mine=changes.diff(current, merged),
    )
