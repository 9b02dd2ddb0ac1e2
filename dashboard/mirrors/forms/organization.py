"""The organization mirror's settings form: checks every field the way Quay would before
anything is sent (Quay's ``endpoints/api/org_mirror.py`` schema and URL rules), and reads
durations, the start date (in the person's time zone) and the filters into Quay's values."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from django import forms

from dashboard.mirrors.forms.repository import (
    EARLIEST_START,
    LATEST_START,
    MAX_NAME,
    MAX_PASSWORD,
    MAX_SECONDS,
    START_OUT_OF_RANGE,
    TOO_LONG,
    CleanProxies,
    DrawnInZone,
    PatternRows,
    ShownAsPosted,
    StartDateField,
    WriteOnlyPassword,
    _shortened,
    duration_seconds,
    proxy_fields,
    removal_conflict,
    split_duration,
)
from dashboard.mirrors.rules.changes import ORG_FIELDS
from dashboard.mirrors.rules.globs import REPOSITORY_NAMES, check_rows, clean_patterns, matches
from dashboard.quay.org_models import OrgMirrorConfig, SourceRegistryType

#: Units of the durations (Quay's timeout may be as short as 30 seconds).
UNITS: dict[str, int] = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

MIN_INTERVAL = 60  # Quay's schema: sync_interval minimum 60
MIN_TIMEOUT, MAX_TIMEOUT = 30, 3600  # Quay's schema: skopeo_timeout 30..3600
MAX_FILTERS = 100
MAX_URL = 2048
MAX_NAMESPACE = 255  # Quay's schema: external_namespace maxLength 255
TYPE_CHOICES = [(t.value, t.label) for t in SourceRegistryType]
VISIBILITY_CHOICES = [("private", "private"), ("public", "public")]
#: The fields Quay stores, in the order the form shows them (``sync_interval`` and
#: ``skopeo_timeout`` are read from a number and a unit): the source type, shown and never
#: changed, and those a save may change (``changes.ORG_FIELDS``).
FIELDS = ("external_registry_type", *ORG_FIELDS)
#: Help the shared proxy fields have only here, and the password's (is one stored?).
HELP = {
    "http_proxy": "e.g. http://proxy.example.com:3128 (credentials in it are kept out of the "
    "audit trail)",
    "no_proxy": "Hosts to reach directly, comma-separated.",
}
PASSWORD_HELP = {
    True: "A password is stored: leave this empty to keep it.",
    False: "For a Quay source, an API token of the source; for Harbor, the robot's secret.",
}
#: What Quay keeps in ``external_registry_config`` (and replaces as a whole).
REGISTRY_CONFIG = ("verify_tls", "http_proxy", "https_proxy", "no_proxy")
PROXIES = ("http_proxy", "https_proxy", "no_proxy")


def filter_matches(filters: list[str], names: list[str]) -> list[str]:
    """The names Quay would mirror (``fnmatch``, case-sensitive; no filter: all)."""
    if not filters:
        return list(names)
    return [name for name in names if any(matches(f, name) for f in filters)]


class FilterRowsField(forms.Field):
    """The repository filters, one per row of the glob editor (``settings_form.html#rules``;
    blank rows are spare rows): checked as the tag rule's patterns are, in words about
    repository names; none at all means every repository."""

    widget = PatternRows

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return value.splitlines()
        return [str(v) for v in value or []]

    def validate(self, value: list[str]) -> None:
        filters = clean_patterns(value)
        if len(filters) > MAX_FILTERS:
            raise forms.ValidationError(f"At most {MAX_FILTERS} filters.")
        problems = [
            f"“{_shortened(check.pattern)}”: {' '.join(check.errors)}"
            for check in check_rows(value, REPOSITORY_NAMES)
            if check.errors
        ]
        if problems:
            raise forms.ValidationError(problems)

    def clean(self, value: Any) -> list[str]:
        value = self.to_python(value)
        self.validate(value)
        return clean_patterns(value)


def url_problem(value: str) -> str | None:
    """What Quay would refuse in a source URL (the parts it checks without DNS)."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https"):
        return "Give the registry's address with http:// or https:// (e.g. https://quay.io)."
    if parsed.username is not None or parsed.password is not None:
        return "Leave credentials out of the address: use the username and password fields."
    if not parsed.hostname:
        return "The address has no host name."
    if parsed.path not in ("", "/"):
        return "Give only the registry's address; the namespace goes in its own field."
    return None


