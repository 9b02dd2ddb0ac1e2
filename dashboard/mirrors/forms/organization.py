"""An organization mirror's settings form: the shared fields (``base.SettingsForm``) and its
own (the source type, registry and namespace, the repository filters, the visibility of new
repositories), checked the way Quay would before anything is sent (Quay's
``endpoints/api/org_mirror.py`` schema and URL rules)."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlparse

from django import forms

from dashboard.mirrors.rules.globs import MAX_PATTERNS, REPOSITORY_NAMES, matches
from dashboard.quay.org_models import OrgMirrorConfig, SourceRegistryType

from .base import MAX_SECONDS, TOO_LONG, PatternRowsField, SettingsForm

#: Units of the durations (Quay's timeout may be as short as 30 seconds).
UNITS: dict[str, int] = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

MIN_INTERVAL = 60  # Quay's schema: sync_interval minimum 60
MIN_TIMEOUT, MAX_TIMEOUT = 30, 3600  # Quay's schema: skopeo_timeout 30..3600
MAX_URL = 2048
MAX_NAMESPACE = 255  # Quay's schema: external_namespace maxLength 255
TYPE_CHOICES = [(t.value, t.label) for t in SourceRegistryType]
VISIBILITY_CHOICES = [("private", "private"), ("public", "public")]
#: The password's help (is one stored?).
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


class OrgMirrorForm(SettingsForm):
    UNITS: ClassVar[dict[str, int]] = UNITS
    INTERVAL_BOUNDS: ClassVar[tuple[tuple[int, str], tuple[int, str]]] = (
        (MIN_INTERVAL, "Quay syncs at most once a minute."),
        (MAX_SECONDS, TOO_LONG),
    )
    TIMEOUT_BOUNDS: ClassVar[tuple[tuple[int, str], tuple[int, str]]] = (
        (MIN_TIMEOUT, "Quay takes a timeout from 30 seconds to 1 hour."),
        (MAX_TIMEOUT, "Quay takes a timeout from 30 seconds to 1 hour."),
    )
    TIMEOUT_FIELD: ClassVar[str] = "skopeo_timeout"
    network_note: ClassVar[str] = (
        "Quay keeps TLS and the proxies together and replaces them as a whole: a change to one "
        "sends them all, the others as Quay has them."
    )

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
    PATTERNS: ClassVar[str] = "repository_filters"

    repository_filters = PatternRowsField(
        label="Repositories to mirror",
        required=False,
        subject=REPOSITORY_NAMES,
        too_many=lambda _count: f"At most {MAX_PATTERNS} filters.",
    )
    visibility = forms.ChoiceField(label="New repositories are", choices=VISIBILITY_CHOICES)
    skopeo_timeout_value = forms.IntegerField(label="Timeout per copy", min_value=1)

    def __init__(
        self,
        data: Any = None,
        *,
        config: OrgMirrorConfig | None = None,
        creating: bool | None = None,
        stored_password: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """``config``: what Quay holds (``None``: a new mirror, unless ``creating`` says the
        form was drawn for an existing one that could not be read again)."""
        self.config = config
        if config is not None:
            kwargs["initial"] = {**self.initial_from(config), **(kwargs.get("initial") or {})}
        org = kwargs.pop("org", "") or (kwargs.get("initial") or {}).get("org", "")
        if stored_password is None:
            stored_password = config is not None and bool(
                config.external_registry_username or config.has_external_registry_password
            )
        super().__init__(
            data,
            namespace=org,
            creating=config is None if creating is None else creating,
            stored_password=stored_password,
            **kwargs,
        )
        self.fields["is_enabled"].help_text = ""
        password = self.fields["external_registry_password"]
        password.label = "Password or token"
        has_password = config is not None and config.has_external_registry_password
        password.help_text = PASSWORD_HELP[has_password]  # (the field's own: named by its input)
        if "remove_credentials" in self.fields:
            self.fields["remove_credentials"].label = "Remove the stored credentials"
        if "confirm_during_sync" in self.fields:  # what it does is said above the box
            self.fields[
                "confirm_during_sync"
            ].label = "Save anyway: I understand what this does to the running sync"
        if config is not None:
            # Quay never changes the source type (a PUT of it is ignored): shown, not sent.
            self.fields["external_registry_type"].disabled = True
        elif not self.creating:
            # Drawn again for a mirror Quay could not be read for: its type is not known here
            # and never sent on an update, so it is not asked (not "required", not a guess).
            del self.fields["external_registry_type"]

    @staticmethod
    def initial_from(config: OrgMirrorConfig) -> dict[str, Any]:
        return {
            **SettingsForm.shared_initial(config, config.skopeo_timeout),
            "external_registry_type": config.external_registry_type.value,
            "external_registry_url": config.external_registry_url,
            "external_namespace": config.external_namespace,
            "repository_filters": list(config.repository_filters),
            "robot_username": config.robot_username,
            "visibility": config.visibility,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        url = str(data.get("external_registry_url") or "")
        touched = {"external_registry_url", "verify_tls"} & set(self.changed_data)
        # Said when this save makes the pair (a config saved so keeps saving: disable it, say).
        if url.lower().startswith("http://") and data.get("verify_tls") and touched:
            self.add_error(
                "verify_tls",
                "The source is http:// (no TLS): with certificates verified, Quay's worker "
                "cannot reach it and every sync fails. Turn “Verify TLS certificates” off, or "
                "give the source's https:// address.",
            )
        return data

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
        org = self.namespace
        if "+" not in value:
            raise forms.ValidationError("Choose a robot account (organization+name).")
        if org and value.split("+", 1)[0] != org:
            raise forms.ValidationError(f"The robot must belong to {org} (Quay refuses others).")
        return value
