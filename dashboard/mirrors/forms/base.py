"""What every kind's settings form shares: the fields Quay has for a repository mirror and an
organization mirror alike (robot, schedule, timeout, credentials, TLS and proxies, the
confirmations a save may ask for), their checks, and the pieces the kinds' forms build on.

Views read only ``cleaned_data``: durations in seconds (under Quay's own field names), the start
date as an aware datetime (typed in the person's local time zone), clean lists of patterns.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.http import QueryDict
from django.utils import timezone

from dashboard.mirrors.rules import globs
from dashboard.quay.dates import local_time, local_time_or_none, parse_quay_datetime
from dashboard.quay.models import SharedConfig

UNITS: dict[str, int] = {"minutes": 60, "hours": 3600, "days": 86400}
MIN_INTERVAL = 60
MAX_SECONDS = 10 * 365 * 86400

#: Longest values the forms take (each says why at its field when exceeded).
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
#: The boxes a save may ask to tick (``settings_form.html``), drawn only when asked for.
CONFIRMATIONS = ("confirm_during_sync", "confirm_past_start")


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
            help_text="e.g. http://proxy.example.com:3128 (credentials in it are kept out of "
            "the audit trail)",
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
            help_text="Hosts to reach directly, comma-separated.",
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
            return [line.strip() for line in value.splitlines()]
        return list(value or [])

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data


class PatternRowsField(forms.Field):
    """A glob editor's patterns, one per row (``settings_form.html#rules``; blank rows are
    spare rows), each checked as Quay would take it, in words about what they match
    (``subject``: a repository's tags, or a source's repository names). ``too_many``: the
    error of more patterns than Quay takes; ``none``: the error of none at all ("": none
    means every one, as an organization mirror's filters do)."""

    widget = PatternRows

    def __init__(
        self,
        *,
        subject: globs.Subject,
        too_many: Callable[[int], str],
        none: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.subject = subject
        self.too_many = too_many
        self.none = none

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return globs.split_lines(value)
        return [str(v) for v in value or []]

    def validate(self, value: list[str]) -> None:
        patterns = globs.clean_patterns(value)
        if len(patterns) > globs.MAX_PATTERNS:
            raise forms.ValidationError(self.too_many(len(patterns)))
        problems = [
            f"“{_shortened(check.pattern)}”: {' '.join(check.errors)}"
            for check in globs.check_rows(value, self.subject)
            if check.errors
        ]
        if problems:
            raise forms.ValidationError(problems)
        if not patterns and self.none:
            raise forms.ValidationError(self.none)

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
        self.suppressed = True


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
        self.add_error("external_registry_password", RETYPE_WORDS)

    def password_not_kept(self) -> None:
        """A valid form that comes back all the same (a confirmation asked, a refusal): a
        password typed into it is not in it any more."""
        if (getattr(self, "cleaned_data", None) or {}).get("external_registry_password"):
            self.password_not_sent()

    def password_not_kept_if_refused(self, password: str) -> None:
        """In ``clean``: a password typed into a form that other errors send back is lost."""
        if password and self._errors and "external_registry_password" not in self._errors:
            self.password_not_sent()


#: What a form sent back says of a password typed into it (a page never shows one again).
RETYPE_WORDS = "Type the password again: it was not sent (a password never comes back to the page)."


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


#: Snapshot fields a form holds as a number and a unit (``<prefix>_value``, ``<prefix>_unit``).
DURATIONS = {
    "sync_interval": "sync_interval",
    "skopeo_timeout_interval": "skopeo_timeout",
    "skopeo_timeout": "skopeo_timeout",
}
#: Snapshot fields the glob editor shows as rows (at least one, blank for a new one).
ROWS = ("root_rule", "repository_filters")


def data_from_snapshot(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Form data (as a browser would post it) for a config snapshot (``rules.changes``), of
    any kind: a box ticked is "on" (one not ticked is absent), durations a number and a unit,
    the start date in the zone the form is drawn in, lists as many values."""
    data: dict[str, list[str]] = {}
    for name, value in values.items():
        if name in DURATIONS:
            number, unit = split_duration(int(value or 0))
            data[f"{DURATIONS[name]}_value"] = [str(number)]
            data[f"{DURATIONS[name]}_unit"] = [unit]
        elif name == "sync_start_date":
            start = parse_quay_datetime(value)
            data[name] = [_wall_clock(start) if start else ""]
            # The zone the date is written in (UTC where the person's zone cannot write it).
            local = local_time_or_none(start) if start else None
            zone = timezone.get_current_timezone_name() if local or not start else "UTC"
            data["drawn_zone"] = [zone]
        elif isinstance(value, bool):
            if value:
                data[name] = ["on"]
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value] or ([""] if name in ROWS else [])
        else:
            data[name] = [str(value) if value is not None else ""]
    return data


class SettingsForm(ShownAsPosted, CleanProxies, WriteOnlyPassword, DrawnInZone, forms.Form):
    """The fields every kind's settings form has, and their checks; a kind's form adds its own
    (a repository mirror's source and tag rule, an organization mirror's source namespace and
    repository filters) and may say its fields' words and bounds in its own terms."""

    #: The units the durations may be typed in.
    UNITS: ClassVar[Mapping[str, int]] = UNITS
    #: (the fewest seconds, what to say), (the most seconds, what to say) for each duration.
    INTERVAL_BOUNDS: ClassVar[tuple[tuple[int, str], tuple[int, str]]] = (
        (MIN_INTERVAL, "Sync at most once a minute: the interval must be at least 1 minute."),
        (MAX_SECONDS, TOO_LONG),
    )
    TIMEOUT_BOUNDS: ClassVar[tuple[tuple[int, str], tuple[int, str]]] = (
        (300, "The timeout must be at least 5 minutes (300 seconds): Quay refuses less."),
        (MAX_SECONDS, TOO_LONG),
    )
    #: Quay's name of the timeout: ``cleaned_data`` holds it there, in seconds.
    TIMEOUT_FIELD: ClassVar[str] = "skopeo_timeout_interval"

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
            "max_value": TOO_LONG,
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
            "max_value": TOO_LONG,
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
    verify_tls = forms.BooleanField(
        label="Verify TLS certificates",
        required=False,
        help_text="Turn this off for a registry served over plain http (no TLS): with "
        "certificates verified, Quay's worker cannot reach it and every sync fails.",
    )
    http_proxy, https_proxy, no_proxy = proxy_fields().values()

    #: Second submit while a sync runs; "apply mine anyway" after a concurrent change.
    confirm_during_sync = forms.BooleanField(
        label="Save anyway: I understand this can disturb the running sync", required=False
    )
    #: Ticked when the start date is in the past (the worker starts at once).
    confirm_past_start = forms.BooleanField(label="Yes, start a sync right away", required=False)

    #: The fields of the folded "Network" section.
    NETWORK: ClassVar[tuple[str, ...]] = ("verify_tls", "http_proxy", "https_proxy", "no_proxy")
    #: What the "Network" section says of how Quay keeps its fields ("": nothing to say).
    network_note: ClassVar[str] = ""
    #: The field the glob editor's rows post (a kind's :class:`PatternRowsField`).
    PATTERNS: ClassVar[str]

    def __init__(
        self,
        data: Any = None,
        *,
        namespace: str,
        creating: bool = False,
        stored_password: bool = False,
        **kwargs: Any,
    ) -> None:
        """``namespace``: whose robots the mirror may use; ``creating``: a new mirror (no
        config yet); ``stored_password``: Quay holds credentials (they can be removed)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        self.set_drawn_zone()
        self.namespace = namespace
        self.creating = creating
        self.stored_password = stored_password
        if creating or not stored_password:
            del self.fields["remove_credentials"]
        if creating:
            for name in ("loaded", *CONFIRMATIONS):
                del self.fields[name]
        for unit_field in ("sync_interval_unit", "skopeo_timeout_unit"):
            choices = [(u, u) for u in self.UNITS]
            value = self.initial.get(unit_field)
            if "seconds" not in self.UNITS and (
                value == "seconds" or (data is not None and data.get(unit_field) == "seconds")
            ):
                choices.insert(0, ("seconds", "seconds"))
            self.fields[unit_field].choices = choices

    @staticmethod
    def shared_initial(config: SharedConfig, timeout: int) -> dict[str, Any]:
        """The shared fields' values from a stored config of either kind (``timeout``: its
        timeout in seconds, which each kind's Quay names apart); the start date in whole
        seconds, as the form shows it."""
        interval, interval_unit = split_duration(config.sync_interval)
        timeout_value, timeout_unit = split_duration(timeout)
        start = config.sync_start_date
        return {
            "is_enabled": config.is_enabled,
            "sync_start_date": start.replace(microsecond=0) if start else None,
            "sync_interval_value": interval,
            "sync_interval_unit": interval_unit,
            "skopeo_timeout_value": timeout_value,
            "skopeo_timeout_unit": timeout_unit,
            "external_registry_username": config.external_registry_username or "",
            "verify_tls": config.verify_tls,
            "http_proxy": config.http_proxy or "",
            "https_proxy": config.https_proxy or "",
            "no_proxy": config.no_proxy or "",
        }

    def editor_rows(self) -> list[str]:
        """The glob editor's rows: as posted (at least one), or the stored patterns and a
        spare row."""
        if self.is_bound:
            return list(self[self.PATTERNS].value() or []) or [""]
        return [*list(self.initial.get(self.PATTERNS) or []), ""]

    # -- validation -------------------------------------------------------------------------

    def clean_sync_start_date(self) -> datetime:
        value: datetime = self.cleaned_data["sync_start_date"]
        stored = self.initial.get("sync_start_date")
        if isinstance(stored, datetime) and value == stored.replace(microsecond=0):
            return value  # Quay's own date, left as it is (only changes are sent)
        if not EARLIEST_START <= value <= LATEST_START:
            raise forms.ValidationError(START_OUT_OF_RANGE)
        return value

    def clean_external_registry_username(self) -> str:
        return self.cleaned_data["external_registry_username"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        units = {"seconds": 1, **self.UNITS}
        duration_seconds(self, "sync_interval", *self.INTERVAL_BOUNDS, units=units)
        duration_seconds(
            self, "skopeo_timeout", *self.TIMEOUT_BOUNDS, target=self.TIMEOUT_FIELD, units=units
        )
        self._credentials(data)
        return data

    @property
    def stored_username(self) -> str:
        """The username Quay has credentials for ("" when none are stored)."""
        if not self.stored_password:
            return ""
        return str(self.initial.get("external_registry_username") or "")

    def _credentials(self, data: dict[str, Any]) -> None:
        """A tick of "remove the stored credentials" with a new password or username would
        drop what was typed without a word: refused at the box; a typed password that other
        errors send back is said to be lost."""
        password = data.get("external_registry_password") or ""
        username = data.get("external_registry_username") or ""
        conflict = removal_conflict(
            bool(data.get("remove_credentials")), password, username, self.stored_username
        )
        if conflict:
            self.add_error("remove_credentials", conflict)
        else:
            self.check_credentials(password, username, bool(data.get("remove_credentials")))
        self.password_not_kept_if_refused(password)

    def check_credentials(self, password: str, username: str, remove: bool) -> None:
        """What a kind's Quay demands of the credentials typed (nothing more, here)."""

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
        """Open with an error or a change in it, or a proxy set (it is in use)."""
        proxies = ("http_proxy", "https_proxy", "no_proxy")
        return self._section_open(self.NETWORK) or any(self[name].value() for name in proxies)
