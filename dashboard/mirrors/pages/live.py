"""The live status of a mirror, one flow for every kind: :func:`live` (a first look, a
poll) and :func:`after_press`, with one pace (:func:`follow`), one stale note and one "nothing
changed" answer (``mirrors/live.html``); each asks the kind's page module for what differs
(its reads, its templates, what its config says of its runs: ``look``, ``timing``, ``LIVE``,
``LIVE_PAGE``). Below them, a repository's status panel and its polls.

What a live part carries between polls is a :class:`~dashboard.mirrors.rules.poll.PollState`
(the overview's rows carry the same).

A poll costs one upstream call (the config). The usage log is read only when the panel is
first shown, when a queued sync's start time is not yet known, and once when a sync ends (or
a press's run is found over) to show its result. How soon the next poll comes is
:func:`~dashboard.mirrors.rules.poll.pace`'s: every ``STATUS_POLL_SECONDS`` while anything
runs, is due or was pressed, else every ``STATUS_SLOW_POLL_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings

from dashboard.mirrors.kinds.base import MirrorKind
from dashboard.mirrors.kinds.missing import why_missing
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.pages.mirror import MirrorPage, module_of
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import runs
from dashboard.mirrors.rules import status as mirror_status
from dashboard.mirrors.rules.outcomes import ActionResult
from dashboard.mirrors.rules.poll import Pace, PollState, PressOutcome, pace
from dashboard.mirrors.rules.status import ACTIVE_LABELS, Status
from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import parallel, quietly
from dashboard.quay.models import LogEntry, MirrorConfig, SyncStatus, read_enum
from dashboard.watch.models import Mirror
from dashboard.watch.visible import current_config

# -- one live flow for every kind ------------------------------------------------------------

STALE = "mirrors/live.html#stale_note"
UNCHANGED = "mirrors/live.html#unchanged"


@dataclass(frozen=True)
class Look:
    """One look at a mirror's live part, as the live flow asks the kind's page module for
    it (``look``): who looks at which mirror when, what the URL or the press carried
    (``query``: a poll's state, a table's filter), whether htmx asks; after a press, its
    ``result``, and ``pressed`` when it was a Sync now Quay took (its run is followed)."""

    client: QuayClient
    person: Person
    target: MirrorKind
    now: datetime
    query: Mapping[str, Any]
    htmx: bool = True
    result: ActionResult | None = None
    pressed: datetime | None = None

    @property
    def poll(self) -> bool:
        """A poll of the part on the page (its state in ``query``), not a first look."""
        return self.result is None and self.query.get("poll") == "1"


def live(
    client: QuayClient,
    person: Person,
    target: MirrorKind,
    now: datetime,
    query: Mapping[str, Any],
    *,
    htmx: bool,
) -> MirrorPage:
    """A mirror's live part: a poll's (its state in ``query``) or a first look's, as the
    kind's page module reads it (``look``). A poll that could not read Quay leaves the part
    as it was, marked stale; one that found nothing changed (``look`` answers ``None``)
    leaves it as it is, its stale note cleared. Opened without htmx: the kind's
    ``LIVE_PAGE``."""
    side = module_of(target)
    context = side.look(Look(client, person, target, now, query, htmx))
    if context is None:
        return MirrorPage(UNCHANGED, {}, unchanged=True)
    if context.get("stale"):
        return MirrorPage(STALE, context, stale=True)
    return MirrorPage(side.LIVE if htmx else side.LIVE_PAGE, context)


def after_press(
    client: QuayClient,
    person: Person,
    target: MirrorKind,
    result: ActionResult,
    now: datetime,
    query: Mapping[str, Any],
) -> MirrorPage:
    """The live part after Sync now or Cancel, with what the press did on top; the run of a
    Sync now Quay took is followed until it is over (``pressed``)."""
    pressed = now if result.action == "sync_now" and result.outcome == "done" else None
    side = module_of(target)
    context = side.look(Look(client, person, target, now, query, True, result, pressed))
    return MirrorPage(side.LIVE, {**context, "action_result": result})  # (never None here)


@dataclass(frozen=True)
class Timing:
    """What a config says of its runs, for the pace (each kind's page module's ``timing``)."""

    #: When Quay's worker starts a run by itself (the next run's start date), if it will.
    due: datetime | None
    #: A failure Quay retries at its worker's next pass (when is not known).
    retrying: bool
    #: Nothing runs or waits to: the run of a Sync now pressed here is over.
    over: bool


def follow(
    target: MirrorKind,
    config: Any,
    status: Status,
    now: datetime,
    carried: PollState,
    logs: Sequence[LogEntry] | None = None,
) -> tuple[Pace, PressOutcome | None]:
    """How soon the live part looks again (:func:`~dashboard.mirrors.rules.poll.pace`, from
    the kind's ``timing`` of the config), and, once the run of a Sync now pressed here
    (``carried.pressed``) is over, how it ended (:func:`press_outcome`)."""
    timing = module_of(target).timing(config, now)
    paced = pace(
        now,
        carried,
        label=status.label,
        running=status.changes_by_itself,
        due=timing.due,
        retrying=timing.retrying,
        press_over=timing.over,
        fast=settings.STATUS_POLL_SECONDS,
        slow=settings.STATUS_SLOW_POLL_SECONDS,
    )
    outcome = None
    if carried.pressed is not None and timing.over:
        outcome = press_outcome(logs, carried.pressed, status)
    return paced, outcome


def announcement(
    target: MirrorKind, status: Status | None, previous_label: str | None, pressed: bool
) -> str:
    """What the live part's screen-reader line (``#status-announce``) says: the status
    shown, as soon as it is not the one the page showed (``previous_label``) or after a
    press (its answer shows the status as the press left it); else nothing (the line stays)."""
    if status is None or not (pressed or (previous_label and previous_label != status.label)):
        return ""
    return f"Status of {target.full_name}: {status.label}, {status.detail}."


# -- a repository's status panel --------------------------------------------------------------


def panel_context(
    target: RepoTarget,
    now: datetime,
    *,
    mirror: MirrorConfig | None,
    logs: Sequence[LogEntry] | None = None,
    queued_since: datetime | None = None,
    error: str | None = None,
    missing: str | None = None,
    action_result: ActionResult | None = None,
    previous_label: str | None = None,
    keep_polling: bool = False,
    as_of: datetime | None = None,
    read_only: bool = False,
    carried: PollState | None = None,
) -> dict[str, Any]:
    """Everything ``mirrors/status.html#panel`` shows.

    ``logs``: the repository's mirror log entries (newest first), for the last result and for
    how long a Sync now has been queued. ``error``: why Quay could not be read; with
    ``keep_polling`` the panel keeps trying (a poll of an active sync failed). ``missing``:
    ``"no_config"`` or ``"no_repo"`` when Quay has no mirror config to show. ``carried``:
    what the poll URL carried (``pressed``: a Sync now whose run the panel follows).
    """
    last = runs.last_result(logs) if logs else None
    if queued_since is None and logs:
        queued_since = runs.queued_since(logs)
    status = (
        mirror_status.describe(
            mirror,
            now,
            queued_since=queued_since,
            last_event_at=last.datetime if last else None,
        )
        if mirror is not None
        else None
    )
    queued = mirror is not None and mirror.sync_status is SyncStatus.SYNC_NOW
    sync_ended = previous_label in ACTIVE_LABELS and status is not None and not status.is_active
    announce = announcement(target, status, previous_label, action_result is not None)
    carried = carried or PollState()
    # The page's settings form shows the box about a sync under way, and the sync is over.
    lift_box = carried.box and status is not None and not status.is_active
    state = PollState(
        box=carried.box and not lift_box,
        was=status.label if status is not None else previous_label,
        at=now if status is not None else as_of,
        queued=queued_since if queued or mirror is None else None,
        queue_checked=queued or (mirror is None and queued_since is not None),
        read_only=read_only,
        watch=carried.watch,
        pressed=carried.pressed,
    )
    paced: Pace | None = None
    outcome: PressOutcome | None = None
    if status is not None and mirror is not None:
        was = replace(state, was=previous_label)
        paced, outcome = follow(target, mirror, status, now, was, logs)
        state = paced.state
    elif error is not None and keep_polling:
        fast = settings.STATUS_POLL_SECONDS
        paced = Pace(fast, True, state)
    polling = paced is not None
    return {
        "namespace": target.namespace,
        "name": target.name,
        "target": target,
        "page_url": target.url("page"),
        "mirror": mirror,
        "status": status,
        "now": now,
        "last_event": runs.summarize_event(last, logs or ()) if last else None,
        "action_result": action_result,
        "panel_error": error,
        "missing": missing,
        "polling": polling,
        "pace": paced,
        "press_outcome": outcome,
        "poll_url": state.url(target),
        "announce": announce,
        "sync_ended": sync_ended,
        "lift_box": lift_box,  # (sent only where the page has it: the poll URL's box=1)
        "sync_box": state.box,
        "poll_state": state,
        "queued_since": queued_since if queued else None,
        "claimed": mirror_status.claimed_at(mirror) if mirror is not None else None,
        "can_admin": False if read_only else None,
    }


def press_outcome(
    logs: Sequence[LogEntry] | None, pressed: datetime, status: Status
) -> PressOutcome:
    """How the run of a Sync now pressed at ``pressed`` ended, in a sentence: from the log
    (the entry that ended a sync after the press's own ``sync_status`` change, or after the
    press's time when the log does not show that change), else from the status."""
    if logs:
        since = runs.queued_since(logs) or pressed.replace(microsecond=0)
        last = runs.last_result(logs)
        if last is not None and last.datetime is not None and last.datetime >= since:
            event = runs.summarize_event(last)
            words = f"Your Sync now ran and {event.word} at {_clock(event.when)}: {event.detail}."
            return PressOutcome(words, event.key == "success")
    words = f"Your Sync now's run is over: {status.label}, {status.detail}."
    return PressOutcome(words, status.key == "success")


def _clock(when: datetime | None) -> str:
    return when.strftime("%H:%M:%S UTC") if when is not None else "a moment ago"


def _missing_panel(client: QuayClient, target: RepoTarget, now: datetime) -> dict[str, Any]:
    missing = why_missing(client, target)
    return panel_context(
        target, now, mirror=None, error=missing.words(target), missing=missing.kind
    )


def poll(
    client: QuayClient,
    target: RepoTarget,
    now: datetime,
    state: PollState,
    person: Person | None = None,
) -> dict[str, Any]:
    """One poll of a panel on the page: the config, and the log only when it tells more
    (the sync just ended: its result; a queued sync's start is not known yet). One call
    usually; a failed read keeps the panel as it was, marked stale (``stale``). Never a
    cached answer: a live status is what Quay says now -- but for a slow look at a mirror
    of a watched namespace that the fleet index, current, shows as the page does
    (:func:`from_index`): no call, whatever the number of people looking."""
    indexed = from_index(person, target, now, state) if person is not None else None
    if indexed is not None:
        context = panel_context(
            target, now, mirror=indexed, previous_label=state.was, carried=state
        )
        if context["status"] is not None and context["status"].label == state.was:
            return context
    client = fresh(client)
    try:
        mirror = target.read_config(client)
    except QuayUnauthorized:
        raise
    except QuayNotFound:
        return _missing_panel(client, target, now)
    except QuayError as error:
        context = panel_context(
            target,
            now,
            mirror=None,
            error=f"Could not refresh the status: {error.message} Trying again…",
            previous_label=state.was,
            keep_polling=True,
            as_of=state.at,
            read_only=state.read_only,
        )
        # The panel on the page stays as it was (status, times, buttons), marked stale.
        context.update(stale=True, stale_reason=error.message, as_of=state.at)
        return context
    ended = not mirror.sync_status.is_active and state.was in ACTIVE_LABELS
    unknown_queue = (
        mirror.sync_status is SyncStatus.SYNC_NOW
        and state.queued is None
        and not state.queue_checked
    )
    press_over = state.pressed is not None and not mirror.sync_status.is_active
    wanted = ended or unknown_queue or press_over
    logs = quietly(target.read_logs, client) if wanted else None
    return panel_context(
        target,
        now,
        mirror=mirror,
        logs=logs,
        queued_since=state.queued,
        previous_label=state.was,
        read_only=state.read_only,
        carried=state,
    )


def from_index(
    person: Person, target: RepoTarget, now: datetime, state: PollState
) -> MirrorConfig | None:
    """The mirror's config as the fleet index holds it, for a slow look (nothing running,
    pressed or watched at the page's pace) by someone the index shows its settings to,
    when the namespace's index is current (polled within two watch intervals, its config
    not marked to be read again) and nothing runs there; else ``None`` (ask Quay). A status
    other than the page's is asked of Quay all the same (:func:`poll`)."""
    if state.pressed is not None or state.read_only or state.via_health:
        return None
    if state.was in ACTIVE_LABELS or (state.watch is not None and state.watch > now):
        return None
    mirror = current_config(person, target.namespace, Mirror.Kind.REPOSITORY, target.name, now)
    if mirror is None:
        return None
    config = MirrorConfig.from_api(mirror.config)
    status = read_enum(SyncStatus, mirror.sync_status, config.sync_status)
    retries = mirror.retries_remaining
    config = replace(
        config,
        sync_status=status,
        sync_retries_remaining=config.sync_retries_remaining if retries is None else retries,
    )
    return None if status.is_active else config


def first_look(client: QuayClient, target: RepoTarget, now: datetime) -> dict[str, Any]:
    """The panel shown on its own (no poll state yet): the config and the log at once."""
    got_mirror, got_logs = parallel(
        lambda: target.read_config(client), lambda: target.read_logs(client)
    )
    for outcome in (got_mirror, got_logs):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    if isinstance(got_mirror.error, QuayNotFound):
        return _missing_panel(client, target, now)
    if got_mirror.error is not None:
        return panel_context(
            target,
            now,
            mirror=None,
            error=f"Could not read the status from Quay: {got_mirror.error.message}",
        )
    return panel_context(
        target, now, mirror=got_mirror.value, logs=got_logs.value if got_logs.ok else None
    )


def after_action(
    client: QuayClient,
    target: RepoTarget,
    now: datetime,
    result: ActionResult,
    pressed: bool,
    carried: PollState,
) -> dict[str, Any]:
    """The panel after a press: from the config the press read (no call more), or read now
    when the press could not (its failure is what the panel says). ``pressed``: a Sync now
    Quay took (its run is followed); ``carried``: what the press's form carried (the status
    it showed, whether the settings form shows the box about a running sync)."""
    mirror, error, missing = result.mirror, None, None
    if result.outcome in ("no_config", "no_repo"):
        missing = result.outcome  # the result says it all; nothing to show a status of
    elif mirror is None:  # the action failed before reading: show the status as it is
        try:
            mirror = target.read_config(client)
        except QuayUnauthorized:
            raise
        except QuayError as failure:
            error = f"Could not read the status: {failure.message}"
    logs = None
    if pressed and mirror is not None and not mirror.sync_status.is_active:
        # Its run already started and ended (a source that fails at once): how it ended.
        logs = quietly(target.read_logs, client)
    return panel_context(
        target,
        now,
        mirror=mirror,
        logs=logs,
        queued_since=now if pressed and logs is None else None,
        error=error,
        missing=missing,
        keep_polling=result.ok,
        action_result=result,
        carried=PollState(pressed=now if pressed else None, box=carried.box),
    )
