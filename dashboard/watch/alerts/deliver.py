"""From events to messages, each delivered once.

``dispatch`` (after each poll, in the watcher): the namespace's events not yet handed on,
each claimed with one conditional update (two workers never both take one), become one
delivery per rule that wants any of them -- a burst is one message, not one per mirror.

``take_due`` (the scheduler's tick): each delivery whose try is due, taken with one
conditional update that moves its next try a lease ahead (two ticks enqueue it once; a try
lost with its worker is taken again after the lease). ``send`` tries it: delivered, or its
next try after a back-off (``ALERT_RETRY_SECONDS``), given up after the last; each outcome is
kept on the delivery and the rule (what the rules page shows). The web process never sends:
a rule's test is a delivery like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from .. import keys
from ..models import AlertRule, Delivery, Event
from . import channels, messages

logger = logging.getLogger(__name__)

#: How long a taken try is held: longer than any channel's time-outs.
LEASE = timedelta(minutes=2)


def dispatch(namespace: str, now: datetime) -> list[int]:
    """Hand the namespace's new events to its rules: one delivery per rule that wants any
    (the ids, each already taken for its first try)."""
    fresh = Event.objects.filter(namespace=namespace, dispatched_at__isnull=True)
    claimed = [
        event
        for event in fresh.select_related("mirror")
        if Event.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(dispatched_at=now)
    ]
    if not claimed:
        return []
    made: list[int] = []
    with transaction.atomic():
        for rule in AlertRule.objects.filter(enrolment__namespace=namespace):
            wanted = [event for event in claimed if event.kind in rule.events]
            if not wanted:
                continue
            delivery = Delivery.objects.create(rule=rule, created_at=now, next_try_at=now + LEASE)
            delivery.events.set(wanted)
            made.append(delivery.pk)
    return made


def take_due(now: datetime, enqueue: Callable[[int], None]) -> list[int]:
    """Enqueue each delivery whose try is due, each once whoever else ticks."""
    taken: list[int] = []
    due = Delivery.objects.filter(state=Delivery.State.PENDING, next_try_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        if due.filter(pk=pk).update(next_try_at=now + LEASE):
            enqueue(pk)
            taken.append(pk)
    return taken


def retry_after(tries: int) -> int | None:
    """Seconds before the next try after ``tries`` failed ones (``None``: give up)."""
    steps = settings.ALERT_RETRY_SECONDS
    return steps[tries - 1] if tries - 1 < len(steps) else None


def _was_working(rule: AlertRule) -> bool:
    """The channel had not failed since its last delivery (its failing starts now)."""
    failed, delivered = rule.last_failure_at, rule.last_delivered_at
    return failed is None or (delivered is not None and delivered > failed)


def _tell_owner(rule: AlertRule, namespace: str, why: str) -> None:
    """Mail the rule's owner that its channel fails (once a failing streak), where the
    dashboard has mail of its own (``ALERT_MAIL_URL``) and the rule an owner's address."""
    if not (rule.owner_email and settings.ALERT_MAIL_URL):
        return
    title, body = messages.failing_message(namespace, rule.service, rule.shown, why)
    told = channels.send(
        channels.to_mailbox(settings.ALERT_MAIL_URL, rule.owner_email),
        title,
        body,
        guarded=False,  # the dashboard's own mail, set by whoever runs it
    )
    logger.info(
        "Alert rule %s of %s: its owner %s told by mail that it fails",
        rule.pk,
        namespace,
        "was" if told.ok else "could not be",
    )


def send(pk: int, now: datetime) -> Delivery | None:
    """One try of the delivery (taken for it by ``dispatch`` or ``take_due``)."""
    delivery = Delivery.objects.select_related("rule__enrolment").filter(pk=pk).first()
    if delivery is None or delivery.state != Delivery.State.PENDING:
        return delivery
    rule = delivery.rule
    namespace = rule.enrolment.namespace
    if delivery.test:
        title, body = messages.test_message(namespace, rule.events)
    else:
        title, body = messages.compose(list(delivery.events.select_related("mirror")))
    delivery.title, delivery.body = title, body  # what the rule's page shows it said
    url = keys.unseal(rule.sealed_url)
    if url is None:
        sent = channels.Sent(
            False, "The watcher's keys no longer open this channel's URL: enter it again."
        )
    else:
        sent = channels.send(url, title, body)
    delivery.tries += 1
    if sent.ok:
        delivery.state, delivery.sent_at, delivery.error = Delivery.State.SENT, now, ""
        AlertRule.objects.filter(pk=rule.pk).update(last_delivered_at=now)
        logger.info("Alert delivery %s (rule %s of %s) delivered", pk, rule.pk, namespace)
    else:
        if _was_working(rule):
            _tell_owner(rule, namespace, sent.why)
        wait = retry_after(delivery.tries)
        delivery.error = sent.why
        if wait is None or url is None:
            delivery.state = Delivery.State.FAILED
            delivery.error = f"{sent.why} (given up after {delivery.tries} tries)"
        else:
            delivery.next_try_at = now + timedelta(seconds=wait)
        AlertRule.objects.filter(pk=rule.pk).update(
            last_failure_at=now, last_failure=delivery.error
        )
        logger.info("Alert delivery %s (rule %s of %s) failed", pk, rule.pk, namespace)
    delivery.save(
        update_fields=["tries", "state", "sent_at", "error", "next_try_at", "title", "body"]
    )
    return delivery
