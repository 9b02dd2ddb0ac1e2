"""The form of a bulk settings change: only the fields to change, each left empty to leave it
alone. Its values are checked here as far as they do not depend on the mirror (bounds, a
start in the past); then each mirror's own settings form judges the result for that mirror
(``operations.bulk``), with the words it says on a mirror's page.

``cleaned_data`` holds the values under the settings form's own names; :func:`overrides`
turns them into the form data (as a browser posts it) laid over each mirror's current
settings. The password is never part of it: it is write-only, and travels on its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms

from .base import (
    EARLIEST_START,
    LATEST_START,
    MAX_NAME,
    MAX_PASSWORD,
    START_OUT_OF_RANGE,
    UNITS,
    CleanProxies,
    SettingsForm,
    StartDateField,
    duration_seconds,
    proxy_fields,
)

_ROBOT_NAME = re.compile(r"[a-z0-9_]{1,254}")
ON_OFF = [("", "leave as it is"), ("on", "on"), ("off", "off")]
UNIT_CHOICES = [(u, u) for u in UNITS]

#: The bulk form's fields that change a setting, and the setting's label (``rules.changes``).
SETTING_FIELDS: dict[str, str] = {
    "external_registry_username": "username",
    "external_registry_password": "password",
    "robot_username": "robot",
    "sync_interval_value": "interval",
    "skopeo_timeout_value": "timeout",
    "sync_start_date": "start date",
    "spread": "start date",
    "is_enabled": "scheduled syncs",
    "verify_tls": "verify TLS",
    "http_proxy": "HTTP proxy",
    "https_proxy": "HTTPS proxy",
    "no_proxy": "no proxy",
    "clear_proxies": "proxies",
}
#: The proxy fields (``clear_proxies`` empties all three).
PROXY_FIELDS = ("http_proxy", "https_proxy", "no_proxy")


class BulkSettingsForm(CleanProxies, forms.Form):
    """What to set on every selected mirror (empty: leave it alone)."""

    external_registry_username = forms.CharField(
        label="Username", max_length=MAX_NAME, required=False
    )
    external_registry_password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        max_length=MAX_PASSWORD,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Sent with each mirror's username (the one typed above, else its own).",
    )
    robot_username = forms.CharField(
        label="Robot account",
        max_length=MAX_NAME,
        required=False,
        help_text="A robot's short name (mirror: acme+mirror for acme's mirrors) or a full name.",
    )
    # No min_value: a 0 or less gets the settings form's words for its bound (``clean``), not
    # Django's "greater than or equal to 1"; the browser's own check keeps min="1".
    sync_interval_value = forms.IntegerField(
        label="Sync every", required=False, widget=forms.NumberInput(attrs={"min": 1})
    )
    sync_interval_unit = forms.ChoiceField(
        label="Interval unit", choices=UNIT_CHOICES, initial="hours"
    )
    skopeo_timeout_value = forms.IntegerField(
        label="Time out after", required=False, widget=forms.NumberInput(attrs={"min": 1})
    )
    skopeo_timeout_unit = forms.ChoiceField(
        label="Timeout unit", choices=UNIT_CHOICES, initial="minutes"
    )
    sync_start_date = StartDateField(
        label="Next sync",
        required=False,
        help_text="In your time zone, and still to come.",
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    spread = forms.BooleanField(
        label="Spread the start times over the interval",
        required=False,
        help_text="Each mirror starts at its own moment, evenly over its interval (from the "
        "next sync above, else the next full hour).",
    )
    is_enabled = forms.ChoiceField(label="Scheduled syncs", choices=ON_OFF, required=False)
    verify_tls = forms.ChoiceField(label="Verify TLS", choices=ON_OFF, required=False)
    http_proxy, https_proxy, no_proxy = proxy_fields().values()
    clear_proxies = forms.BooleanField(
        label="Remove the proxies",
        required=False,
        help_text="Every selected mirror then connects to its source without a proxy.",
    )
    confirm_during_sync = forms.BooleanField(
        label="Also change mirrors whose sync is running (saving can disturb that sync)",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_external_registry_username(self) -> str:
        return self.cleaned_data["external_registry_username"].strip()

    def clean_robot_username(self) -> str:
        robot = self.cleaned_data["robot_username"].strip()
        short = robot.split("+", 1)[-1]
        if robot and (robot.count("+") > 1 or not _ROBOT_NAME.fullmatch(short)):
            raise forms.ValidationError("Type a robot's short name (mirror) or full (acme+mirror).")
        return robot

    def clean_sync_start_date(self) -> datetime | None:
        value: datetime | None = self.cleaned_data["sync_start_date"]
        if value is not None and not EARLIEST_START <= value <= LATEST_START:
            raise forms.ValidationError(START_OUT_OF_RANGE)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        duration_seconds(self, "sync_interval", *SettingsForm.INTERVAL_BOUNDS)
        duration_seconds(
            self, "skopeo_timeout", *SettingsForm.TIMEOUT_BOUNDS, target="skopeo_timeout"
        )
        if data.get("clear_proxies") and any(data.get(name) for name in PROXY_FIELDS):
            self.add_error("clear_proxies", "Type a proxy or remove them all, not both.")
        if not self.errors and not changed_fields(data):
            raise forms.ValidationError("Nothing to change: fill in at least one field.")
        return data

    def judge(self, now: datetime) -> bool:
        """Whether the values can be previewed at ``now``. A start in the past would have
        Quay sync every mirror at once: refused here (a mirror's page asks to confirm it, one
        mirror at a time). A password typed into a form that comes back is not in it."""
        start = self.cleaned_data.get("sync_start_date") if self.is_valid() else None
        if start is not None and start < now:
            self.add_error(
                "sync_start_date",
                "Choose a moment to come: a start in the past has Quay sync every selected "
                "mirror at once.",
            )
        if self.errors and self.data.get("external_registry_password"):
            self.add_error(
                "external_registry_password",
                "Type the password again: it never comes back to the page.",
            )
        return not self.errors


def changed_fields(cleaned: dict[str, Any]) -> list[str]:
    """The bulk form's fields that ask for a change (in the order of :data:`SETTING_FIELDS`)."""
    return [name for name in SETTING_FIELDS if cleaned.get(name) not in (None, "", False)]


