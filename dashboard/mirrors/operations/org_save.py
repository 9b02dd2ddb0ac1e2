"""Saving an organization mirror's settings (and setting one up): send Quay only what changed,
keep the write-only password unless a new one is typed, read the config back and say what
took effect, put Quay's refusals at their field, and record it all in the audit trail.

What decides the write is read afresh (never from the read cache), and compared with the
config the form was drawn from (its signed snapshot, ``changes.org_snapshot``): a setting the
person changed that someone else changed too, in Quay, meanwhile, is a conflict (nothing is
sent; the form comes back with their changes and the person's own on top, as the repository
form's does); someone else's changes to other settings are kept. Quay checks every field
of a PUT before it applies any (one bad field changes nothing), answers 200 for fields it
ignores (the source type never changes), and replaces ``external_registry_config`` (TLS
and the proxies) as a whole: a change to any part of it sends all of it, the parts not
changed as Quay has them, so that they stay.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dashboard.mirrors.forms.organization import PROXIES, REGISTRY_CONFIG, OrgMirrorForm
from dashboard.mirrors.forms.repository import starts_in_past
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.models import AuditEntry, record
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import changes as snapshots
from dashboard.mirrors.rules import refusals
from dashboard.mirrors.rules.org_status import during_sync
from dashboard.mirrors.rules.timefmt import clock
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import format_quay_datetime, parse_quay_datetime
from dashboard.quay.errors import (
    QuayBadRequest,
    QuayBusy,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayServerError,
    QuayTimeout,
    QuayUnauthorized,
)
from dashboard.quay.fanout import quietly
from dashboard.quay.org_models import OrgMirrorConfig

LABELS = {
    "external_registry_type": "source type",
    "external_registry_url": "source registry",
    "external_namespace": "source namespace",
    "repository_filters": "repositories to mirror",
    "robot_username": "robot",
    "visibility": "visibility of new repositories",
    "is_enabled": "scheduled syncs",
    "sync_start_date": "next sync",
    "sync_interval": "interval",
    "skopeo_timeout": "timeout",
    "external_registry_username": "username",
    "external_registry_password": "password",
    "verify_tls": "TLS verification",
    "http_proxy": "HTTP proxy",
    "https_proxy": "HTTPS proxy",
    "no_proxy": "no proxy",
}
#: Which form field a refusal of Quay's belongs to (by words in its message).
REFUSAL_FIELDS = (
    ("robot", "robot_username"),
    ("sync_start_date", "sync_start_date"),
    ("sync_interval", "sync_interval_value"),
    ("skopeo_timeout", "skopeo_timeout_value"),
    ("visibility", "visibility"),
    ("external_namespace", "external_namespace"),
    ("url", "external_registry_url"),
    ("hostname", "external_registry_url"),
    ("credentials are not allowed", "external_registry_url"),
)


@dataclass
class OrgSaveResult:
    ok: bool
    #: ``(level, text)`` for the page's messages.
    said: list[tuple[str, str]] = field(default_factory=list)
    #: Quay's refusal at its field (``field name -> words``).
    field_errors: dict[str, str] = field(default_factory=dict)
    config: OrgMirrorConfig | None = None
    #: A conflict: the form again (the person's changes on top of Quay's current config)
    #: and the context of ``settings_form.html#conflict``.
    form: OrgMirrorForm | None = None
    conflict: dict[str, Any] = field(default_factory=dict)
    #: Confirmations asked before anything is sent (the context of the form's boxes:
    #: ``confirm_sync`` and ``sync_warning``, ``past_start`` and ``past_start_words``).
    confirm: dict[str, Any] = field(default_factory=dict)
    #: The form comes back with what was typed (Quay may not have applied it all).
    keep_form: bool = False


#: What a start date in the past does to an organization mirror (Quay's worker takes an
#: enabled config whose start date has passed at its next pass).
PAST_START_WORDS = (
    "Quay's worker starts a discovery at its next pass, then syncs the repositories it finds."
)


def quay_reason(error: QuayError) -> str:
    """Quay's message without the JSON schema it appends to schema errors."""
    return error.message.split("\n\nFailed validating", 1)[0].strip()


def _field_of(reason: str) -> str | None:
    lowered = reason.lower()
    for words, name in REFUSAL_FIELDS:
        if words in lowered:
            return name
    return None


def _value(config: OrgMirrorConfig, name: str) -> Any:
    if name == "repository_filters":
        return list(config.repository_filters)
    if name == "external_registry_type":
        return config.external_registry_type.value
    if name == "external_registry_username" or name in PROXIES:
        return getattr(config, name) or ""
    return getattr(config, name)


