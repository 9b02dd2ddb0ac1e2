"""The mirror settings form: every field of Quay's API, validated the way Quay validates it.

Views read only ``cleaned_data``: durations in seconds, the start date as an aware datetime
(typed in the person's local time zone), the tag rule as a clean list of patterns.
"""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from django import forms
from django.http import QueryDict
from django.utils import timezone

from dashboard.mirrors.rules import globs
from dashboard.quay.dates import local_time, local_time_or_none, parse_quay_datetime
from dashboard.quay.models import ARCHITECTURES, MirrorConfig, RegistryCapabilities

UNITS: dict[str, int] = {"minutes": 60, "hours": 3600, "days": 86400}
MIN_INTERVAL = 60
MIN_TIMEOUT = 300
MAX_SECONDS = 10 * 365 * 86400
#: Up to this many robots the choice is a <select>; beyond, a text box with suggestions.
SELECT_LIMIT = 12

#: Defaults of a new mirror (verify TLS on, every 24 hours, 5 minute timeout, starting now).
DEFAULT_INTERVAL = 86400
DEFAULT_TIMEOUT = 300

#: Longest values the form takes (each says why at its field when exceeded).
MAX_REFERENCE = 255  # container image names, registry included (distribution's limit)
MAX_NAME = 255  # Quay's user (and so robot) names; registry usernames
MAX_PASSWORD = 4096
MAX_PROXY = 2048
MAX_NO_PROXY = 4096

#: Start dates the form takes (UTC). Quay stores any year from 1 to 9999, but a start before
#: 1970 is long past (Quay syncs at once) and one after 2100 never comes: a slip in the year.
EARLIEST_START = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_START = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
START_OUT_OF_RANGE = "Choose a date from 1 January 1970 to 31 December 2100 (UTC); check the year."
#: A start date this far in the past is "in the past" (a form drawn a minute ago is not).
PAST_GRACE_SECONDS = 60

_ROBOT_SHORTNAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,254}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """A valid IANA zone name as a zone (``None`` for anything else)."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def starts_in_past(start: datetime | None, now: datetime) -> bool:
    """A new start date the worker takes as due at once (Quay syncs right away)."""
    return bool(start and (now - start).total_seconds() > PAST_GRACE_SECONDS)


def split_duration(seconds: int) -> tuple[int, str]:
    """21600 -> (6, "hours"): the largest unit that divides the value evenly (a day or two
    reads better in hours: 86400 -> (24, "hours"))."""
    for unit in ("days", "hours", "minutes"):
        if unit == "days" and seconds < 2 * UNITS["days"]:
            continue
        if seconds and seconds % UNITS[unit] == 0:
            return seconds // UNITS[unit], unit
    return seconds, "seconds"


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


def _wall_clock(value: datetime) -> str:
    """What a ``datetime-local`` input shows for ``value`` (local time, else UTC: see
    :attr:`MirrorSettingsForm.start_shown_in_utc`), with the four-digit year it needs."""
    return local_time(value).replace(tzinfo=None).isoformat(timespec="seconds")


class StartDateField(forms.DateTimeField):
    """The start date, typed in the person's time zone; a stored date that cannot be written
    in that zone (Quay accepts years 1 to 9999) is shown in UTC instead of failing."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return _wall_clock(value)
        return super().prepare_value(value)


def _at_most(what: str, why: str = "") -> dict[str, str]:
    """The message of a text field's ``max_length`` (``why`` says where the limit comes from)."""
    return {
        "max_length": f"{what} can have at most %(limit_value)d characters{why}; "
        "this one has %(show_value)d."
    }


def _shortened(text: str, limit: int = 40) -> str:
    """A long value as its first characters, for a message that names it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def proxy_fields() -> dict[str, forms.CharField]:
    """The three proxy fields of a mirror's ``external_registry_config`` (a repository's and an
    organization's), with their limits."""
    return {
        "http_proxy": forms.CharField(
            label="HTTP proxy",
            max_length=MAX_PROXY,
            required=False,
            error_messages=_at_most("A proxy"),
        ),
        "https_proxy": forms.CharField(
            label="HTTPS proxy",
            max_length=MAX_PROXY,
            required=False,
            error_messages=_at_most("A proxy"),
        ),
        "no_proxy": forms.CharField(
            label="No proxy for",
            max_length=MAX_NO_PROXY,
            required=False,
            error_messages=_at_most("The no-proxy list"),
        ),
    }