def overrides(cleaned: dict[str, Any]) -> dict[str, list[str]]:
    """The settings form's data to lay over each mirror's own (``[]``: a box unticked), and
    ``robot_username`` as typed (a short name is made the mirror's namespace's: ``robot_for``).
    Never the password. The start date is laid per mirror (``operations.bulk``)."""
    data: dict[str, list[str]] = {}
    for name in ("external_registry_username", "robot_username"):
        if cleaned.get(name):
            data[name] = [cleaned[name]]
    for prefix in ("sync_interval", "skopeo_timeout"):
        if cleaned.get(f"{prefix}_value") is not None:
            data[f"{prefix}_value"] = [str(cleaned[f"{prefix}_value"])]
            data[f"{prefix}_unit"] = [cleaned[f"{prefix}_unit"]]
    for name in ("is_enabled", "verify_tls"):
        if cleaned.get(name):
            data[name] = ["on"] if cleaned[name] == "on" else []
    for name in PROXY_FIELDS:
        if cleaned.get(name) or cleaned.get("clear_proxies"):
            data[name] = [cleaned.get(name) or ""]
    return data


def robot_for(robot: str, namespace: str) -> str:
    """A robot typed in the bulk form, for a mirror of ``namespace``: a short name is the
    namespace's robot of that name; a full name stays (the mirror's form refuses another
    namespace's robot, with its own words)."""
    return robot if "+" in robot else f"{namespace}+{robot}"
