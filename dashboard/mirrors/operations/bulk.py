"""A bulk settings change: the same values on many mirrors of either kind, previewed, then
applied through the one save (``operations.save``), mirror by mirror, with a result each.

1. :func:`draft`: the mirrors chosen (from the overview's selection, a failure group), kept
   as a run the person can open again (``models.BulkRun``).
2. :func:`preview`: one read of each mirror's config; the values laid over it and judged by
   the mirror's own settings form (a value it refuses is refused in advance, in its words);
   per mirror each field now → after, or "nothing would change" (not sent).
3. :func:`start` then :func:`run` (a task on the watcher's queue, ``mirrors.tasks``): each
   mirror to send is saved as its page would save it -- the config read afresh, a field of
   ours someone changed since the preview is a conflict and nothing is overwritten, only
   changed fields sent, read back, audited -- at most half the process's budget of calls in
   flight. The results are rows in the database: the page shows them as they come, and
   again later.

Cost: one read per mirror for the preview (and for a new robot, what the save reads to judge
it: a repository namespace's robots, once a namespace through the read cache), then the
save's own (read, PUT, read back: three calls; four when a repository mirror's robot changes,
its namespace's robots). The password is write-only: sealed in the run only while it waits
or runs, never in a preview, result or audit value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import QueryDict
from django.utils import timezone

from dashboard.quay.cache import client_for_token, fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import fan_out
from dashboard.watch import keys

from ..forms.base import data_from_snapshot
from ..forms.bulk import SETTING_FIELDS, changed_fields, overrides, robot_for
from ..kinds.base import MirrorKind
from ..kinds.organization import OrgTarget
from ..kinds.repository import RepoTarget
from ..models import AuditEntry, BulkItem, BulkRun
from ..person import Person
from ..rules import changes, refusals
from .save import NOT_APPLIED, SaveResult, save

logger = logging.getLogger(__name__)

#: The most mirrors one bulk change takes (the overview's bulk limit).
MAX_MIRRORS = 500
#: How long a previewed password is kept, sealed, for its Apply.
KEEP_PASSWORD = timedelta(hours=1)
#: A run "being applied" this long after it started has lost its worker (see ``stalled``).
STALLED_AFTER = timedelta(minutes=30)
#: What a run made from a file's plan carries in ``BulkRun.values`` (``ascode.bulkrun``).
FROM_FILE = "from_file"
#: Where what a file's plan cannot apply here is applied.
ON_THE_COMMAND_LINE = "manage.py mirrors apply"
#: What a password is said as in a preview (its value never is).
NEW_PASSWORD = "new (not shown)"  # noqa: S105 - words, not a password


def target_of(item: Mapping[str, str]) -> MirrorKind:
    """The mirror a run's target or item names."""
    if item["kind"] == OrgTarget.kind:
        return OrgTarget(item["namespace"])
    return RepoTarget(item["namespace"], item["name"])


def named(target: MirrorKind) -> dict[str, str]:
    """A run's target or item's fields for ``target``."""
    return {"kind": target.kind, "namespace": target.namespace, "name": target.name}


def draft(
    person: Person, targets: Sequence[MirrorKind], limit: int | None = MAX_MIRRORS
) -> BulkRun:
    """A new bulk change of ``targets`` (one each, in name order, at most ``limit``: a file's
    plan has none), its values to choose."""
    chosen = sorted(dict.fromkeys(targets), key=lambda t: (t.full_name, t.kind))
    return BulkRun.objects.create(
        user=person.user if getattr(person.user, "is_authenticated", False) else None,
        username=person.username,
        targets=[named(t) for t in chosen[:limit]],
    )


#: A run not applied (yet): values being chosen, or previewed (a file's plan shown is one).
UNAPPLIED = (BulkRun.State.DRAFT, BulkRun.State.PREVIEW)


def runs_of(person: Person, limit: int = 20, *, applied: bool | None = None) -> list[BulkRun]:
    """The person's recent bulk changes, newest first: those applied (queued, being applied
    or done), those not (:data:`UNAPPLIED`), or (``None``) all."""
    found = BulkRun.objects.filter(username=person.username)
    if applied is not None:
        found = found.exclude(state__in=UNAPPLIED) if applied else found.filter(state__in=UNAPPLIED)
    return list(found[:limit])


def run_of(person: Person, pk: int) -> BulkRun | None:
    """The person's own bulk change ``pk`` (``None``: none, or someone else's)."""
    return BulkRun.objects.filter(pk=pk, username=person.username).first()