def _same(name: str, old: Any, new: Any) -> bool:
    if name == "sync_start_date" and isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(microsecond=0) == new.replace(microsecond=0)
    return old == new


def config_snapshot(config: OrgMirrorConfig) -> snapshots.Snapshot:
    """Quay's config as the conflict check compares it."""
    return snapshots.org_snapshot({name: _value(config, name) for name in snapshots.ORG_FIELDS})


def form_snapshot(form: OrgMirrorForm) -> snapshots.Snapshot:
    """The settings as the person left them in the (valid) form."""
    mine = snapshots.org_snapshot(form.values())
    if form.cleaned_data.get("clear_credentials"):
        mine["external_registry_username"] = None
    return mine


def changes_of(
    form: OrgMirrorForm, config: OrgMirrorConfig, own: Collection[str] | None = None
) -> dict[str, Any]:
    """The fields to change: those whose value differs from Quay's (and, ``own`` given, that
    the person changed since the form was drawn), credentials as Quay takes them (an empty
    password keeps the stored one; "remove" clears both)."""
    values = form.values()
    changes = {
        name: new
        for name, new in values.items()
        if name != "external_registry_type"
        and (own is None or name in own)
        and not _same(name, _value(config, name), new)
    }
    data = form.cleaned_data
    if data.get("clear_credentials"):
        changes["external_registry_username"] = ""
        changes["external_registry_password"] = None
    elif data.get("external_registry_password"):
        changes["external_registry_username"] = values["external_registry_username"]
        changes["external_registry_password"] = data["external_registry_password"]
    return changes


def to_send(changes: dict[str, Any], config: OrgMirrorConfig | None) -> dict[str, Any]:
    """``changes`` as Quay must get them: with any part of ``external_registry_config``
    changed, the whole of it (the other parts as ``config`` has them; no proxy object when no
    proxy is left), since Quay replaces it whole."""
    if not any(name in changes for name in REGISTRY_CONFIG):
        return changes
    whole = {
        name: changes[name] if name in changes else _value(config, name)
        for name in REGISTRY_CONFIG
        if name in changes or config is not None
    }
    sent = {**changes, **whole}
    if not any(sent.get(name) for name in PROXIES):
        for name in PROXIES:
            sent.pop(name, None)
    return sent


def _audit_key(name: str) -> str:
    """The audit trail's name of a field (its words come from ``changes.format_value``)."""
    return "skopeo_timeout_interval" if name == "skopeo_timeout" else name


def _raw(name: str, value: Any) -> Any:
    """A field's value as the audit trail keeps it (JSON; never a password)."""
    if name == "external_registry_password":
        return "changed" if value else "removed"
    if isinstance(value, datetime):
        return format_quay_datetime(value)
    return value


def _refused(error: QuayError, form: OrgMirrorForm) -> OrgSaveResult:
    reason = quay_reason(error)
    name = _field_of(reason)
    if name and name in form.fields:
        form.add_error(name, f"Quay refused this: {reason}")
        return OrgSaveResult(
            False, [("error", "Quay refused the settings; see the field.")], {name: reason}
        )
    return OrgSaveResult(False, [("error", f"Quay refused the settings: {reason}")])


Note = Callable[[str, str], None]


def _noter(person: Person, target: OrgTarget, action: str, audit: dict[str, Any]) -> Note:
    """Writes this save's audit entry with an outcome and a message (values, never the
    password)."""

    def note(outcome: str, message: str) -> None:
        record(person, target, action, changes=audit, outcome=outcome, message=message)

    return note


def _write(
    send: Callable[[], None], form: OrgMirrorForm, note: Note, forbidden: str, gone: str
) -> OrgSaveResult | None:
    """Send the write; ``None`` when Quay took it, else what the page says (and the audit
    entry of a refusal of what Quay let the person see: not of a 403, which anyone can get by
    posting any name). No answer in time (or a 5xx) propagates: Quay may have acted."""
    try:
        send()
    except QuayUnauthorized:
        raise
    except QuayBadRequest as error:
        note(AuditEntry.Outcome.REFUSED, quay_reason(error))
        return _refused(error, form)
    except QuayForbidden:  # Quay showed the person nothing to change: no audit entry
        return OrgSaveResult(False, [("error", forbidden)])
    except QuayNotFound:
        return OrgSaveResult(False, [("error", gone)])
    except QuayBusy as error:
        return OrgSaveResult(False, [("error", f"Not sent: {error.message}")])
    return None