def clean_proxy(value: str) -> str:
    value = value.strip()
    if any(c.isspace() for c in value):
        raise forms.ValidationError("A proxy setting cannot contain spaces.")
    return value


class CleanProxies:
    """The proxy fields' checks, for a form with :func:`proxy_fields`."""

    cleaned_data: dict[str, Any]

    def clean_http_proxy(self) -> str:
        return clean_proxy(self.cleaned_data["http_proxy"])

    def clean_https_proxy(self) -> str:
        return clean_proxy(self.cleaned_data["https_proxy"])

    def clean_no_proxy(self) -> str:
        return clean_proxy(self.cleaned_data["no_proxy"])


class PatternRows(forms.Widget):
    """Reads one pattern per ``root_rule`` input (the editor's rows; blank rows are ignored).

    The template renders the rows itself (see ``settings_form.html#rules``).
    """

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name)
        if isinstance(value, str):
            return globs.split_lines(value)
        return list(value or [])

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data


class PatternListField(forms.Field):
    widget = PatternRows

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return globs.split_lines(value)
        return [str(v) for v in value or []]

    def validate(self, value: list[str]) -> None:
        patterns = globs.clean_patterns(value)
        if len(patterns) > globs.MAX_PATTERNS:
            raise forms.ValidationError(globs.too_many(len(patterns)))
        problems = [
            f"“{_shortened(check.pattern)}”: {' '.join(check.errors)}"
            for check in globs.check_rows(value)
            if check.errors
        ]
        if problems:
            raise forms.ValidationError(problems)
        if not patterns:
            raise forms.ValidationError(
                "Add at least one tag pattern (for example “latest” or “v1.*”): Quay needs one."
            )

    def clean(self, value: Any) -> list[str]:
        value = self.to_python(value)
        self.validate(value)
        return globs.clean_patterns(value)


class ShownAsPosted:
    """For a form whose glob editor adds or removes a row without JavaScript: the form comes
    back as posted, not judged."""

    def suppress_errors(self) -> None:
        """Show what was posted without judging it (the no-JS add/remove-row round trip)."""
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data: dict[str, Any] = {}


class WriteOnlyPassword:
    """For a form with ``external_registry_password``, which never comes back to the page
    (a repository's and an organization's): a form that comes back says so at the field."""

    errors: forms.utils.ErrorDict
    _errors: forms.utils.ErrorDict | None
    if TYPE_CHECKING:

        def add_error(self, field: str | None, error: Any) -> None: ...

    def password_not_sent(self) -> None:
        """Say that a typed password was not sent (it is never sent back to the page)."""
        if "external_registry_password" in self.errors:
            return
        self.add_error(
            "external_registry_password",
            "Type the password again: it was not sent (a password never comes back to the page).",
        )

    def password_not_kept(self) -> None:
        """A valid form that comes back all the same (a confirmation asked, a refusal): a
        password typed into it is not in it any more."""
        if (getattr(self, "cleaned_data", None) or {}).get("external_registry_password"):
            self.password_not_sent()

    def password_not_kept_if_refused(self, password: str) -> None:
        """In ``clean``: a password typed into a form that other errors send back is lost."""
        if password and self._errors and "external_registry_password" not in self._errors:
            self.password_not_sent()


def removal_conflict(remove: bool, password: str, username: str, stored: str) -> str | None:
    """Why "remove the stored credentials" cannot go with what else was typed (``stored``: the
    username Quay has); ``None`` when it can. Either would be lost without a word."""
    if remove and password:
        return "Either type a new password or remove the stored credentials, not both."
    if remove and username and username != stored:
        return (
            f"You ticked “remove the stored credentials” and typed the username {username}: "
            "untick the box to change the credentials, or clear the username to remove them."
        )
    return None


