"""The alert rules page of a watched namespace (``/watch/{ns}/alerts/``): its rules, each
with its channel masked, its events, and how its deliveries go; the form to add one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min

from ..enrol import unsealable_here
from ..models import AlertRule, Delivery, Enrolment, Event
from .rules import MEANINGS, NO_MAIL, RuleForm, default_events

#: How many of a rule's latest deliveries the page lists.
RECENT = 5


@dataclass(frozen=True)
class RuleRow:
    rule: AlertRule
    events: list[str]
    #: A failed delivery waits for its next try then (``None``: none waits).
    retrying_at: datetime | None
    #: Deliveries not yet made (a test among them, or not).
    waiting: int
    form: RuleForm
    #: Its latest deliveries, newest first (when, what, how it went).
    recent: list[Delivery]
    #: A message waits longer than the watcher takes to send one: is the watcher running?
    late: bool


def _row(rule: AlertRule, form: RuleForm | None, now: datetime) -> RuleRow:
    pending = Delivery.objects.filter(rule=rule, state=Delivery.State.PENDING)
    waited = timedelta(seconds=max(60, 2 * settings.WATCH_INTERVAL_SECONDS))
    retrying = pending.filter(tries__gt=0).aggregate(at=Min("next_try_at"))["at"]
    labels = dict(Event.Kind.choices)
    return RuleRow(
        rule=rule,
        events=[labels.get(kind, kind) for kind in rule.events],
        retrying_at=retrying,
        waiting=pending.count(),
        form=form
        or RuleForm(
            initial={"events": rule.events, "owner_email": rule.owner_email},
            keeps_url=True,
            prefix=f"r{rule.pk}",
        ),
        recent=list(Delivery.objects.filter(rule=rule).annotate(told=Count("events"))[:RECENT]),
        late=pending.filter(tries=0, created_at__lt=now - waited).exists(),
    )


def page(
    enrolment: Enrolment,
    now: datetime,
    *,
    new: RuleForm | None = None,
    changed: RuleForm | None = None,
    changed_rule: int | None = None,
) -> dict[str, object]:
    """What the page shows (with a posted form and its errors, when one was refused)."""
    rules = AlertRule.objects.filter(enrolment=enrolment).order_by("id")
    rows = [_row(rule, changed if rule.pk == changed_rule else None, now) for rule in rules]
    return {
        "enrolment": enrolment,
        "namespace": enrolment.namespace,
        "rows": rows,
        "form": new or RuleForm(initial={"events": default_events()}),
        "meanings": MEANINGS,
        "refused": unsealable_here(),
        "mails": bool(settings.ALERT_MAIL_URL),
        "no_mail": NO_MAIL,
    }
