"""A repository mirror's settings form: the shared fields (``base.SettingsForm``) and its own
(the source, the tag rule, unsigned images, architectures), validated the way Quay validates
them."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlparse

from django import forms
from django.utils import timezone

from dashboard.mirrors.rules import globs
from dashboard.quay.models import ARCHITECTURES, MirrorConfig, RegistryCapabilities

from .base import PatternRowsField, SettingsForm, _at_most, split_duration

#: Up to this many robots the choice is a <select>; beyond, a text box with suggestions.
SELECT_LIMIT = 12
#: Defaults of a new mirror (verify TLS on, every 24 hours, 5 minute timeout, starting now).
DEFAULT_INTERVAL = 86400
DEFAULT_TIMEOUT = 300
MAX_REFERENCE = 255  # container image names, registry included (distribution's limit)

_ROBOT_SHORTNAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,254}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def check_reference(value: str) -> str | None:
    """Why Quay would refuse this source's shape, or None (Quay decides about addresses)."""
    if any(c.isspace() for c in value):
        return "The source cannot contain spaces."
    if "://" in value:
        return "Leave out the scheme: write registry/namespace/repository, without https://."
    if any(c in value for c in "?#\\%"):
        return "The source contains a character Quay does not accept (? # \\ %)."
    registry, _, path = value.partition("/")
    if not registry or not path:
        return (
            "Write the source as registry/repository, e.g. docker.io/library/nginx "
            "(the registry's hostname first)."
        )
    # A port belongs to the registry (host:5000/ns/repo); after the first "/" a ":" or "@"
    # starts a tag or a digest, which Quay's mirror does not take.
    if "@" in path or ":" in path:
        return "Leave out the tag; choose tags under Tags to mirror."
    try:
        parsed = urlparse(f"https://{registry}")
        hostname, port = parsed.hostname, parsed.port
    except ValueError:
        return "The registry part of the source is not a valid host[:port]."
    if parsed.username or parsed.password or not hostname or port == 0:
        return "The registry part of the source is not a valid host[:port]."
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        if not _HOSTNAME.fullmatch(hostname):
            return "The registry part of the source is not a valid hostname."
    return None


