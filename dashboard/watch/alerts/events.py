"""The transitions worth an alert, each noted once as an :class:`~..models.Event` where the
index records the transition itself:

* **failed**: a new failed run (``runs.failed_try``) -- a mirror's first, the first after a
  success, or one whose cause differs from the run before (a run failing again for the same
  reason, not recovered since, is no news);
* **gave up**: a run's last try failed (Quay tries 3 times; then nothing until the next
  interval or Sync now);
* **recovered**: a success after failed runs (``runs.succeeded``);
* **stuck**: a sync whose worker's lease ran out (:func:`after_poll`);
* **will not run again**: a repository mirror with no retries left (a person's Cancel sets
  none; Quay's worker takes only mirrors with retries left), once its next scheduled run has
  come and gone (:func:`after_poll`): the Cancel itself is no alert;
* **watching broken**: Quay refused the watch token (``poll``).

Not events: a retry's failure inside one run (a run is one ``FailedRun``), a person's Cancel,
a pre-empted job (no failed run at all). History is no news: what the first poll reads back
from Quay's log, a mirror's own log read for its last result, and what the first indexing finds
stuck or idle is noted as already told (``history``), so the same transition never alerts
later. Each is unique by ``(namespace, subject, kind, key)``: noting it twice keeps one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from dashboard.mirrors import clock
from dashboard.mirrors.rules import reasons
from dashboard.quay.dates import parse_quay_datetime

from ..models import Change, Enrolment, Event, FailedRun, Mirror

Kind = Event.Kind

#: The events a new rule tells, unless told otherwise: "gave up" follows "failed" in the same
#: run, so it is for rules that want to hear of a run only once its retries are used up.
DEFAULT_EVENTS = (Kind.FAILED, Kind.STUCK, Kind.WILL_NOT_RUN, Kind.RECOVERED, Kind.BROKEN)


def subject_of(mirror: Mirror | None) -> str:
    return f"{mirror.kind}:{mirror.name}" if mirror is not None else ""


def note(
    enrolment_id: int,
    mirror: Mirror | None,
    namespace: str,
    kind: str,
    key: str,
    at: datetime,
    *,
    reason: str = "",
    group: str = "",
    history: bool = False,
) -> Event | None:
    """The event, noted once (``None`` when it was noted before). ``history``: noted as told
    already (it happened before watching could tell it)."""
    now = clock.now()
    subject, key = subject_of(mirror), key[:64]
    unique = {"namespace": namespace, "subject": subject, "kind": kind, "key": key}
    if Event.objects.filter(**unique).exists():
        return None  # a stuck sync is seen again at every poll: noted once
    try:
        with transaction.atomic():
            return Event.objects.create(
                enrolment_id=enrolment_id,
                mirror=mirror,
                **unique,
                at=at,
                noted_at=now,
                reason=reason,
                group=group,
                dispatched_at=now if history else None,
            )
    except IntegrityError:  # noted meanwhile by another poll
        return None


def _of_mirror(mirror: Mirror, kind: str, key: str, at: datetime, **more: object) -> None:
    note(mirror.enrolment_id, mirror, mirror.namespace, kind, key, at, **more)  # type: ignore[arg-type]


# -- from the failed runs (``runs``) ---------------------------------------------------------


def run_failed(run: FailedRun, before: FailedRun | None, *, history: bool) -> None:
    """A new failed run: news unless the run before it failed for the same cause and the
    mirror has not recovered since."""
    group = reasons.group_of(run.cause, run.partial)
    if (
        before is not None
        and before.recovered_at is None
        and reasons.group_of(before.cause, before.partial) == group
    ):
        return
    _of_mirror(
        run.mirror,
        Kind.FAILED,
        run.started_at.isoformat(),
        run.started_at,
        reason=run.reason,
        group=group,
        history=history,
    )


def run_gave_up(run: FailedRun, *, history: bool) -> None:
    """The run's last try failed: no new try until the next interval or Sync now."""
    _of_mirror(
        run.mirror,
        Kind.GAVE_UP,
        run.started_at.isoformat(),
        run.at,
        reason=run.reason,
        group=reasons.group_of(run.cause, run.partial),
        history=history,
    )


def recovered(mirror: Mirror, when: datetime, *, history: bool) -> None:
    _of_mirror(mirror, Kind.RECOVERED, when.isoformat(), when, history=history)


def broken(enrolment: Enrolment, since: datetime, why: str) -> None:
    note(enrolment.pk, None, enrolment.namespace, Kind.BROKEN, since.isoformat(), since, reason=why)


# -- from the statuses, after each poll --------------------------------------------------------


def after_poll(enrolment: Enrolment, now: datetime, *, history: bool) -> None:
    """The stuck syncs and the mirrors that will not run again, as the index has them now
    (``history`` while the first indexing is under way: what it finds is no transition)."""
    present = Mirror.objects.filter(enrolment=enrolment, present=True)
    for mirror in present.filter(sync_status="SYNCING", config__isnull=False):
        expires = parse_quay_datetime((mirror.config or {}).get("sync_expiration_date"))
        if expires is not None and expires <= now:
            _of_mirror(
                mirror,
                Kind.STUCK,
                expires.isoformat(),
                expires,
                reason="the worker's lease on this sync ran out: its worker died, and the sync "
                "will not end by itself",
                history=history,
            )
    idle = present.filter(
        kind=Mirror.Kind.REPOSITORY, is_enabled=True, retries_remaining=0, config__isnull=False
    ).exclude(sync_status__in=["SYNCING", "SYNC_NOW"])
    for mirror in idle:
        due = _missed_run(mirror, enrolment)
        if due is not None and due <= now:
            cancelled = mirror.sync_status == "CANCEL"
            _of_mirror(
                mirror,
                Kind.WILL_NOT_RUN,
                due.isoformat(),
                due,
                reason=(
                    ("it was cancelled, and " if cancelled else "it has no retries left, and ")
                    + "Quay's worker runs a repository mirror on schedule only while it has "
                    "retries left: no run comes until someone presses Sync now"
                ),
                history=history,
            )


def _missed_run(mirror: Mirror, enrolment: Enrolment) -> datetime | None:
    """The first scheduled run after the mirror was left with no retries (its last status
    change, else when watching began): the start date, or the start date plus whole
    intervals; ``None`` when it has no schedule."""
    config = mirror.config or {}
    start = parse_quay_datetime(config.get("sync_start_date"))
    interval = int(config.get("sync_interval") or 0)
    if start is None:
        return None
    last = Change.objects.filter(mirror=mirror).order_by("-at").values_list("at", flat=True)
    since = last.first() or enrolment.enrolled_at
    if start > since:
        return start
    if interval <= 0:
        return None
    steps = int((since - start).total_seconds() // interval) + 1
    return start + timedelta(seconds=steps * interval)
