"""Failed runs, one row each, from what Quay's log says (the poll hands each entry over).

Quay's worker logs ``repo_mirror_sync_failed`` on every try of a run (up to 3: a failure with
retries left keeps the start date, and the worker tries again at its next pass), on a person's
Cancel (verb ``Cancelled``) and on a pre-empted job (``job lost``, which the worker runs
again). A run with retries left is followed only by its next try, a success, a Cancel or a
Sync now; so a failed try joins the mirror's last failed run while that run is open -- no
success, Cancel or Sync now since, fewer than 3 tries -- and starts a new one otherwise (or
when its last try is more than :data:`RETRY_GAP` ago: a safety net for a log the watcher did
not read whole). A Cancel or a pre-emption is no failure. A success after a failed run is its
recovery; a Cancel after it is said.

Every success and failed try is also one ``SyncEnd`` (what the trends count per day).

Idempotent: a try at or before the mirror's last known one is already counted (a log page
read twice, two polls). Each new run, a run's last try and a recovery is noted for the alerts
(``alerts.events``; ``history``: read back from before watching, noted as told already).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from dashboard.mirrors.rules.reasons import Cause, Reason

from .alerts import events
from .models import FailedRun, Mirror, SyncEnd

#: Tries of one run are a worker's pass apart (about 30 s) when the workers keep up; tries
#: further apart than a sync's lease are taken as two runs.
RETRY_GAP = timedelta(hours=12)
#: Quay tries a run this many times (``sync_retries_remaining`` starts at 3).
MAX_TRIES = 3
#: How long the syncs that ended are kept: the trends' longest window (30 days) and a day.
ENDS_KEPT = timedelta(days=32)


def failed_try(
    mirror: Mirror, when: datetime | None, reason: Reason, partial: bool, *, history: bool = False
) -> None:
    """A failed try of ``mirror`` at ``when``: a new failed run, or the open one's next try."""
    if when is None or reason.cause is Cause.PREEMPTED:
        return  # a pre-empted job runs again: no failure
    ended(mirror, when, ok=False)
    last = FailedRun.objects.filter(mirror=mirror).order_by("-at").first()
    if last is not None and when <= last.at:
        return  # counted already
    fields = {"reason": reason.text, "cause": reason.cause.value, "partial": partial}
    if (
        last is not None
        and not last.closed
        and last.tries < MAX_TRIES
        and when - last.at <= RETRY_GAP
    ):
        last.tries += 1
        last.at = when
        for key, value in fields.items():
            setattr(last, key, value)
        last.closed = last.tries >= MAX_TRIES
        last.save()
        if last.closed:
            events.run_gave_up(last, history=history)
        return
    run, created = FailedRun.objects.get_or_create(
        mirror=mirror,
        started_at=when,
        defaults={
            "namespace": mirror.namespace,
            "name": mirror.name,
            "kind": mirror.kind,
            "at": when,
            **fields,
        },
    )
    if created:
        events.run_failed(run, last, history=history)


def succeeded(mirror: Mirror, when: datetime | None, *, history: bool = False) -> None:
    """``mirror`` synced at ``when``: its newest success (unless it knows a newer one), and
    the failed runs before it recovered then (the first success after each)."""
    if when is None:
        return
    ended(mirror, when, ok=True)
    if mirror.last_success_at is None or mirror.last_success_at < when:
        mirror.last_success_at = when  # (the poll saves its rows whole later: keep it there)
    newer = Q(last_success_at__isnull=True) | Q(last_success_at__lt=when)
    Mirror.objects.filter(newer, pk=mirror.pk).update(last_success_at=when)
    found = FailedRun.objects.filter(mirror=mirror, recovered_at__isnull=True, at__lt=when)
    if found.update(recovered_at=when, closed=True):
        events.recovered(mirror, when, history=history)


def ended(mirror: Mirror, when: datetime, *, ok: bool) -> None:
    """A sync of ``mirror`` ended at ``when`` (``ok``: a success, else a failed try): counted
    once however often the log is read."""
    SyncEnd.objects.get_or_create(
        mirror=mirror, at=when, ok=ok, defaults={"namespace": mirror.namespace}
    )


def forget_old_ends(namespace: str, now: datetime) -> None:
    """The syncs that ended before any window the trends show are forgotten (one query)."""
    SyncEnd.objects.filter(namespace=namespace, at__lt=now - ENDS_KEPT).delete()


def cancelled(mirror: Mirror, when: datetime | None) -> None:
    """A person cancelled ``mirror``'s sync at ``when`` (or pressed Sync now: ``cancel``
    False): no more tries join its failed runs; a Cancel is said on them."""
    if when is None:
        return
    FailedRun.objects.filter(
        mirror=mirror, recovered_at__isnull=True, cancelled_at__isnull=True, at__lt=when
    ).update(cancelled_at=when, closed=True)


def restarted(mirror: Mirror, when: datetime | None) -> None:
    """Someone pressed Sync now at ``when``: the next failure is a new run."""
    if when is None:
        return
    FailedRun.objects.filter(mirror=mirror, closed=False, at__lt=when).update(closed=True)
