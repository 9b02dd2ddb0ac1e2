"""Saving a mirror's settings, for every kind: create or update, and say plainly what Quay did.

A save sends Quay only what the person changed, refuses to overwrite someone else's change
made since the form was loaded (the form carries a signed copy of the config it was drawn
from), asks before disturbing a sync under way (or deleting tags, or starting at once), reads
the config back and says what Quay accepted but did not apply. Every outcome Quay gave is in
the audit trail. What differs between kinds -- their fields, their form, what Quay is sent,
what a save does to a running sync -- the kind says (``kinds``).

Cost: the config, read afresh (what decides the write), then the POST or PUT and one read of
the config back: three calls; four when a repository mirror's tag rule changes (its current
tags, to say which the next sync deletes). The page the person returns to reads again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import QueryDict

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
from dashboard.quay.fanout import parallel, quietly

from ..forms.base import SettingsForm, data_from_snapshot, starts_in_past
from ..kinds.base import MirrorKind
from ..models import AuditEntry, begin, discard, record
from ..person import Person
from ..rules import changes, refusals, timefmt
from . import settle

NOT_VALID = "Nothing was saved: correct the fields marked below."
#: How the audit entry of a save begins what Quay accepted and did not apply.
NOT_APPLIED = "Not applied by Quay: "


@dataclass
class SaveResult:
    """How a save went. ``done``: back to the page, whose ``messages`` say what Quay did;
    otherwise the page again with ``form`` (what was typed, never the password), ``message``
    on top of it and ``extra`` (confirmations asked for, a conflict's rows)."""

    done: bool = False
    messages: list[tuple[str, str]] = field(default_factory=list)
    form: SettingsForm | None = None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: The config could not be read (nothing was sent): the page after it must ask Quay
    #: afresh too, to say so (otherwise it is drawn from the answers this save just read).
    unreadable: bool = False
    #: The audit entry this save wrote, when Quay was sent something (``None``: nothing
    #: was sent); a bulk change reads how it went from it (``operations.bulk``).
    audit: AuditEntry | None = None

    def say(self, level: str, text: str) -> None:
        self.messages.append((level, text))


@dataclass
class _Save:
    """One save in progress: who, what, what was posted, and the config as Quay has it now."""

    client: QuayClient
    person: Person
    target: MirrorKind
    posted: QueryDict
    now: datetime
    config: Any
    #: What the kind read besides the config to decide (``MirrorKind.save_reads``).
    reads: dict[str, Any] = field(default_factory=dict)
    #: The audit entry written before the call to Quay (``models.begin``), completed after.
    pending: AuditEntry | None = None
    #: The entry completed by :meth:`record` (what ``SaveResult.audit`` says).
    recorded: AuditEntry | None = None

    def done(self) -> SaveResult:
        return SaveResult(done=True)

    def again(self, form: SettingsForm, message: str = "", **extra: Any) -> SaveResult:
        """The page again with the form as posted (never the password) and why nothing was
        saved."""
        if self.posted.get("external_registry_password") and hasattr(form, "cleaned_data"):
            form.password_not_sent()
        extra.setdefault("creating", form.creating)
        return SaveResult(form=form, message=message, extra={"form_error": message, **extra})

    def record(self, action: str, **fields: Any) -> None:
        self.recorded = record(self.person, self.target, action, entry=self.pending, **fields)
        self.pending = None

    def begin(self, action: str, audited: list[changes.Change], password: str) -> None:
        """Write down what is about to be sent, before it is (see ``models.begin``)."""
        asked = changes.audit_changes(audited, password, unknown=True)
        self.pending = begin(self.person, self.target, action, changes=asked)

    def nothing_sent(self) -> None:
        """The call never reached Quay, or Quay turned it away whole: nothing to record."""
        discard(self.pending)
        self.pending = None

    def read_back(self) -> changes.Snapshot | None:
        """The config as Quay holds it now (``None`` when it cannot be read)."""
        config = quietly(self.target.read_config, self.client)
        return self.target.snapshot(config) if config is not None else None


def save(
    client: QuayClient, person: Person, target: MirrorKind, posted: QueryDict, now: datetime
) -> SaveResult:
    """Create or update ``target``'s mirror config from its posted settings form.

    Every read here asks Quay afresh (no cached answer): what is sent is decided from them,
    and a change someone else made a second ago must be seen as a conflict."""
    client = fresh(client)
    creating = not posted.get("loaded")  # a form drawn without a config sets one up
    loaded = changes.unsign(target.namespace, target.name, posted.get("loaded") or "")
    got_config, got_reads = parallel(
        lambda: target.read_config(client),
        lambda: target.save_reads(client, person.username, posted, loaded),
    )
    for outcome in (got_config, got_reads):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    config = got_config.value
    if got_config.error is not None and not isinstance(got_config.error, QuayNotFound):
        return _unreadable(target, posted, now, got_config.error, creating)
    reads = got_reads.value or {}
    job = _Save(client, person, target, posted, now, config, reads)
    form = target.settings_form(posted, config, now, creating=creating, **reads)
    if not form.is_valid():
        return job.again(form, NOT_VALID)
    if config is None:
        if not creating:
            form = target.settings_form(None, None, now)
            return job.again(
                form,
                f"Nothing was saved: the mirror config you were editing no longer exists in "
                f"Quay ({target}).",
            )
        result = _create(job, form)
    else:
        result = _update(job, form)
    result.audit = job.recorded
    return result


def _unreadable(
    target: MirrorKind, posted: QueryDict, now: datetime, error: QuayError, creating: bool
) -> SaveResult:
    """The config could not be read: nothing is sent. The form comes back as posted, drawn
    from its signed copy of the config it was loaded with (so the stored username is known)."""
    loaded = changes.unsign(target.namespace, target.name, posted.get("loaded") or "")
    username = (loaded or {}).get("external_registry_username") or ""
    form = target.settings_form(
        posted, None, now, creating=creating, stored_password=bool(username)
    )
    form.initial["external_registry_username"] = username
    form.is_valid()
    if isinstance(error, QuayForbidden):
        message = (
            f"Nothing was saved: Quay does not let you change {target} ({refusals.refusal(error)})."
        )
    else:
        # Quay down, slow or failing (5xx): say which, in Quay's own words for it.
        message = (
            f"Nothing was saved: {error.message} Your changes are still here; press Save again."
        )
    if posted.get("external_registry_password"):
        form.password_not_sent()
    return SaveResult(form=form, message=message, extra={"form_error": message}, unreadable=True)


# -- confirmations ---------------------------------------------------------------------------


def _confirmations(
    job: _Save, form: SettingsForm, asked: list[changes.Change], mine: changes.Snapshot
) -> tuple[dict[str, Any], list[str]]:
    """What the person must confirm before this save is sent, and why (in words): a sync
    under way that the save disturbs, the kind's own (a repository's tags to delete), a start
    date in the past on a mirror that runs on schedule (the worker starts at once)."""
    target, config, cleaned = job.target, job.config, form.cleaned_data
    confirm: dict[str, Any] = {}
    notes = []
    sent = {change.field: change.new for change in asked}
    warning = target.sync_warning(config, job.now, sent) if config is not None else None
    if warning is not None and not warning.stuck and not cleaned.get("confirm_during_sync"):
        confirm.update(confirm_sync=True, sync_warning=warning)
        notes.append(target.sync_note)
    more, more_notes = target.more_confirmations(
        job.client, config, asked, mine, job.posted, job.reads
    )
    confirm.update(more)
    notes.extend(more_notes)
    start = parse_quay_datetime(sent.get("sync_start_date"))
    enabled = sent.get("is_enabled", mine.get("is_enabled"))
    past = enabled and config is not None and starts_in_past(start, job.now)
    if past and not cleaned.get("confirm_past_start"):
        confirm.update(past_start=True, past_start_words=target.past_start_words)
        notes.append(target.past_start_note)
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
    after = job.read_back()
    created = action == AuditEntry.Action.CREATE
    ok, dropped = _report(result, headline, asked, password, after, headline_only=created)
    not_applied = [c for c, _ in changes.verify(asked, after).not_applied] if after else []
    job.record(
        action,
        changes=changes.audit_changes(audited, password, not_applied),
        ok=ok,
        message=f"{NOT_APPLIED}{dropped}" if dropped else "",
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
    form: SettingsForm,
    error: QuayError,
    action: str,
    asked: list[changes.Change],
    sent: changes.Snapshot,
    password: str,
    message: str,
) -> SaveResult:
    """A save Quay refused: its reason at the field, in the audit as refused.

    Quay may apply an update's fields one by one and stop at the first it refuses (a
    repository mirror's PUT does), so after a refused update the config is read back: what
    did take effect is said (and audited as applied), never "nothing was saved" when
    something was."""
    refusals.add_to_form(form, error, sent)
    reason = refusals.refusal(error, sent)
    applied: list[changes.Change] = []
    if action == AuditEntry.Action.UPDATE:
        after = job.read_back()
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


def _unanswered(
    job: _Save,
    form: SettingsForm,
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
        after: changes.Snapshot | None = job.target.snapshot(job.target.read_config(job.client))
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
    form: SettingsForm,
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


def _send(
    job: _Save,
    form: SettingsForm,
    action: str,
    payload: dict[str, Any],
    asked: list[changes.Change],
    audited: list[changes.Change],
    mine: changes.Snapshot,
    password: str,
) -> SaveResult | None:
    """Send the create or update: ``None`` when Quay took it, else the page again with what
    happened (nothing sent, no answer, or Quay's refusal at its field)."""
    target = job.target
    creating = action == AuditEntry.Action.CREATE
    job.begin(action, audited, password)
    try:
        if creating:
            target.create_config(job.client, payload)
        else:
            target.update_config(job.client, payload)
    except QuayUnauthorized:
        job.nothing_sent()  # Quay refused the token: it did nothing
        raise
    except QuayBusy as error:
        # The dashboard's own call budget was full: nothing reached Quay (and nothing is
        # audited: nothing happened).
        job.nothing_sent()
        return job.again(form, f"Nothing was saved: {error.message} Your changes are still here.")
    except (QuayTimeout, QuayServerError) as error:  # Quay may have acted
        return _unanswered(job, form, error, action, asked, audited, password)
    except QuayConflict:
        job.nothing_sent()
        return job.again(
            form,
            "Nothing was saved: someone created this mirror's config meanwhile. Reload the "
            "page to see it.",
        )
    except QuayNotFound:
        job.nothing_sent()
        gone = "does not exist (any more)" if not creating else "cannot be set up here"
        return job.again(form, f"Nothing was saved: Quay says {target} {gone}.")
    except QuayError as error:
        words = f"Quay did not set up {target}." if creating else "Nothing was saved."
        return _refused(job, form, error, action, audited, mine, password, words)
    return None


# -- create ----------------------------------------------------------------------------------


def _create(job: _Save, form: SettingsForm) -> SaveResult:
    cleaned = form.cleaned_data
    mine = job.target.form_snapshot(cleaned)
    asked = [changes.Change(f, None, v) for f, v in mine.items()]
    confirm, notes = job.target.more_confirmations(
        job.client, None, asked, mine, job.posted, job.reads
    )
    if confirm:
        return job.again(
            form,
            f"Nothing was created yet: {'; '.join(notes)}. Tick the box to confirm and press "
            "the button again.",
            **confirm,
        )
    creds, password = changes.credentials_update(
        username=cleaned["external_registry_username"],
        password=cleaned["external_registry_password"],
        remove=False,
    )
    shown = changes.created(mine, job.target.fields)  # the audit leaves out empty values
    payload = job.target.payload({**mine, **creds}, None, cleaned)
    refused = _send(job, form, AuditEntry.Action.CREATE, payload, asked, shown, mine, password)
    if refused is not None:
        return refused
    headline = job.target.created_words(mine, job.now)
    return _read_back_and_record(job, AuditEntry.Action.CREATE, headline, asked, shown, password)


# -- update ----------------------------------------------------------------------------------


def _update(job: _Save, form: SettingsForm) -> SaveResult:
    target, config = job.target, job.config
    current = target.snapshot(config)
    cleaned = form.cleaned_data
    mine = target.form_snapshot(cleaned)
    loaded = changes.unsign(target.namespace, target.name, cleaned.get("loaded") or "")
    if loaded is None:
        return _conflict(job, None, current, mine)

    # Only the fields this person changed matter: someone else's change to another field (or
    # the worker moving the next run after a sync) is kept, not a conflict.
    own = changes.diff(loaded, mine, target.fields)
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
    if remove and not form.stored_password:
        creds, password = {}, ""  # nothing stored: nothing to remove
    asked = changes.diff(current, mine, target.fields)
    if not asked and not creds:
        result = job.done()
        held = settle.settle_own(target, config, job.person.username, job.now)
        if held:  # a save of theirs whose answer never reached them: Quay holds it
            for found in held:
                fields = ", ".join(changes.LABELS.get(f, f) for f in found.applied)
                when = timefmt.clock(found.entry.created, job.now)
                result.say(
                    "success",
                    f"Quay already holds your change of {when} ({fields}): the dashboard "
                    "stopped before it could tell you. The audit trail now says it was applied.",
                )
        else:
            result.say("info", "Nothing to save: the settings are the same as in Quay.")
        return result

    confirm, notes = _confirmations(job, form, asked, mine)
    if confirm:
        return job.again(
            form,
            f"Nothing was saved yet: {'; '.join(notes)}. Tick the box to confirm and save again.",
            **confirm,
        )
    values = {**{change.field: change.new for change in asked}, **creds}
    payload = target.payload(values, config, cleaned)
    refused = _send(job, form, AuditEntry.Action.UPDATE, payload, asked, asked, mine, password)
    if refused is not None:
        return refused
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
    own = changes.diff(base, mine, target.fields)
    merged = {**current, **{change.field: change.new for change in own}}
    posted = job.posted.copy()
    for name, value in merged.items():
        if isinstance(value, bool) and not value:
            posted.pop(name, None)
    for key, values in data_from_snapshot(merged).items():
        posted.setlist(key, values)
    posted["loaded"] = changes.sign(target.namespace, target.name, current)
    fresh_form = target.settings_form(posted, job.config, job.now)
    fresh_form.is_valid()
    rows, by_worker = changes.conflict_rows(base, current, mine, target.fields)
    return job.again(
        fresh_form,
        changes.conflict_words(loaded is None, by_worker),
        conflict=rows,
        conflict_by_worker=by_worker,
        conflict_mine=changes.diff(current, merged, target.fields),
        discard_url=target.url("page"),
    )
