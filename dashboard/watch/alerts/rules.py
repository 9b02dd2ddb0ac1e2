"""Alert rules: which events of a watched namespace go to which channel. Request-free
operations (the rules page and ``watch notify`` call them; whoever calls has checked that the
person administers the namespace) and the form that checks what is posted.

A channel URL is checked by Apprise (refused with Apprise's reason), sealed with the watcher's
keys as the watch token is (``keys``), and never shown, logged or sent back again: a page shows
its service and masked address, and leaving the field empty when changing a rule keeps it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.conf import settings

from .. import keys
from ..enrol import unsealable_here
from ..models import AlertRule, Delivery, Enrolment, Event
from . import channels
from .events import DEFAULT_EVENTS

logger = logging.getLogger(__name__)

#: What each event means, for the form (one sentence each).
MEANINGS: dict[str, str] = {
    Event.Kind.FAILED: "a run failed: a mirror's first failure, the first after a success, or "
    "a new reason (one alert a run, however often Quay retries it; a Cancel is none)",
    Event.Kind.GAVE_UP: "a run's last try failed: no new try until the next interval or Sync "
    "now (comes after “failed” in the same run)",
    Event.Kind.STUCK: "a sync's worker died: its lease ran out and it will not end by itself",
    Event.Kind.WILL_NOT_RUN: "a repository mirror's scheduled run did not happen and none will "
    "(no retries left, as after a Cancel) until Sync now",
    Event.Kind.RECOVERED: "a mirror synced again after failing",
    Event.Kind.BROKEN: "Quay refused the watch token: nothing of the namespace is watched",
}


#: Why a rule's owner cannot be told by mail here.
NO_MAIL = (
    "This dashboard sends no mail of its own (ALERT_MAIL_URL is not set): nobody can be told "
    "by e-mail, and a failing channel is said on this page only."
)


@dataclass(frozen=True)
class Done:
    ok: bool
    message: str


class RuleForm(forms.Form):
    """A rule as posted: its events, and its channel's URL (checked by Apprise; empty keeps
    the stored one when a rule is changed)."""

    events = forms.MultipleChoiceField(
        choices=Event.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to be told of."},
    )
    url = forms.CharField(
        required=False,
        max_length=channels.MAX_URL,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    owner_email = forms.EmailField(required=False, max_length=254)

    def __init__(self, *args: object, keeps_url: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.keeps_url = keeps_url
        self.checked: channels.Checked | None = None
        if not settings.ALERT_MAIL_URL:  # offered as what it is: nothing would be sent
            why = f"{self['owner_email'].auto_id}-why"  # the reason, beside it
            self.fields["owner_email"].widget.attrs.update(
                {"disabled": True, "aria-describedby": why}
            )

    def clean_owner_email(self) -> str | None:
        """The owner's address; ``None`` (the rule keeps the one it has) where the dashboard
        has no mail of its own, and an address posted there anyway is refused."""
        address = self.cleaned_data.get("owner_email", "")
        if settings.ALERT_MAIL_URL:
            return address
        if address:
            raise forms.ValidationError(NO_MAIL)
        return None

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url", "")
        if not url and self.keeps_url:
            return ""
        checked = channels.check(url)
        if not checked.ok:
            raise forms.ValidationError(f"{checked.why} The URL was not kept: enter it again.")
        self.checked = checked
        return url


def default_events() -> list[str]:
    return [str(kind) for kind in DEFAULT_EVENTS]


def _ordered(events: Iterable[str]) -> list[str]:
    wanted = set(events)
    return [kind for kind in Event.Kind.values if kind in wanted]


def add(
    enrolment: Enrolment,
    url: str,
    events: Iterable[str],
    *,
    by: str,
    now: datetime,
    checked: channels.Checked | None = None,
    owner_email: str | None = "",
) -> Done:
    """A new rule of ``enrolment``'s namespace (the URL checked here unless it was);
    ``owner_email`` is told by mail when its channel starts failing."""
    refused = unsealable_here()
    if refused:
        return Done(False, refused.replace("Watching is off", "Alerts are off"))
    checked = checked or channels.check(url)
    if not checked.ok:
        return Done(False, checked.why)
    events = _ordered(events)
    if not events:
        return Done(False, "Choose at least one event to be told of.")
    rule = AlertRule.objects.create(
        enrolment=enrolment,
        events=events,
        sealed_url=keys.seal(url.strip()),
        service=checked.service,
        shown=checked.shown,
        created_by=by,
        created_at=now,
        owner_email=owner_email or "",
    )
    logger.info("%s added alert rule %s of %s (%s)", by, rule.pk, enrolment.namespace, rule.service)
    return Done(True, f"Alerts of {enrolment.namespace} now go to {rule.service} {rule.shown}.")


def change(
    rule: AlertRule,
    events: Iterable[str],
    *,
    by: str,
    url: str = "",
    checked: channels.Checked | None = None,
    owner_email: str | None = "",
) -> Done:
    """New events and owner for ``rule`` (``owner_email`` ``None``: it keeps its), and a new
    channel when ``url`` is given (else it keeps its)."""
    events = _ordered(events)
    if not events:
        return Done(False, "Choose at least one event to be told of.")
    rule.events = events
    if owner_email is not None:
        rule.owner_email = owner_email
    if url:
        checked = checked or channels.check(url)
        if not checked.ok:
            return Done(False, checked.why)
        rule.sealed_url, rule.service, rule.shown = (
            keys.seal(url.strip()),
            checked.service,
            checked.shown,
        )
        rule.last_failure, rule.last_failure_at = "", None
    rule.save()
    logger.info("%s changed alert rule %s of %s", by, rule.pk, rule.enrolment.namespace)
    return Done(True, f"The rule for {rule.service} {rule.shown} is changed.")


def remove(rule: AlertRule, *, by: str) -> Done:
    namespace = rule.enrolment.namespace
    rule.delete()
    logger.info("%s removed alert rule %s of %s", by, rule.pk, namespace)
    return Done(True, f"Alerts of {namespace} no longer go to {rule.service} {rule.shown}.")


def test(rule: AlertRule, *, by: str, now: datetime) -> Done:
    """A test message to the rule's channel: sent by the watcher within seconds (the page does
    not wait for it); its outcome is shown with the rule."""
    Delivery.objects.create(rule=rule, test=True, created_at=now, next_try_at=now)
    logger.info("%s asked for a test of alert rule %s", by, rule.pk)
    return Done(
        True,
        f"A test is on its way to {rule.service} {rule.shown}: the watcher sends it within "
        "seconds, and this page says how it went (reload it).",
    )


def rotate_keys() -> int:
    """Seal every channel URL again with the first key (``watch rotate-keys``)."""
    count = 0
    for rule in AlertRule.objects.all():
        AlertRule.objects.filter(pk=rule.pk).update(sealed_url=keys.reseal(rule.sealed_url))
        count += 1
    return count