def save(
    client: QuayClient, person: Person, target: OrgTarget, form: OrgMirrorForm, now: datetime
) -> OrgSaveResult:
    """Send the changed settings of an existing organization mirror (``form`` is valid)."""
    client = fresh(client)
    try:
        config = target.read_config(client)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return OrgSaveResult(
            False, [("error", f"Nothing was sent: {target} could not be read: {error.message}")]
        )
    current, mine = config_snapshot(config), form_snapshot(form)
    loaded = snapshots.unsign(target.namespace, target.name, form.cleaned_data.get("loaded") or "")
    own = snapshots.diff(loaded or current, mine, snapshots.ORG_FIELDS)
    if loaded is None or snapshots.clashes(loaded, current, own):
        return _conflict(target, config, loaded, current, mine)
    changes = changes_of(form, config, {change.field for change in own})
    if not changes:
        return OrgSaveResult(
            True, [("info", "Nothing to save: these are the settings Quay has.")], config=config
        )
    asked = _confirmations(form, config, changes, now)
    if asked is not None:
        return asked
    audit = {
        _audit_key(name): {
            "from": None
            if name == "external_registry_password"
            else _raw(name, _value(config, name)),
            "to": _raw(name, value),
        }
        for name, value in changes.items()
        if name in LABELS
    }
    note = _noter(person, target, AuditEntry.Action.UPDATE, audit)
    try:
        refused = _write(
            lambda: client.update_org_mirror(target.org, to_send(changes, config)),
            form,
            note,
            f"Quay lets only the organization's admins change {target}.",
            f"{target} no longer exists in Quay: nothing was saved.",
        )
    except (QuayTimeout, QuayServerError) as error:
        back = quietly(target.read_config, client)
        read = _read_back_words(changes, back) if back else "the settings could not be read back."
        message = f"{refusals.unanswered(client.timeout, error)}; {read}"
        note(AuditEntry.Outcome.UNKNOWN, message)
        # What the read-back does not show applied stays in the form, to look at and resend.
        missed = back is None or not _applied_words(changes, back)[0]
        return OrgSaveResult(False, [("warning", message)], config=back, keep_form=missed)
    if refused is not None:
        return refused
    back = quietly(target.read_config, client)
    if back is None:
        message = "Saved; the settings could not be read back to check what took effect."
        note(AuditEntry.Outcome.DONE, message)
        return OrgSaveResult(True, [("warning", message)])
    all_applied, message = _applied_words(changes, back)
    for name in changes:
        if name in LABELS:
            audit[_audit_key(name)]["applied"] = _took(name, changes[name], back)
    note(AuditEntry.Outcome.DONE if all_applied else AuditEntry.Outcome.PARTIAL, message)
    level = "success" if all_applied else "warning"
    return OrgSaveResult(all_applied, [(level, message)], config=back)


def _confirmations(
    form: OrgMirrorForm, config: OrgMirrorConfig, changes: dict[str, Any], now: datetime
) -> OrgSaveResult | None:
    """What the person must confirm before ``changes`` are sent (nothing is read for it: the
    config just read says what runs), as the repository form asks: saving while the sync
    runs (what it does to it, from Quay's worker: ``org_status.during_sync``), and a start
    date in the past on an enabled mirror (the worker starts at once). ``None``: nothing to
    confirm, or confirmed (the boxes ticked)."""
    data = form.cleaned_data
    confirm: dict[str, Any] = {}
    why = []
    warning = during_sync(config, now, changes)
    if warning is not None and not warning.stuck and not data.get("confirm_during_sync"):
        confirm.update(confirm_sync=True, sync_warning=warning)
        why.append(
            "the organization mirror's sync is under way (what saving now does to it is said below)"
        )
    start = changes.get("sync_start_date")
    enabled = changes.get("is_enabled", config.is_enabled)
    past = enabled and isinstance(start, datetime) and starts_in_past(start, now)
    if past and not data.get("confirm_past_start"):
        confirm.update(past_start=True, past_start_words=PAST_START_WORDS)
        why.append(
            "the start date is in the past, so Quay's worker starts a discovery at its next pass"
        )
    if not confirm:
        return None
    message = f"Nothing was saved yet: {'; '.join(why)}. Tick the box to confirm and save again."
    return OrgSaveResult(False, [("error", message)], config=config, confirm=confirm)