class MirrorSettingsForm(SettingsForm):
    NETWORK: ClassVar[tuple[str, ...]] = (
        "verify_tls",
        "unsigned_images",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    )

    external_reference = forms.CharField(
        label="Source",
        max_length=MAX_REFERENCE,
        error_messages=_at_most(
            "A source", ", registry included (no container image name is longer)"
        ),
        help_text="The repository to mirror: registry/namespace/repository, "
        "e.g. docker.io/library/nginx.",
    )
    PATTERNS: ClassVar[str] = "root_rule"

    root_rule = PatternRowsField(
        label="Tags to mirror",
        subject=globs.TAGS,
        too_many=globs.too_many,
        none="Add at least one tag pattern (for example “latest” or “v1.*”): Quay needs one.",
    )
    unsigned_images = forms.BooleanField(label="Accept unsigned images", required=False)
    architecture_filter = forms.MultipleChoiceField(
        label="Architectures",
        choices=[(a, a) for a in ARCHITECTURES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every architecture is mirrored.",
    )
    #: Offered only where Quay refuses a filter and one is stored (Quay accepts clearing it).
    clear_architecture_filter = forms.BooleanField(
        label="Remove the architecture filter (mirror every architecture)", required=False
    )

    def __init__(
        self,
        data: Any = None,
        *,
        namespace: str,
        robots: Sequence[str] | None = None,
        robots_error: str = "",
        architectures: RegistryCapabilities | None = None,
        **kwargs: Any,
    ) -> None:
        """``robots``: the namespace's robots (``None``: not read; the name is typed and Quay
        judges it); ``architectures``: what Quay said about architecture filters (``None``:
        unknown; the filter is then offered and Quay judges it)."""
        super().__init__(data, namespace=namespace, **kwargs)
        self.robots = list(robots) if robots is not None else None
        self.robots_error = robots_error
        self.robot_widget = "text"  # the list could not be read: type the name
        if self.robots is not None and len(self.robots) > SELECT_LIMIT:
            self.robot_widget = "datalist"  # many robots: type to filter the suggestions
        elif self.robots is not None:
            self.robot_widget = "select"
            choices = [(r, r) for r in self.robots]
            current = self.initial.get("robot_username")
            if current and current not in self.robots:
                choices.append((current, f"{current} (not among the namespace's robots)"))
            self.fields["robot_username"] = forms.ChoiceField(
                label="Robot account",
                choices=[("", "— choose a robot —"), *choices],
                error_messages={
                    "invalid_choice": f"%(value)s is not one of the {namespace} namespace's "
                    "robots: choose one from the list.",
                    "required": "Choose the robot account that will write the mirrored tags.",
                },
            )
        self.architectures = architectures
        self._offer_architectures(architectures)

    def _offer_architectures(self, capabilities: RegistryCapabilities | None) -> None:
        """The architectures Quay lists (and any stored one); none to tick where Quay refuses
        a filter, the stored one still shown (and removable: Quay accepts an empty filter)."""
        field = self.fields["architecture_filter"]
        listed = (capabilities.mirror_architectures if capabilities else ()) or ARCHITECTURES
        stored = list(self.initial.get("architecture_filter") or [])
        field.choices = [(a, a) for a in dict.fromkeys([*listed, *stored])]
        if self.architecture_filter_refused:
            field.disabled = True
        if not (self.architecture_filter_refused and stored):
            del self.fields["clear_architecture_filter"]

    @property
    def architecture_filter_refused(self) -> bool:
        """Quay said it has no sparse manifests, so it refuses a non-empty filter."""
        return self.architectures is not None and not self.architectures.architecture_filter

    # -- building -------------------------------------------------------------------------

    @staticmethod
    def initial_from(config: MirrorConfig | None, now: datetime | None = None) -> dict[str, Any]:
        """Initial values from a stored config, or the defaults of a new mirror."""
        if config is None:
            now = now or timezone.now()
            interval, interval_unit = split_duration(DEFAULT_INTERVAL)
            timeout, timeout_unit = split_duration(DEFAULT_TIMEOUT)
            return {
                "is_enabled": True,
                "verify_tls": True,
                "unsigned_images": False,
                "sync_start_date": now.replace(second=0, microsecond=0),
                "sync_interval_value": interval,
                "sync_interval_unit": interval_unit,
                "skopeo_timeout_value": timeout,
                "skopeo_timeout_unit": timeout_unit,
                "root_rule": [],
                "architecture_filter": [],
            }
        return {
            **SettingsForm.shared_initial(config, config.skopeo_timeout_interval),
            "external_reference": config.external_reference,
            "root_rule": list(config.root_rule),
            "robot_username": config.robot_username or "",
            "unsigned_images": config.unsigned_images,
            "architecture_filter": list(config.architecture_filter),
        }

    # -- validation -----------------------------------------------------------------------

    def clean_external_reference(self) -> str:
        value = self.cleaned_data["external_reference"].strip()
        problem = check_reference(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_robot_username(self) -> str:
        value = self.cleaned_data["robot_username"].strip()
        if "+" not in value or value.split("+", 1)[0] != self.namespace:
            raise forms.ValidationError(
                f"Choose a robot account of the {self.namespace} namespace "
                f"({self.namespace}+name): Quay only accepts the repository's own robots."
            )
        if self.robots is None and not _ROBOT_SHORTNAME.fullmatch(value.split("+", 1)[1]):
            raise forms.ValidationError(
                f"Type the robot's full name, {self.namespace}+name: the name has lower-case "
                "letters, digits and underscores."
            )
        if self.robots is not None and value not in self.robots:
            raise forms.ValidationError(
                f"{value} is not one of the {self.namespace} namespace's robots."
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("clear_architecture_filter"):
            data["architecture_filter"] = []
        return data

    def check_credentials(self, password: str, username: str, remove: bool) -> None:
        """Quay keeps a repository mirror's username and password together: a new password
        needs the username, and a new username its password."""
        if password and not username:
            self.add_error(
                "external_registry_username",
                "Quay needs the username together with a new password.",
            )
        elif username and not password and not remove and username != self.stored_username:
            self.add_error(
                "external_registry_password",
                f"Type the password for {username}: Quay needs the username and the password "
                "together, and it has no password stored for this username.",
            )

    @property
    def architectures_open(self) -> bool:
        """Open with a stored filter this Quay refuses, too (it says what that means)."""
        if "clear_architecture_filter" in self.fields:
            return True
        return self._section_open(("architecture_filter",))