class DrawnInZone:
    """For a form with ``sync_start_date`` and the hidden ``drawn_zone``: its dates are read
    in the time zone the form was drawn in (not the zone of the request that posts it), and
    a stored date the person's zone cannot write is shown, and read, in UTC."""

    is_bound: bool
    data: Any
    initial: dict[str, Any]

    def full_clean(self) -> None:
        """Read the dates in the zone the form was drawn in (not the zone of this request)."""
        zone = _zone(self.data.get("drawn_zone") if self.is_bound else None)
        if zone is None:
            super().full_clean()  # type: ignore[misc]
            return
        with timezone.override(zone):
            super().full_clean()  # type: ignore[misc]

    def set_drawn_zone(self) -> None:
        """The zone this form's dates are written in as drawn (in ``__init__``)."""
        self.initial.setdefault("drawn_zone", timezone.get_current_timezone_name())
        if self.start_shown_in_utc:
            self.initial["drawn_zone"] = "UTC"  # the start date is written in UTC

    @property
    def zone_name(self) -> str:
        """The time zone the start date field is written (and read) in: the one the form was
        drawn in when it comes back posted, else the person's current one."""
        if self.is_bound and _zone(self.data.get("drawn_zone")) is not None:
            return str(self.data.get("drawn_zone"))
        return timezone.get_current_timezone_name()

    @property
    def start_shown_in_utc(self) -> bool:
        """The stored start date cannot be written in the person's zone: the field shows UTC."""
        value = self.initial.get("sync_start_date")
        return (
            not self.is_bound and isinstance(value, datetime) and local_time_or_none(value) is None
        )