def _conflict(
    target: OrgTarget,
    config: OrgMirrorConfig,
    loaded: snapshots.Snapshot | None,
    current: snapshots.Snapshot,
    mine: snapshots.Snapshot,
) -> OrgSaveResult:
    """Someone changed, in Quay, a setting this person changed too since the form was drawn
    (or the form's copy of the config is missing or altered): nothing is sent. The form comes
    back drawn from Quay's current config with the person's own changes on top (a typed
    password is not kept), tied to the current config, so that "Apply mine anyway" sends
    only theirs."""
    base = loaded or current
    own = snapshots.diff(base, mine, snapshots.ORG_FIELDS)
    merged = {**current, **{change.field: change.new for change in own}}
    rows, by_worker = snapshots.conflict_rows(base, current, mine, snapshots.ORG_FIELDS)
    on_top = replace(config, **{change.field: _config_value(change) for change in own})
    form = OrgMirrorForm(config=on_top)
    form.initial.update(
        org=target.org, loaded=snapshots.sign(target.namespace, target.name, current)
    )
    message = snapshots.conflict_words(loaded is None, by_worker)
    conflict = {
        "conflict": rows,
        "conflict_by_worker": by_worker,
        "conflict_mine": snapshots.diff(current, merged, snapshots.ORG_FIELDS),
        "discard_url": target.url("page"),
    }
    return OrgSaveResult(False, [("error", message)], config=config, form=form, conflict=conflict)


def _config_value(change: snapshots.Change) -> Any:
    """A snapshot's value as ``OrgMirrorConfig`` holds it."""
    if change.field == "sync_start_date":
        return parse_quay_datetime(change.new) if change.new else None
    if change.field == "repository_filters":
        return tuple(change.new or ())
    return change.new


def _took(name: str, sent: Any, back: OrgMirrorConfig) -> bool:
    if name == "external_registry_password":
        return back.has_external_registry_password == bool(sent)
    if name in PROXIES:
        return getattr(back, name) == (sent or None)
    if name not in LABELS:
        return True
    return _same(name, _value(back, name), sent)


def _applied_words(changes: dict[str, Any], back: OrgMirrorConfig) -> tuple[bool, str]:
    names = [name for name in changes if name in LABELS]
    missed = [LABELS[name] for name in names if not _took(name, changes[name], back)]
    done = [LABELS[name] for name in names if _took(name, changes[name], back)]
    if not missed:
        return True, f"Saved and read back from Quay: {', '.join(done)}."
    text = f"Quay accepted the change but did not apply: {', '.join(missed)}"
    if done:
        text += f" (applied: {', '.join(done)})"
    return False, text + ". Save again, or change it in Quay."


def _read_back_words(changes: dict[str, Any], back: OrgMirrorConfig) -> str:
    """What the settings read back show of changes whose fate Quay did not say."""
    names = [name for name in changes if name in LABELS]
    done = [LABELS[name] for name in names if _took(name, changes[name], back)]
    missed = [LABELS[name] for name in names if not _took(name, changes[name], back)]
    parts = []
    if done:
        parts.append(f"applied: {', '.join(done)}")
    if missed:
        parts.append(f"not applied: {', '.join(missed)}")
    return f"reading the settings back, {'; '.join(parts)}. Look again before saving again."


def create(
    client: QuayClient, person: Person, target: OrgTarget, form: OrgMirrorForm, now: datetime
) -> OrgSaveResult:
    """Set up an organization mirror (``form`` is valid): every field, credentials if given."""
    values = form.values()
    data = form.cleaned_data
    if not data.get("external_registry_username"):
        values.pop("external_registry_username", None)
    if data.get("external_registry_password"):
        values["external_registry_password"] = data["external_registry_password"]
    audit = {
        _audit_key(name): {"from": None, "to": _raw(name, value)}
        for name, value in values.items()
        if name in LABELS and not (name in PROXIES and not value)
    }
    note = _noter(person, target, AuditEntry.Action.CREATE, audit)
    try:
        refused = _write(
            lambda: client.create_org_mirror(target.org, to_send(values, None)),
            form,
            note,
            f"Quay lets only the admins of {target.org} set up its organization mirror.",
            "This Quay runs without organization mirroring: nothing was set up.",
        )
    except (QuayTimeout, QuayServerError) as error:
        back = quietly(target.read_config, fresh(client))
        state = "it exists now" if back else "it does not exist (or could not be read)"
        message = f"{refusals.unanswered(client.timeout, error)}; reading it again, {state}."
        note(AuditEntry.Outcome.UNKNOWN, message)
        return OrgSaveResult(back is not None, [("warning", message)], config=back)
    if refused is not None:
        return refused
    back = quietly(target.read_config, fresh(client))
    start = back.sync_start_date if back else None
    when = f" Its first run: {clock(start, now)}." if start else ""
    message = f"Organization mirror of {target.org} set up.{when}"
    note(AuditEntry.Outcome.DONE, message)
    return OrgSaveResult(True, [("success", message)], config=back)