# -- spreading start times --------------------------------------------------------------------


def next_full_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def spread_starts(base: datetime, intervals: Sequence[int]) -> list[datetime]:
    """Start times for mirrors with these ``intervals`` (seconds), evenly over each one's
    interval from ``base``: the i-th of n starts ``i/n`` of its interval after ``base`` (whole
    seconds), so n mirrors of one interval never start together."""
    count = len(intervals)
    return [base + timedelta(seconds=(i * gap) // count) for i, gap in enumerate(intervals)]


def _half() -> int:
    """How many of a bulk change's mirrors are read or saved at once: half the process's
    budget of calls in flight, the other half left to the pages of everyone else."""
    return max(1, settings.QUAY_MAX_INFLIGHT // 2)


# -- the preview ------------------------------------------------------------------------------


@dataclass
class _Judged:
    """One mirror's preview."""

    verdict: str
    rows: list[dict[str, str]]
    note: str = ""
    posted: dict[str, list[str]] | None = None
    loaded: changes.Snapshot | None = None


def _form_data(
    target: MirrorKind, current: changes.Snapshot, laid: Mapping[str, list[str]]
) -> QueryDict:
    """The mirror's settings form as a browser would post it: its current settings, the bulk
    values laid over them, tied to the config it was drawn from."""
    data = QueryDict(mutable=True)
    for key, values in {**data_from_snapshot(current), **laid}.items():
        data.setlist(key, values)
    data["loaded"] = changes.sign(target.namespace, target.name, current)
    return data


def _laid(
    target: MirrorKind, asked: Mapping[str, list[str]], start: datetime | None
) -> dict[str, list[str]]:
    """The bulk values for this mirror: a short robot name made its namespace's, the start
    written in UTC."""
    laid = dict(asked)
    if laid.get("robot_username"):
        laid["robot_username"] = [robot_for(laid["robot_username"][0], target.namespace)]
    if start is not None:
        wall = start.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        laid.update(sync_start_date=[wall], drawn_zone=["UTC"])
    return laid


def _judge(
    target: MirrorKind,
    config: Any,
    laid: dict[str, list[str]],
    password: str,
    asked: Iterable[str],
    now: datetime,
    reads: Mapping[str, Any],
    during_sync: bool,
) -> _Judged:
    """One mirror's preview from its config (and what its save would read besides:
    ``reads``): what would change, or why nothing is sent."""
    current = target.snapshot(config)
    data = _form_data(target, current, laid)
    if password:
        data["external_registry_password"] = password
    form = target.settings_form(data, config, now, **reads)
    missing = sorted(
        {SETTING_FIELDS[name] for name in asked if name in laid and name not in form.fields}
    )
    note = f"Not a setting of this kind of mirror: {', '.join(missing)}." if missing else ""
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label if name in form.fields else 'settings'}: {' '.join(msgs)}"
            for name, msgs in form.errors.items()
            if name != "external_registry_password" or password
        )
        return _Judged(BulkItem.Verdict.REFUSED, [], f"{errors} {note}".strip())
    mine = target.form_snapshot(form.cleaned_data)
    asked_changes = changes.diff(current, mine, target.fields)
    rows = [
        {
            "label": c.label,
            "now": changes.format_value(c.field, c.old),
            "after": changes.format_value(c.field, c.new),
        }
        for c in asked_changes
    ]
    if password:
        stored = "stored" if current.get("external_registry_username") else "none"
        rows.append({"label": "password", "now": stored, "after": NEW_PASSWORD})
    posted = {key: data.getlist(key) for key in data if key != "external_registry_password"}
    if not rows:
        return _Judged(BulkItem.Verdict.UNCHANGED, [], note, posted, current)
    sent = {c.field: c.new for c in asked_changes}
    warning = target.sync_warning(config, now, sent)
    if warning is not None and not warning.stuck:
        if not during_sync:  # the save would ask first: not sent
            busy = "Tick “also change mirrors whose sync is running” to change it all the same."
            return _Judged(BulkItem.Verdict.BUSY, rows, f"{busy} {note}".strip(), posted, current)
        note = (note + " A sync is under way: saving can disturb it.").strip()
    return _Judged(BulkItem.Verdict.SEND, rows, note, posted, current)


#: The rows' labels of the proxies (the bulk form's "proxies" empties all three).
_PROXY_LABELS = {changes.LABELS[name] for name in ("http_proxy", "https_proxy", "no_proxy")}


def _summary(cleaned: Mapping[str, Any], items: Sequence[BulkItem]) -> str:
    """What the change changes, in the heading's words: the settings asked for that change on
    at least one mirror; none: what was asked, said so."""
    asked = list(dict.fromkeys(SETTING_FIELDS[name] for name in changed_fields(dict(cleaned))))
    changing = {row["label"] for item in items for row in item.rows}
    said = [w for w in asked if w in changing or (w == "proxies" and changing & _PROXY_LABELS)]
    if said or not asked:
        return ", ".join(said)
    return f"no mirror changes (asked: {', '.join(asked)})"


def preview(
    client: QuayClient,
    run: BulkRun,
    cleaned: Mapping[str, Any],
    now: datetime,
) -> BulkRun:
    """Read each mirror of ``run`` once and judge the bulk form's ``cleaned`` values on it:
    the run's items, and the run in state "previewed". Reads go to Quay afresh (what is
    shown decides what is sent). A revoked token raises :class:`QuayUnauthorized`."""
    reader, client = client, fresh(client)
    targets = [target_of(named) for named in run.targets]
    got = fan_out(lambda target: target.read_config(client), targets, max_workers=_half())
    for outcome in got:
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    asked = overrides(dict(cleaned))
    fields = changed_fields(dict(cleaned))
    password = cleaned.get("external_registry_password") or ""
    starts = _starts(targets, got, cleaned, now)
    configs = {t: o.value for t, o in zip(targets, got, strict=True) if o.error is None}
    laid = {target: _laid(target, asked, starts.get(target)) for target in configs}
    reads = _save_reads(reader, run.username, configs, laid) if "robot_username" in asked else {}
    items = []
    for position, (target, outcome) in enumerate(zip(targets, got, strict=True)):
        if outcome.error is not None:
            judged = _Judged(BulkItem.Verdict.UNREADABLE, [], _unreadable(target, outcome.error))
        else:
            judged = _judge(
                target,
                outcome.value,
                laid[target],
                password,
                fields,
                now,
                reads.get(target, {}),
                bool(cleaned.get("confirm_during_sync")),
            )
        items.append(
            BulkItem(
                run=run,
                position=position,
                verdict=judged.verdict,
                rows=judged.rows,
                note=judged.note,
                posted=judged.posted or {},
                loaded=judged.loaded,
                **named(target),
            )
        )
    forget_old_passwords(now)
    run.items.all().delete()
    BulkItem.objects.bulk_create(items)
    values = {k: v for k, v in cleaned.items() if k != "external_registry_password"}
    run.values = _json_safe(values)
    run.summary = _summary(cleaned, items)[:255]
    run.sets_password = bool(password)
    run.sealed_password = keys.seal(password) if password else ""
    run.state = BulkRun.State.PREVIEW
    run.save()
    return run


def _save_reads(
    client: QuayClient,
    username: str,
    configs: Mapping[MirrorKind, Any],
    laid: Mapping[MirrorKind, dict[str, list[str]]],
) -> dict[MirrorKind, dict[str, Any]]:
    """What each mirror's save would read besides its config to judge a new robot (a
    repository's namespace's robots: its form refuses another), through the person's read
    cache, so that one namespace's robots are read once for all its mirrors. A read that
    fails leaves the form to judge without it (the save reads again)."""

    def read(target: MirrorKind) -> dict[str, Any]:
        current = target.snapshot(configs[target])
        posted = _form_data(target, current, laid[target])
        return target.save_reads(client, username, posted, current)

    got = fan_out(read, list(configs), max_workers=_half())
    for outcome in got:
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    return {o.item: o.value or {} for o in got}


def _json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _unreadable(target: MirrorKind, error: QuayError) -> str:
    if isinstance(error, QuayNotFound):
        return f"Quay has no mirror config for {target}: nothing to change."
    return f"Its settings could not be read: {error.message}"


def _starts(
    targets: Sequence[MirrorKind], got: Sequence[Any], cleaned: Mapping[str, Any], now: datetime
) -> dict[MirrorKind, datetime]:
    """Each mirror's new start: the one typed, or spread over each one's interval (after the
    change) from it, else from the next full hour."""
    start: datetime | None = cleaned.get("sync_start_date")
    if not cleaned.get("spread"):
        return dict.fromkeys(targets, start) if start else {}
    readable = [(t, o.value) for t, o in zip(targets, got, strict=True) if o.error is None]
    new_interval = cleaned.get("sync_interval")
    intervals = [
        int(new_interval or target.snapshot(config).get("sync_interval") or 0)
        for target, config in readable
    ]
    base = start or next_full_hour(now)
    times = spread_starts(base, intervals)
    return {target: moment for (target, _), moment in zip(readable, times, strict=True)}


# -- the apply --------------------------------------------------------------------------------


def forget_old_passwords(now: datetime) -> None:
    """A password previewed more than :data:`KEEP_PASSWORD` ago and never applied is
    forgotten (its run asks for it again)."""
    BulkRun.objects.filter(
        state__in=(BulkRun.State.DRAFT, BulkRun.State.PREVIEW), created__lt=now - KEEP_PASSWORD
    ).exclude(sealed_password="").update(sealed_password="")


def password_forgotten(run: BulkRun) -> bool:
    """A previewed change that sets a password no longer kept: it cannot be applied."""
    return run.state == BulkRun.State.PREVIEW and run.sets_password and not run.sealed_password


def stalled(run: BulkRun, now: datetime) -> bool:
    """A run still "being applied" :data:`STALLED_AFTER` after it started: its worker
    stopped with it (a run of the most mirrors takes minutes)."""
    return (
        run.state == BulkRun.State.RUNNING
        and run.started is not None
        and run.started < now - STALLED_AFTER
    )


def start(run: BulkRun, token: str, enqueue: Callable[[int], Any]) -> bool:
    """Queue the apply of a previewed run (``enqueue(pk)``: the task), or the rest of a run
    whose worker stopped (:func:`stalled`: the mirrors without a result). The person's token
    is sealed into the run until it ends. ``False``: nothing queued (applied already, or
    being applied: pressing Apply twice applies once)."""
    now = timezone.now()
    forget_old_passwords(now)
    run.refresh_from_db()
    if password_forgotten(run):
        return False
    queue = BulkRun.objects.filter(pk=run.pk, state=BulkRun.State.PREVIEW)
    if stalled(run, now):
        queue = BulkRun.objects.filter(
            pk=run.pk, state=BulkRun.State.RUNNING, started__lt=now - STALLED_AFTER
        )
    claimed = queue.update(state=BulkRun.State.QUEUED, sealed_token=keys.seal(token))
    if not claimed:
        return False
    enqueue(run.pk)
    return True


def run(pk: int) -> None:
    """Apply bulk change ``pk`` (the task's body): safe to run twice (it claims the run, and
    skips a mirror whose result is written)."""
    claimed = BulkRun.objects.filter(pk=pk, state=BulkRun.State.QUEUED).update(
        state=BulkRun.State.RUNNING, started=timezone.now()
    )
    if not claimed:
        return
    job = BulkRun.objects.get(pk=pk)
    token = keys.unseal(job.sealed_token) or ""
    password = keys.unseal(job.sealed_password) or "" if job.sealed_password else ""
    message = ""
    if not token or (job.sets_password and not password):
        message = "The run could not be started: its sealed token or password could not be opened."
    else:
        message = _apply_all(job, client_for_token(token), password)
    BulkItem.objects.filter(run=job, verdict=BulkItem.Verdict.SEND, outcome="").update(
        outcome=BulkItem.Outcome.NOT_SENT, detail=message or "Not sent."
    )
    BulkRun.objects.filter(pk=pk).update(
        state=BulkRun.State.DONE,
        finished=timezone.now(),
        sealed_token="",
        sealed_password="",
        message=message,
    )


def _apply_all(job: BulkRun, client: QuayClient, password: str) -> str:
    """Save every mirror to send, at most half the budget's calls in flight; why the run
    stopped short ("" when it did not)."""
    person = Person(username=job.username, user=job.user)
    confirm = bool(job.values.get("confirm_during_sync"))
    from_file = bool(job.values.get(FROM_FILE))
    todo = list(job.items.filter(verdict=BulkItem.Verdict.SEND, outcome=""))
    stopped: list[str] = []

    def one(item: BulkItem) -> None:
        try:
            if stopped:
                return
            try:
                _apply_one(client, person, item, password, confirm, from_file)
            except QuayUnauthorized:
                stopped.append("Quay no longer accepts your token: sign in again, then retry.")
        finally:
            connections.close_all()  # this thread's connection

    fan_out(one, todo, max_workers=_half())
    return stopped[0] if stopped else ""


def _apply_one(
    client: QuayClient,
    person: Person,
    item: BulkItem,
    password: str,
    confirm: bool,
    from_file: bool,
) -> None:
    target = target_of({"kind": item.kind, "namespace": item.namespace, "name": item.name})
    posted = QueryDict(mutable=True)
    for key, values in item.posted.items():
        posted.setlist(key, values)
    if item.loaded is not None:  # (none: a create, from a file's plan)
        posted["loaded"] = changes.sign(target.namespace, target.name, item.loaded)
    if password:
        posted["external_registry_password"] = password
    if confirm:
        posted["confirm_during_sync"] = "on"
    with timezone.override(UTC):
        result = save(client, person, target, posted, timezone.now())
    item.outcome, item.detail = outcome_of(result, from_file)
    item.audit = result.audit
    item.save(update_fields=["outcome", "detail", "audit"])


def outcome_of(result: SaveResult, from_file: bool = False) -> tuple[str, str]:
    """How one mirror's save went, as a bulk change's result: (outcome, detail in words);
    ``from_file``: the run is a file's plan (its page has no box to tick)."""
    entry = result.audit
    if entry is not None:
        if entry.outcome == AuditEntry.Outcome.DONE:
            return BulkItem.Outcome.APPLIED, ""
        if entry.outcome == AuditEntry.Outcome.PARTIAL:
            dropped = [
                changes.LABELS.get(name, name)
                for name, change in entry.changes.items()
                if isinstance(change, dict) and change.get("applied") is False
            ]
            said = entry.message.removeprefix(NOT_APPLIED)
            if said == entry.message:  # a refusal after part of the save: say which part
                said = f"{', '.join(dropped)}. {entry.message}"
            return BulkItem.Outcome.PARTIAL, f"Quay did not take: {said}".strip()
        if entry.outcome == AuditEntry.Outcome.REFUSED:  # (said once: "refused by Quay")
            return BulkItem.Outcome.REFUSED, entry.message.removeprefix(f"{refusals.PREFIX}: ")
        if entry.outcome == AuditEntry.Outcome.NOT_DONE:  # sent (an audit entry is only
            # written for a call that went out), Quay failed, nothing of it shows read back
            return BulkItem.Outcome.NOT_APPLIED, entry.message
        return BulkItem.Outcome.UNKNOWN, entry.message
    if result.done:
        return BulkItem.Outcome.NOT_SENT, "Nothing to change: Quay holds these values already."
    if result.extra.get("conflict"):
        fields = ", ".join(row["label"] for row in result.extra["conflict"])
        return BulkItem.Outcome.CONFLICT, (
            f"Changed in Quay since the preview ({fields}): theirs kept, nothing overwritten."
        )
    asked = _asked_to_confirm(result, from_file)
    if asked:
        return BulkItem.Outcome.NOT_SENT, asked
    form = result.form
    errors = form.errors if form is not None and form.is_bound and form.errors else {}
    said = "; ".join(
        " ".join(messages)
        for name, messages in errors.items()
        if name != "external_registry_password"
    )
    return BulkItem.Outcome.NOT_SENT, said or result.message


def _asked_to_confirm(result: SaveResult, from_file: bool) -> str:
    """Why a save that asks a confirmation was not sent, and how to confirm it where this
    run can be confirmed ("" when it asked none): the bulk form has a box for a sync under
    way only; a file's plan, none (its command line confirms: ``--confirm``)."""
    extra = result.extra
    said = []
    if extra.get("confirm_sync"):
        said.append("A sync is under way: saving can disturb it.")
    if extra.get("past_start"):
        said.append("The start date is in the past: Quay would start a sync right away.")
    if extra.get("confirm_delete"):
        tags = ", ".join(extra["confirm_delete"])
        said.append(f"The next sync would delete tags no longer matched: {tags}.")
    if not said:
        return ""
    if from_file:
        said.append(f"Apply the file with {ON_THE_COMMAND_LINE} --confirm to confirm.")
    elif extra.get("past_start"):
        said.append("Choose a start date to come.")
    else:
        said.append("Tick “also change mirrors whose sync is running” to change it all the same.")
    return " ".join(said)


# -- what the page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a run stands: mirrors to send, done so far, and each outcome's count."""

    to_send: int
    done: int
    counts: dict[str, int]

    @property
    def over(self) -> bool:
        return self.done >= self.to_send


def progress(run: BulkRun) -> Progress:
    items = list(run.items.all())
    sending = [i for i in items if i.verdict == BulkItem.Verdict.SEND]
    counts: dict[str, int] = {}
    for item in sending:
        if item.outcome:
            counts[item.outcome] = counts.get(item.outcome, 0) + 1
    return Progress(len(sending), sum(counts.values()), counts)
