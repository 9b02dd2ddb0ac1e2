"""The settings form as a browser posts it: what it would send unchanged, urlencoded, for either
kind of mirror."""

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


def change(client: Any, page_url: str, **changes: Any) -> tuple[Any, Any]:
    """Change ``changes`` in the settings form of the mirror page at ``page_url`` as drawn and
    post it: (the answer, the page after it)."""
    data = form_data(client.get(page_url))
    data.update(changes)
    response = post_form(client, f"{page_url}settings/", data)
    after = client.get(response["Location"]) if response.status_code == 302 else response
    return response, after


def setup_data(client: Any, **changes: Any) -> dict[str, Any]:
    """The set-up form of the empty organization ``orgempty``, filled in."""
    data = form_data(client.get("/org/orgempty/mirror/"))
    data.update(
        {
            "external_registry_type": "quay",
            "external_registry_url": "https://quay.example.com",
            "external_namespace": "upstreamorg",
            "repository_filters": ["alpha", "beta", ""],  # the editor's rows, a spare one
        }
    )
    data.update(changes)
    return data
