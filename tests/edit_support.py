"""Helpers for the settings-form tests: post the form as a browser would, read what Quay got."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from dashboard.mirrors.forms.repository import MirrorSettingsForm


def page(client: Any, namespace: str, name: str, **kwargs: Any) -> Any:
    return client.get(f"/repo/{namespace}/{name}/", **kwargs)


def form_data(response: Any, tz: str = "UTC") -> dict[str, Any]:
    """What the browser would post for the form on ``response`` if the person changed nothing.

    Dates are written the way a ``datetime-local`` input sends them, in the zone ``tz``.
    """
    form: MirrorSettingsForm = response.context["form"]
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if field.name == "sync_start_date" and not form.is_bound:
            value = form.initial.get("sync_start_date")  # aware; value() is naive local
        if field.name in ("external_registry_password", "confirm_during_sync"):
            continue
        if field.name == "root_rule":
            data["root_rule"] = [p for p in value or [] if p]
        elif isinstance(field.field, forms.BooleanField):
            if value:
                data[field.name] = "on"
        elif isinstance(value, datetime):
            with timezone.override(zoneinfo.ZoneInfo(tz)):
                local = timezone.localtime(value).replace(tzinfo=None)
                data[field.name] = local.isoformat(timespec="seconds")  # as datetime-local
        elif isinstance(value, list | tuple):
            data[field.name] = list(value)
        else:
            data[field.name] = "" if value is None else str(value)
    return data


URLENCODED = "application/x-www-form-urlencoded"


def post_form(client: Any, url: str, data: dict[str, Any], **extra: Any) -> Any:
    """Post ``data`` urlencoded, as browsers and htmx do (the test client posts multipart)."""
    return client.post(url, urlencode(data, doseq=True), content_type=URLENCODED, **extra)


def save(client: Any, namespace: str, name: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(f"/repo/{namespace}/{name}/settings/", data, **kwargs)


def mirror_puts(emulator: Any, namespace: str, name: str) -> list[dict[str, Any]]:
    """The JSON bodies of every config PUT Quay received for a repository."""
    path = f"/api/v1/repository/{namespace}/{name}/mirror"
    return [
        r["json"] for r in emulator.requests_log() if r["method"] == "PUT" and r["path"] == path
    ]


def mirror_posts(emulator: Any, namespace: str, name: str) -> list[dict[str, Any]]:
    path = f"/api/v1/repository/{namespace}/{name}/mirror"
    return [
        r["json"] for r in emulator.requests_log() if r["method"] == "POST" and r["path"] == path
    ]


def clear_log(emulator: Any) -> None:
    emulator.control("DELETE", "requests")


def text(response: Any) -> str:
    return response.content.decode()
