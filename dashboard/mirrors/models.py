"""The dashboard's own audit trail: who asked Quay to change what, and how it went."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "created the mirror"
        UPDATE = "update", "changed settings"
        SYNC_NOW = "sync_now", "pressed Sync now"
        CANCEL = "cancel", "cancelled the sync"
        STATE = "state", "changed the repository state"
        DELETE = "delete", "deleted the mirror"

    class Outcome(models.TextChoices):
        DONE = "done", "done"
        PARTIAL = "partial", "not fully applied"
        REFUSED = "refused", "refused by Quay"
        UNKNOWN = "unknown", "outcome unknown: Quay did not answer in time"
        NOT_DONE = "not_done", "nothing done"
        #: Written before the call to Quay; completed when Quay answers. One left so (the
        #: instance or its database went away mid-call) is settled later (``settle``).
        PENDING = "pending", "sent to Quay, no answer recorded yet"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=255, db_index=True)
    namespace = models.CharField(max_length=255, db_index=True)
    repository = models.CharField(max_length=255, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    #: ``{field: {"from": old, "to": new}}``; a password is recorded as "changed", never a value.
    changes = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=True)
    #: How it went, as far as Quay let the dashboard know (``ok`` is ``outcome == DONE``).
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.DONE)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.get_action_display()} {self.namespace}/{self.repository}"


#: Fields whose values may carry ``user:password@`` (proxy URLs).
URL_FIELDS = ("http_proxy", "https_proxy")
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?[^\s/]+@")
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^\s/]+@")
REDACTED = "***@"


def redact_url(value: Any) -> Any:
    """``http://user:secret@proxy:3128`` → ``http://***@proxy:3128``; other values unchanged."""
    if not isinstance(value, str) or "@" not in value:
        return value
    return _USERINFO.sub(lambda m: (m.group("scheme") or "") + REDACTED, value, count=1)


def redact_changes(changes: dict[str, Any] | None) -> dict[str, Any]:
    """The changes with any credentials in proxy URLs taken out of their from/to values."""
    result: dict[str, Any] = {}
    for field_name, change in (changes or {}).items():
        if field_name in URL_FIELDS:
            if isinstance(change, dict):
                change = {
                    key: redact_url(value) if key in ("from", "to") else value
                    for key, value in change.items()
                }
            else:
                change = redact_url(change)
        result[field_name] = change
    return result


def redact_text(text: str) -> str:
    """A message with the credentials of any URL in it taken out."""
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + REDACTED, text)


def begin(
    person: Any, target: Any, action: str, *, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """The entry of a change about to be sent to Quay, written *before* the call (pending):
    if the instance dies while Quay acts, the trail still holds what was asked, and
    ``dashboard.mirrors.settle`` says later what Quay did with it. Complete it with
    :func:`record` (``entry=``), or :func:`discard` it when nothing reached Quay."""
    return record(person, target, action, changes=changes, outcome=AuditEntry.Outcome.PENDING)


def discard(entry: AuditEntry | None) -> None:
    """A pending entry whose call never reached Quay (nothing happened: nothing to record)."""
    if entry is not None and entry.pk is not None:
        AuditEntry.objects.filter(pk=entry.pk, outcome=AuditEntry.Outcome.PENDING).delete()


def record(
    person: Any,
    target: Any,
    action: str,
    *,
    changes: dict[str, Any] | None = None,
    ok: bool = True,
    outcome: str | None = None,
    message: str = "",
    entry: AuditEntry | None = None,
) -> AuditEntry:
    """Write one audit entry: ``person`` (a ``person.Person``) did ``action`` on
    ``target`` (a ``kinds.repository.RepoTarget``). Never pass secret values in changes.
    With ``entry`` (from :func:`begin`), that pending entry is completed instead.

    ``outcome`` says how it went (an ``AuditEntry.Outcome``); without it, ``ok`` tells done
    from not fully applied. Credentials in proxy URLs (``http://user:password@proxy``) are
    taken out here, so no writer can store them by mistake.
    """
    outcome = outcome or (AuditEntry.Outcome.DONE if ok else AuditEntry.Outcome.PARTIAL)
    fields = {
        "changes": redact_changes(changes),
        "ok": outcome == AuditEntry.Outcome.DONE,
        "outcome": outcome,
        "message": redact_text(message),
    }
    if entry is not None and entry.pk is not None:
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.save(update_fields=list(fields))
        return entry
    user = person.user if getattr(person.user, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        user=user,
        username=person.username,
        namespace=target.namespace,
        repository=target.name,
        action=action,
        **fields,
    )


class BulkRun(models.Model):
    """One bulk settings change (``operations.bulk``): the mirrors chosen, the values asked,
    its preview and then its results, kept so that the page can be opened again."""

    class State(models.TextChoices):
        DRAFT = "draft", "choosing the values"
        PREVIEW = "preview", "previewed, not applied"
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "being applied"
        DONE = "done", "done"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=255, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    #: The mirrors chosen: ``[{"kind": "repository"|"organization", "namespace", "name"}]``.
    targets = models.JSONField(default=list)
    #: The bulk form as posted, without the password (to draw it again).
    values = models.JSONField(default=dict, blank=True)
    #: What is changed, in words ("interval, password"): the list of runs says it.
    summary = models.CharField(max_length=255, blank=True)
    #: Whether a password is set (its value is only ever in ``sealed_password``).
    sets_password = models.BooleanField(default=False)
    #: The person's token and the new password, sealed (``watch.keys``) while the run waits
    #: for a worker or runs; emptied when it ends. Never shown, logged or audited.
    sealed_token = models.TextField(blank=True)
    sealed_password = models.TextField(blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    #: Why the run stopped short, if it did (the token refused, …).
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"bulk change {self.pk} by {self.username}: {self.summary}"


class BulkItem(models.Model):
    """One mirror of a bulk change: its preview (field by field) and how its apply went."""

    class Verdict(models.TextChoices):
        SEND = "send", "will send"
        UNCHANGED = "unchanged", "nothing would change: not sent"
        BUSY = "busy", "a sync is under way: not sent"
        REFUSED = "refused", "refused in advance: not sent"
        UNREADABLE = "unreadable", "could not be read: not sent"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "applied"
        PARTIAL = "partial", "partly applied"
        REFUSED = "refused", "refused by Quay"
        CONFLICT = "conflict", "changed in Quay since the preview: not overwritten"
        NOT_SENT = "not_sent", "not sent"
        #: Sent, and Quay answered an error (a 5xx): the config read back shows none of it.
        NOT_APPLIED = "not_applied", "sent, not applied"
        UNKNOWN = "unknown", "outcome unknown"

    run = models.ForeignKey(BulkRun, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    namespace = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    #: The config's fields as read for the preview (the apply's "loaded with": a field of
    #: ours someone else changed since is a conflict).
    loaded = models.JSONField(null=True, blank=True)
    #: The settings form's data to save, as the preview judged it (never the password).
    posted = models.JSONField(default=dict, blank=True)
    #: ``[{"label", "now", "after"}]``: each field that changes, in words.
    rows = models.JSONField(default=list, blank=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    note = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    detail = models.TextField(blank=True)
    audit = models.ForeignKey(AuditEntry, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}: {self.verdict} {self.outcome}".strip()