class MirrorSettingsForm(ShownAsPosted, CleanProxies, WriteOnlyPassword, DrawnInZone, forms.Form):
    #: The signed config the form was loaded with (no max_length: the dashboard wrote it, its
    #: signature is checked before use, and the request size limit bounds it).
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)
    #: The time zone the form's dates were written in when it was drawn: a form drawn in one
    #: zone and posted from another (a new sign-in, a changed cookie) is read in the first.
    drawn_zone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    is_enabled = forms.BooleanField(
        label="Scheduled syncs on",
        required=False,
        help_text="When off, the mirror only syncs when someone presses Sync now.",
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
    root_rule = PatternListField(label="Tags to mirror")

    robot_username = forms.CharField(
        label="Robot account", max_length=MAX_NAME, error_messages=_at_most("A robot's name")
    )

    sync_start_date = StartDateField(
        label="First / next sync",
        input_formats=[
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
    )
    sync_interval_value = forms.IntegerField(
        label="Sync every",
        min_value=1,
        max_value=MAX_SECONDS,
        error_messages={
            "min_value": "Sync at most once a minute: the interval must be at least 1 minute.",
            "required": "How often should the mirror sync?",
        },
    )
    sync_interval_unit = forms.ChoiceField(
        label="Interval unit", choices=[(u, u) for u in UNITS], initial="hours"
    )
    skopeo_timeout_value = forms.IntegerField(
        label="Time out after",
        min_value=1,
        max_value=MAX_SECONDS,
        error_messages={
            "min_value": "The timeout must be at least 5 minutes (300 seconds): Quay refuses less.",
            "required": "How long may one sync run?",
        },
    )
    skopeo_timeout_unit = forms.ChoiceField(
        label="Timeout unit", choices=[(u, u) for u in UNITS], initial="minutes"
    )

    external_registry_username = forms.CharField(
        label="Username", max_length=MAX_NAME, required=False, error_messages=_at_most("A username")
    )
    external_registry_password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        max_length=MAX_PASSWORD,
        error_messages=_at_most("A password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    remove_credentials = forms.BooleanField(
        label="Remove the stored credentials (username and password)", required=False
    )

    verify_tls = forms.BooleanField(label="Verify TLS certificates", required=False)
    unsigned_images = forms.BooleanField(label="Accept unsigned images", required=False)
    http_proxy, https_proxy, no_proxy = proxy_fields().values()
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

    #: Second submit while a sync runs; "apply mine anyway" after a concurrent change.
    confirm_during_sync = forms.BooleanField(
        label="Save anyway: I understand this can disturb the running sync", required=False
    )

    def __init__(
        self,
        data: Any = None,
        *,
        namespace: str,
        robots: Sequence[str] | None = None,
        robots_error: str = "",
        creating: bool = False,
        stored_password: bool = False,
        architectures: RegistryCapabilities | None = None,
        **kwargs: Any,
    ) -> None:
        """``architectures``: what Quay said about architecture filters (``None``: unknown;
        the filter is then offered and Quay judges it)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        self.set_drawn_zone()
        self.namespace = namespace
        self.robots = list(robots) if robots is not None else None
        self.robots_error = robots_error
        self.robot_widget = "text"  # the list could not be read: type the name
        self.creating = creating
        self.stored_password = stored_password
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
        if self.creating or not stored_password:
            del self.fields["remove_credentials"]
        self.architectures = architectures
        self._offer_architectures(architectures)
        for unit_field in ("sync_interval_unit", "skopeo_timeout_unit"):
            value = self.initial.get(unit_field)
            if value == "seconds" or (data is not None and data.get(unit_field) == "seconds"):
                self.fields[unit_field].choices = [("seconds", "seconds")] + [(u, u) for u in UNITS]

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
        interval, interval_unit = split_duration(config.sync_interval)
        timeout, timeout_unit = split_duration(config.skopeo_timeout_interval)
        start = config.sync_start_date.replace(microsecond=0) if config.sync_start_date else None
        return {
            "is_enabled": config.is_enabled,
            "external_reference": config.external_reference,
            "root_rule": list(config.root_rule),
            "robot_username": config.robot_username or "",
            "sync_start_date": start,
            "sync_interval_value": interval,
            "sync_interval_unit": interval_unit,
            "skopeo_timeout_value": timeout,
            "skopeo_timeout_unit": timeout_unit,
            "external_registry_username": config.external_registry_username or "",
            "verify_tls": config.verify_tls,
            "unsigned_images": config.unsigned_images,
            "http_proxy": config.http_proxy or "",
            "https_proxy": config.https_proxy or "",
            "no_proxy": config.no_proxy or "",
            "architecture_filter": list(config.architecture_filter),
        }

    # -- the glob editor's rows -------------------------------------------------------------

    def rule_rows(self) -> list[str]:
        """The rows to show: what was typed (bound) or the stored patterns plus one blank row."""
        if self.is_bound:
            rows = self["root_rule"].value() or []
            return list(rows) or [""]
        return [*list(self.initial.get("root_rule") or []), ""]

    # -- validation -----------------------------------------------------------------------

    def clean_external_reference(self) -> str:
        value = self.cleaned_data["external_reference"].strip()
        problem = check_reference(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_sync_start_date(self) -> datetime:
        value: datetime = self.cleaned_data["sync_start_date"]
        stored = self.get_initial_for_field(self.fields["sync_start_date"], "sync_start_date")
        if value == stored:
            return value  # Quay's own date, left as it is (only changes are sent)
        if not EARLIEST_START <= value <= LATEST_START:
            raise forms.ValidationError(START_OUT_OF_RANGE)
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

    def clean_external_registry_username(self) -> str:
        return self.cleaned_data["external_registry_username"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._duration(
            "sync_interval",
            MIN_INTERVAL,
            "Sync at most once a minute: the interval must be at least 1 minute.",
        )
        self._duration(
            "skopeo_timeout",
            MIN_TIMEOUT,
            "The timeout must be at least 5 minutes (300 seconds): Quay refuses less.",
            target="skopeo_timeout_interval",
        )
        self._credentials(data)
        if data.get("clear_architecture_filter"):
            data["architecture_filter"] = []
        return data

    @property
    def stored_username(self) -> str:
        """The username Quay has a password for ("" when none is stored)."""
        if not self.stored_password:
            return ""
        return str(self.initial.get("external_registry_username") or "")

    def _credentials(self, data: dict[str, Any]) -> None:
        password = data.get("external_registry_password") or ""
        username = data.get("external_registry_username") or ""
        remove = bool(data.get("remove_credentials"))
        stored = self.stored_username
        conflict = removal_conflict(remove, password, username, stored)
        if conflict:
            self.add_error("remove_credentials", conflict)
        elif password and not username:
            self.add_error(
                "external_registry_username",
                "Quay needs the username together with a new password.",
            )
        elif username and not password and not remove and username != stored:
            self.add_error(
                "external_registry_password",
                f"Type the password for {username}: Quay needs the username and the password "
                "together, and it has no password stored for this username.",
            )
        self.password_not_kept_if_refused(password)

    @property
    def empty_password_keeps_stored(self) -> bool:
        """Whether leaving the password empty keeps the stored one: not when the form came
        back asking for a password (a new username needs its own)."""
        if not self.stored_password:
            return False
        return not (self.is_bound and "external_registry_password" in self.errors)

    # -- sections that start folded ----------------------------------------------------------

    def _section_open(self, names: Sequence[str]) -> bool:
        """A folded section opens when it holds an error or a value changed in this form."""
        for name in names:
            if name not in self.fields:
                continue
            if self.is_bound and self.errors.get(name):
                return True
            if self.is_bound and self[name]._has_changed():
                return True
        return False

    @property
    def network_open(self) -> bool:
        return self._section_open(
            ("verify_tls", "unsigned_images", "http_proxy", "https_proxy", "no_proxy")
        )

    @property
    def architectures_open(self) -> bool:
        """Open with a stored filter this Quay refuses, too (it says what that means)."""
        if "clear_architecture_filter" in self.fields:
            return True
        return self._section_open(("architecture_filter",))

    def _duration(self, prefix: str, minimum: int, message: str, target: str = "") -> None:
        duration_seconds(self, prefix, (minimum, message), (MAX_SECONDS, TOO_LONG), target)


TOO_LONG = "That is more than ten years."


def duration_seconds(
    form: forms.Form,
    prefix: str,
    low: tuple[int, str],
    high: tuple[int, str],
    target: str = "",
    units: Mapping[str, int] | None = None,
) -> None:
    """``<prefix>_value`` times ``<prefix>_unit`` in seconds into ``cleaned_data[target]``
    (``prefix`` by default), or an error at the value outside ``low``/``high`` (each a
    bound in seconds and what to say): the bounds are in seconds, not in the unit typed, so
    100,000 days is refused as ten years of seconds would be (Quay keeps an int4)."""
    value = form.cleaned_data.get(f"{prefix}_value")
    unit = form.cleaned_data.get(f"{prefix}_unit")
    if value is None or not unit:
        return
    seconds = value * ((units or UNITS).get(unit) or 1)
    for _bound, message, outside in ((*low, seconds < low[0]), (*high, seconds > high[0])):
        if outside:
            form.add_error(f"{prefix}_value", message)
            return
    form.cleaned_data[target or prefix] = seconds


def data_from_pending(pending: dict[str, list[str]]) -> QueryDict:
    """A submission kept across a new sign-in, as form data again."""
    data = QueryDict(mutable=True)
    for key, values in pending.items():
        data.setlist(key, values)
    return data


def data_from_snapshot(values: dict[str, Any]) -> dict[str, list[str]]:
    """Form data (as a browser would post it) for a config snapshot (see ``changes``)."""
    data: dict[str, list[str]] = {}
    for name in ("is_enabled", "verify_tls", "unsigned_images"):
        if values.get(name):
            data[name] = ["on"]
    for name in (
        "external_reference",
        "robot_username",
        "external_registry_username",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ):
        data[name] = [values.get(name) or ""]
    start = parse_quay_datetime(values.get("sync_start_date"))
    data["sync_start_date"] = [_wall_clock(start) if start else ""]
    # The zone the date is written in (UTC where the person's zone cannot write it).
    local = local_time_or_none(start) if start else None
    data["drawn_zone"] = [timezone.get_current_timezone_name() if local or not start else "UTC"]
    for prefix, name in (
        ("sync_interval", "sync_interval"),
        ("skopeo_timeout", "skopeo_timeout_interval"),
    ):
        number, unit = split_duration(int(values.get(name) or 0))
        data[f"{prefix}_value"] = [str(number)]
        data[f"{prefix}_unit"] = [unit]
    data["root_rule"] = list(values.get("root_rule") or []) or [""]
    data["architecture_filter"] = list(values.get("architecture_filter") or [])
    return data
