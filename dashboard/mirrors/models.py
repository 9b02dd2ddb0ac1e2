"""The dashboard's own audit trail: who asked Quay to change what, and how it went."""

from __future__ import annotations

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
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.get_action_display()} {self.namespace}/{self.repository}"


def record(
    request: Any,
    namespace: str,
    repository: str,
    action: str,
    *,
    changes: dict[str, Any] | None = None,
    ok: bool = True,
    message: str = "",
) -> AuditEntry:
    """Write one audit entry for the signed-in person. Never pass secret values in changes."""
    user = request.user if request.user.is_authenticated else None
    return AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user else "",
        namespace=namespace,
        repository=repository,
        action=action,
        changes=changes or {},
        ok=ok,
        message=message,
    )