class OrgMirrorForm(ShownAsPosted, CleanProxies, WriteOnlyPassword, DrawnInZone, forms.Form):
    external_registry_type = forms.ChoiceField(label="Source type", choices=TYPE_CHOICES)
    external_registry_url = forms.CharField(
        label="Source registry", max_length=MAX_URL, help_text="e.g. https://harbor.example.com"
    )
    external_namespace = forms.CharField(
        label="Source namespace",
        max_length=MAX_NAMESPACE,
        help_text="The Harbor project or Quay organization to mirror.",
        error_messages={"max_length": "Quay takes at most 255 characters here."},
    )
    repository_filters = FilterRowsField(label="Repositories to mirror", required=False)
    robot_username = forms.CharField(label="Robot account", max_length=MAX_NAME)
    visibility = forms.ChoiceField(label="New repositories are", choices=VISIBILITY_CHOICES)
    is_enabled = forms.BooleanField(label="Scheduled syncs on", required=False, initial=True)
    sync_start_date = StartDateField(
        label="First / next sync",
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
    )
    sync_interval_value = forms.IntegerField(
        label="Sync every",
        min_value=1,
        max_value=MAX_SECONDS,
        error_messages={"max_value": "That is more than ten years."},
    )
    sync_interval_unit = forms.ChoiceField(
        label="Interval unit", choices=[(u, u) for u in UNITS], initial="hours"
    )
    skopeo_timeout_value = forms.IntegerField(label="Timeout per copy", min_value=1)
    skopeo_timeout_unit = forms.ChoiceField(
        label="Timeout unit", choices=[(u, u) for u in UNITS], initial="minutes"
    )
    external_registry_username = forms.CharField(
        label="Username", required=False, max_length=MAX_NAME
    )
    external_registry_password = forms.CharField(
        label="Password or token",
        required=False,
        strip=False,
        max_length=MAX_PASSWORD,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_credentials = forms.BooleanField(label="Remove the stored credentials", required=False)
    verify_tls = forms.BooleanField(label="Verify TLS certificates", required=False, initial=True)
    http_proxy, https_proxy, no_proxy = proxy_fields().values()
    #: Ticked on the second submit while the sync runs (``org_status.during_sync``), or with
    #: a start date in the past: the form's confirmations (shown only when asked for).
    confirm_during_sync = forms.BooleanField(
        label="Save anyway: I understand what this does to the running sync", required=False
    )
    confirm_past_start = forms.BooleanField(label="Yes, start a sync right away", required=False)
    drawn_zone = forms.CharField(required=False, widget=forms.HiddenInput)
    #: The signed snapshot of the config the form was drawn from (``changes.org_snapshot``):
    #: a save tells the person's own changes from someone else's made meanwhile.
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, config: OrgMirrorConfig | None = None, **kwargs: Any) -> None:
        self.config = config
        if config is not None:
            kwargs["initial"] = {**self.initial_from(config), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.set_drawn_zone()
        stored = config is not None and config.has_external_registry_password
        for name, words in {**HELP, "external_registry_password": PASSWORD_HELP[stored]}.items():
            self.fields[name].help_text = words  # (each field's own: named by its input)
        if config is not None:
            # Quay never changes the source type (a PUT of it is ignored): shown, not sent.
            self.fields["external_registry_type"].disabled = True
        else:
            for name in (
                "clear_credentials",
                "loaded",
                "confirm_during_sync",
                "confirm_past_start",
            ):
                del self.fields[name]

    @staticmethod
    def initial_from(config: OrgMirrorConfig) -> dict[str, Any]:
        interval, interval_unit = split_duration(config.sync_interval)
        timeout, timeout_unit = split_duration(config.skopeo_timeout)
        return {
            "external_registry_type": config.external_registry_type.value,
            "external_registry_url": config.external_registry_url,
            "external_namespace": config.external_namespace,
            "repository_filters": list(config.repository_filters),
            "robot_username": config.robot_username,
            "visibility": config.visibility,
            "is_enabled": config.is_enabled,
            "sync_start_date": config.sync_start_date,
            "sync_interval_value": interval,
            "sync_interval_unit": interval_unit,
            "skopeo_timeout_value": timeout,
            "skopeo_timeout_unit": timeout_unit,
            "external_registry_username": config.external_registry_username or "",
            "verify_tls": config.verify_tls,
            "http_proxy": config.http_proxy or "",
            "https_proxy": config.https_proxy or "",
            "no_proxy": config.no_proxy or "",
        }

    def clean_external_registry_url(self) -> str:
        value = self.cleaned_data["external_registry_url"].strip()
        problem = url_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value.rstrip("/")

    def clean_external_namespace(self) -> str:
        return self.cleaned_data["external_namespace"].strip()

    def clean_robot_username(self) -> str:
        value = self.cleaned_data["robot_username"].strip()
        org = self.initial.get("org") or ""
        if "+" not in value:
            raise forms.ValidationError("Choose a robot account (organization+name).")
        if org and value.split("+", 1)[0] != org:
            raise forms.ValidationError(f"The robot must belong to {org} (Quay refuses others).")
        return value

    def clean_sync_start_date(self) -> datetime:
        value: datetime = self.cleaned_data["sync_start_date"]
        stored = self.config.sync_start_date if self.config else None
        if stored is not None and value == stored.replace(microsecond=0):
            return stored  # Quay's own date, left as it is (only changes are sent)
        if not EARLIEST_START <= value <= LATEST_START:
            raise forms.ValidationError(START_OUT_OF_RANGE)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        often = "Quay syncs at most once a minute."
        interval = (MIN_INTERVAL, often), (MAX_SECONDS, TOO_LONG)
        duration_seconds(self, "sync_interval", *interval, units=UNITS)
        timeout = "Quay takes a timeout from 30 seconds to 1 hour."
        duration_seconds(
            self, "skopeo_timeout", (MIN_TIMEOUT, timeout), (MAX_TIMEOUT, timeout), units=UNITS
        )
        data["external_registry_username"] = (data.get("external_registry_username") or "").strip()
        self._credentials(data)
        return data

    def _credentials(self, data: dict[str, Any]) -> None:
        """A tick of "remove the stored credentials" with a new password or username would
        drop what was typed without a word: refused at the box; a typed password that other
        errors send back is said to be lost."""
        password = data.get("external_registry_password") or ""
        stored = (self.config.external_registry_username if self.config else None) or ""
        conflict = removal_conflict(
            bool(data.get("clear_credentials")),
            password,
            data.get("external_registry_username") or "",
            stored,
        )
        if conflict:
            self.add_error("clear_credentials", conflict)
        self.password_not_kept_if_refused(password)

    def filter_rows(self) -> list[str]:
        """The editor's rows: as posted (at least one), or Quay's filters and a spare row."""
        if self.is_bound:
            return list(self["repository_filters"].value() or []) or [""]
        return [*list(self.initial.get("repository_filters") or []), ""]

    def values(self) -> dict[str, Any]:
        """Quay's fields from the cleaned form (credentials apart)."""
        data = self.cleaned_data
        return {name: data.get(name) for name in FIELDS if name in data}
