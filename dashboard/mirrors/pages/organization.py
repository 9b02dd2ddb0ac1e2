"""The organization mirror page: its status (from the counts, not the config's discovery
status), the discovered repositories (status filter, search, paging), and what to say when
there is no config.

A look costs 2 calls (the config and the repositories, up to 500 a call), plus one page of
the organization's log when the live part alone shows a failed repository whose reason is
only there (the whole page reads it with its history); when Quay has no config, Quay's
anonymous feature list (kept 10 minutes) and the organization's repository listing (to tell
an empty organization, which may get one, from the rest). Without ``FEATURE_ORG_MIRROR`` (or
when Quay does not say it has it) a 404 shows no organization-mirror control at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings

from dashboard.mirrors.forms.base import data_from_pending
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.operations import settle
from dashboard.mirrors.pages import org_history
from dashboard.mirrors.pages.editor import REPOSITORY_FILTERS, focus_after, rows_after
from dashboard.mirrors.pages.live import Look, Timing, announcement, follow
from dashboard.mirrors.pages.mirror import RESTORED, MirrorPage, confirm, recent_changes
from dashboard.mirrors.pages.org_form import discovered_names, filters_context, org_form_context
from dashboard.mirrors.person import ORG_ADMIN, Person
from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.org_status import (
    DELETE_WARNING,
    ORG_CANCEL_WARNING,
    VERIFY_WHAT,
    counts_words,
)
from dashboard.mirrors.rules.poll import PollState, PressOutcome
from dashboard.mirrors.rules.reasons import Reason
from dashboard.mirrors.rules.refusals import refused_because
from dashboard.quay.cache import for_poll
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayForbidden, QuayNotFound, QuayUnauthorized
from dashboard.quay.fanout import parallel, quietly
from dashboard.quay.models import SyncStatus
from dashboard.quay.org_models import OrgMirrorConfig, OrgMirrorRepo, OrgRepoStatus
from dashboard.watch.models import Mirror
from dashboard.watch.visible import current_config

#: Discovered repositories shown a page (as Quay's own tab).
PER_PAGE = 20
STATUS_CHOICES = [(status.value, status.label) for status in OrgRepoStatus]


@dataclass(frozen=True)
class RepoQuery:
    """The discovered-repositories table's filter, search and page (from the query string)."""

    status: OrgRepoStatus | None = None
    search: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Any) -> RepoQuery:
        try:
            status = OrgRepoStatus(query.get("status", "")) if query.get("status") else None
        except ValueError:
            status = None
        try:
            page = max(1, int(query.get("page") or 1))
        except ValueError:
            page = 1
        return cls(status, (query.get("q") or "").strip()[:128], page)

    def params(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "status": self.status.value if self.status else "",
            "q": self.search,
            "page": self.page,
        }
        values.update(changes)
        kept = {k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("page", 1)}
        return urlencode(kept)


@dataclass(frozen=True)
class RepoLine:
    """A discovered repository as its table row shows it: for a failed one, why."""

    repo: OrgMirrorRepo
    reason: Reason | None = None


@dataclass
class RepoTable:
    rows: list[OrgMirrorRepo] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    error: str = ""
    #: Every discovered repository's name (read when no status filter was asked for).
    names: list[str] | None = None
    #: The failed repositories' reasons read from Quay's log, by name.
    reasons: dict[str, Reason] = field(default_factory=dict)

    @property
    def lines(self) -> list[RepoLine]:
        """The rows with their reasons: a failed repository's from its log entry, else from
        its status message."""
        return [RepoLine(repo, self._reason(repo)) for repo in self.rows]

    def _reason(self, repo: OrgMirrorRepo) -> Reason | None:
        if repo.sync_status is not OrgRepoStatus.FAIL:
            return None
        found = self.reasons.get(repo.name)
        if found is None and repo.status_message:
            found = reasons.of_status_message(repo.status_message)
        return found

    @property
    def wants_log(self) -> bool:
        """A failed repository shown whose status message leaves its reason to the log."""
        return any(
            repo.sync_status is OrgRepoStatus.FAIL and reasons.in_log(repo.status_message)
            for repo in self.rows
        )

    @property
    def first(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PER_PAGE, self.total)


def repo_table(client: QuayClient, org: str, query: RepoQuery) -> RepoTable:
    """The discovered repositories matching the query, one page of them (Quay filters by
    status; the search is over names, here)."""
    try:
        repos = client.all_org_mirror_repositories(org, status=query.status)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return RepoTable(error=f"The discovered repositories could not be read: {error.message}")
    names = [repo.name for repo in repos if repo.name] if query.status is None else None
    if query.search:
        needle = query.search.lower()
        repos = [repo for repo in repos if needle in repo.name.lower()]
    pages = max(1, -(-len(repos) // PER_PAGE))
    page = min(query.page, pages)
    start = (page - 1) * PER_PAGE
    return RepoTable(repos[start : start + PER_PAGE], len(repos), page, pages, names=names)


def refused_words(org: str, person: Person | None) -> str:
    """Quay's 403 on reading an organization mirror in words (as known: the scope, the
    rights, or either)."""
    unknown = (
        f"Quay shows the organization mirror of {org} only to its admins, signed in with a "
        f"token that carries the {ORG_ADMIN} scope."
    )
    if person is None:
        return unknown
    return refused_because(person, OrgTarget(org), "read", ORG_ADMIN, unknown)


def _missing(
    client: QuayClient, org: str, error: QuayError, person: Person | None
) -> dict[str, Any]:
    """What the page says when Quay shows no config (404) or refuses (403): first whether
    ``org`` is an organization at all (Quay answers a user's namespace 404 or 403 too; one
    call, none for the person's own), then why one cannot be set up, or the set-up form."""
    if not isinstance(error, QuayForbidden | QuayNotFound):
        return {"page_error": f"Quay could not be read for {org}: {error.message}"}
    refused = isinstance(error, QuayForbidden)
    mine = person is not None and org == person.username
    got_org, got_repos = parallel(
        (lambda: None) if mine else (lambda: client.get_organization(org)),
        (lambda: None) if mine or refused else (lambda: client.list_repositories(org)),
    )
    for outcome in (got_org, got_repos):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    if mine or isinstance(got_org.error, QuayNotFound):
        return {
            "missing": "not_org",
            "missing_words": (
                f"{_not_org(org, mine)}: Quay sets up an organization mirror only in an "
                "organization. A user's repositories can each have a repository mirror."
            ),
        }
    if refused:
        return {"page_error": refused_words(org, person)}
    enabled = client.org_mirroring_enabled()
    if not enabled:
        why = (
            "this Quay runs without organization mirroring (FEATURE_ORG_MIRROR is off)"
            if enabled is False
            else "Quay has no organization mirror for it"
        )
        return {"missing": "feature", "missing_words": f"{org} has no organization mirror: {why}."}
    repos = got_repos.value
    if repos is None:
        return {"missing": "unknown", "missing_words": f"{org} has no organization mirror."}
    if repos:
        return {
            "missing": "not_empty",
            "missing_words": (
                f"{org} has no organization mirror, and it has {len(repos)} "
                f"repositor{'y' if len(repos) == 1 else 'ies'}: Quay sets up an organization "
                "mirror only in an empty organization."
            ),
        }
    return {
        "missing": "setup",
        "missing_words": f"{org} is empty and has no organization mirror yet.",
    }


def _not_org(org: str, mine: bool) -> str:
    """That ``org`` is no organization, in words (``mine``: the person's own namespace)."""
    if mine:
        return f"{org} is your own user namespace, not an organization"
    return f"Quay has no organization named {org} (a user's namespace is not one)"


def _no_organization(client: QuayClient, org: str) -> bool:
    """Whether Quay says ``org`` is no organization (404); any other failure: not known."""
    try:
        client.get_organization(org)
    except QuayNotFound:
        return True
    except QuayUnauthorized:
        raise
    except QuayError:
        pass
    return False


def delete_question(client: QuayClient, person: Person, target: OrgTarget) -> MirrorPage:
    """Delete's question without JavaScript, asked only where there may be something to
    delete: one read of the config (and, when Quay shows none, of the organization, to say
    why; no call for the person's own namespace, never an organization). No organization,
    or no organization mirror: a 404 that says so, with no Delete button. Any other failure
    (a refusal, Quay down) asks anyway, with a note: Quay answers the Delete itself."""
    org, mine = target.org, target.org == person.username
    built = confirm(target, "delete", target.url("page"))
    nothing = f"{_not_org(org, mine)}, so it has no organization mirror to delete."
    try:
        if not mine:
            target.read_config(client)
            return built
    except QuayUnauthorized:
        raise
    except QuayError as error:
        failed: QuayError = error
        if isinstance(failed, QuayNotFound) and not _no_organization(client, org):
            nothing = f"{org} has no organization mirror: there is nothing to delete."
        elif not isinstance(failed, QuayForbidden) or not _no_organization(client, org):
            nothing = ""
    if nothing:
        return MirrorPage(built.template, {**built.context, "nothing": nothing}, status=404)
    note = (
        refused_words(org, person)
        if isinstance(failed, QuayForbidden)
        else f"Quay could not be read for {org}: {failed.message}"
    )
    built.context["note"] = f"{note} Quay answers the Delete itself, and says what it did."
    return built


def seen_digest(config: OrgMirrorConfig) -> str:
    """A digest of everything the config says (status, counts, schedule, settings)."""
    return hashlib.sha1(repr(config).encode(), usedforsecurity=False).hexdigest()[:12]


def _unchanged(ask: Look, carried: PollState) -> tuple[bool, OrgMirrorConfig | None]:
    """A slow look (its URL carries ``seen``) that finds the config as it was and nothing
    due: the live part need not be drawn again, nor the repositories read (1 call, not 2;
    none where the fleet index holds the config as it was, current, for someone it shows
    the settings to). Anything else (a change, a run coming due) draws the part as usual
    from the config read here (the second element); Quay not answering, as a poll that
    reads it itself does."""
    if carried.seen is None:
        return False, None
    target: OrgTarget = ask.target  # type: ignore[assignment]
    now = ask.now
    indexed = current_config(ask.person, target.org, Mirror.Kind.ORGANIZATION, "", now)
    if indexed is not None:
        config = OrgMirrorConfig.from_api(indexed.config)
        if seen_digest(config) == carried.seen:
            paced, _ = follow(target, config, target.describe(config, now), now, carried)
            if not paced.fast:
                return True, None
    config = quietly(target.read_config, for_poll(ask.client, settings.STATUS_POLL_SECONDS))
    if config is None or seen_digest(config) != carried.seen:
        return False, config
    paced, _ = follow(target, config, target.describe(config, now), now, carried)
    return not paced.fast, config


def _discovery_failed(client: QuayClient, org: str, outcome: PressOutcome) -> PressOutcome:
    """The outcome of a pressed run whose discovery failed, with Quay's reason: the
    organization's newest ``org_mirror_sync_failed`` entry for the mirror itself (not one of
    its repositories) after the newest Sync now (one page of the log, read once: the press's
    run is over). Unreadable, or not there: the outcome as it was."""
    entries = quietly(lambda: client.list_org_mirror_logs(org, pages=1)) or []
    for entry in entries:  # newest first
        if entry.kind == "org_mirror_sync_now_requested":
            break
        message = entry.metadata.get("message")
        if entry.kind == "org_mirror_sync_failed" and not entry.metadata.get("repo") and message:
            when = entry.datetime.strftime("%H:%M:%S UTC") if entry.datetime else "a moment ago"
            words = f"Your Sync now ran and its discovery failed at {when}: {message}."
            # What Quay does next (its retries, the next run) moves on while this box stays:
            # the live status below says it, and stays current.
            return PressOutcome(f"{words} What Quay does next: in the status below.", False)
    return outcome


# -- the page, its live part, its editor (what the shared flows ask of this kind) -----------

TEMPLATE = "mirrors/org_mirror.html"
#: The live part: what its polls, its presses and its table's filter answer (its URL is the
#: page's: a browser without htmx gets the whole page).
LIVE = LIVE_PAGE = f"{TEMPLATE}#live"


def timing(config: OrgMirrorConfig, now: datetime) -> Timing:
    """An organization mirror's runs (``pages.live.follow``): one is due at the next start
    date; failed repositories are retried at the worker's next pass (~30 s) while they have
    retries left (Quay does not say how many: watched for a while from the first sight); a
    run is over once discovery is neither queued nor running nor waiting for a cancel, and
    no repository is queued or syncing."""
    over = (
        config.sync_status not in (SyncStatus.SYNC_NOW, SyncStatus.SYNCING, SyncStatus.CANCEL)
        and not config.repos_active
    )
    scheduled = config.is_enabled and config.sync_retries_remaining > 0
    retrying = bool(config.is_enabled and config.count(OrgRepoStatus.FAIL))
    return Timing(config.sync_start_date if scheduled else None, retrying, over)


def look(ask: Look) -> dict[str, Any] | None:
    """The live part's context (``pages.live``); ``None`` for a slow poll that finds
    nothing changed (:func:`_unchanged`)."""
    known = None
    if ask.poll and ask.htmx:
        unchanged, known = _unchanged(ask, PollState.from_query(ask.query))
        if unchanged:
            return None
    return _live_context(ask, known=known)


def _live_context(
    ask: Look, *, log_reasons: bool = True, known: OrgMirrorConfig | None = None
) -> dict[str, Any]:
    """The live part's context: config, status, counts and the repositories table (the
    config and the repositories at once; ``known``: the config, just read). A poll reads
    through ``for_poll`` (an answer younger than the interval may be shared by two tabs); a
    page look through the read cache; after a press Sync now Quay took (``ask.pressed``),
    its run is followed until it is over.

    While the settings form shows the "a sync is running" box (``sync_box``), the live
    part's poll URL and presses carry ``box=1``: the first answer that finds the sync over
    lifts the box (``sync_ended``). A failed repository whose status message leaves its
    reason to Quay's log ("…: See output") gets it from the newest page of the
    organization's log: one call more, only when the table shows such a repository
    (``log_reasons``; the whole page takes them from the history it reads anyway)."""
    target: OrgTarget = ask.target  # type: ignore[assignment]
    client, now, query, poll = ask.client, ask.now, ask.query, ask.poll
    org, repo_query = target.org, RepoQuery.from_query(query)
    reader = for_poll(client, settings.STATUS_POLL_SECONDS) if poll else client
    got_config, got_table = parallel(
        lambda: known if known is not None else target.read_config(reader),
        lambda: repo_table(reader, org, repo_query),
    )
    for outcome in (got_config, got_table):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    context: dict[str, Any] = {
        "org": org,
        "now": now,
        "query": repo_query,
        "status_choices": STATUS_CHOICES,
        "cancel_warning": ORG_CANCEL_WARNING,
        "delete_warning": DELETE_WARNING,
        "verify_what": VERIFY_WHAT,
        "page_url": target.url("page"),
        "pace": None,
        "press_outcome": None,
        "may_change": ask.person.may_change_org(org),
    }
    if not poll:  # what an instance that went away mid-call left pending, settled
        missing = isinstance(got_config.error, QuayNotFound)
        settle.settle(target, got_config.value, now, readable=got_config.error is None or missing)
    if got_config.error is not None:
        if poll:
            return {**context, "stale": True, "stale_reason": got_config.error.message}
        context.update(_missing(client, org, got_config.error, ask.person))
    carried = PollState.from_query(query) if ask.pressed is None else PollState(pressed=ask.pressed)
    config, table = got_config.value, got_table.value
    if config is not None:
        status = target.describe(config, now)
        shown = PollState.from_query(query).was if poll else None
        context["announce"] = announcement(target, status, shown, ask.result is not None)
        if log_reasons and table is not None and table.wants_log:
            table.reasons = org_history.read_reasons(reader, org)
        paced, outcome = follow(target, config, status, now, carried)
        if outcome is not None and config.sync_status is SyncStatus.FAIL:
            outcome = _discovery_failed(client, org, outcome)
        carried = paced.state
        context.update(
            config=config,
            status=status,
            counts_words=counts_words(config),
            counts=[
                (s, config.count(s), repo_query.params(status=s.value, page=1))
                for s in OrgRepoStatus
                if config.count(s)
            ],
            table=table,
            names=table.names if table else None,
            prev_params=repo_query.params(page=max(1, repo_query.page - 1)),
            next_params=repo_query.params(page=repo_query.page + 1),
            pace=paced,
            press_outcome=outcome,
        )
    context["polling"] = context["pace"] is not None
    warning = target.sync_warning(config, now) if config is not None else None
    running = warning is not None and not warning.stuck
    box = query.get("box") == "1" and context["may_change"]
    context["sync_ended"] = ask.htmx and box and config is not None and not running
    slow = config is not None and not context["pace"].fast
    context["poll_state"] = replace(carried, seen=seen_digest(config) if slow else None)
    _mark_box(context, target, repo_query, box and running)
    return context


def _mark_box(context: dict[str, Any], target: OrgTarget, query: RepoQuery, box: bool) -> None:
    """Whether the settings form shows the box (``sync_box``), and the poll URL that says so
    (with what the poll carries: ``watch``, ``pressed``, the status shown)."""
    context["sync_box"] = box
    carried = replace(context.get("poll_state") or PollState(), box=box)
    context["poll_state"] = carried
    context["poll_url"] = f"{target.url('page')}?{query.params(poll=1, **carried.fields())}"


def page(
    client: QuayClient,
    person: Person,
    target: OrgTarget,
    now: datetime,
    *,
    query: Mapping[str, Any],
    form: Any = None,
    extra: Mapping[str, Any] | None = None,
    pending: Any = None,
    edit: tuple[Any, str] | None = None,
) -> MirrorPage:
    """The whole page: the live part, the settings form (bound when it comes back with
    Quay's refusals or the person's mistakes, with what was being submitted before a new
    sign-in (``pending``), or with a filter row added or removed without JavaScript:
    ``edit``, the form as posted and the editor's action; the keyboard focus then goes to the
    row that took the removed one's place), the history, the audit entries; ``extra``: what
    a save asked to confirm, a conflict's rows."""
    org = target.org
    look = Look(client, person, target, now, query, htmx=False)
    context = _live_context(look, log_reasons=False)
    config = context.get("config")
    if not context.get("page_error") and context.get("missing") != "not_org":
        # Quay's UI has an organization-mirroring tab only where the feature is on.
        robot = config.robot_username if config is not None else ""
        mirroring = context.get("missing") != "feature"
        context["quay_links"] = target.quay_links(robot, True, mirroring=mirroring)
    said: list[tuple[str, str]] = []
    focus = None
    if edit is not None:
        posted, action = edit
        bound = rows_after(posted, action, REPOSITORY_FILTERS)
        form = target.settings_form(bound, config, now)
        form.suppress_errors()
        focus = focus_after(action, bound.getlist(REPOSITORY_FILTERS.field))
    drawn = config is not None or context.get("missing") == "setup"
    if form is None and pending and drawn and context.get("may_change"):
        form = target.settings_form(data_from_pending(pending), config, now)
        form.is_valid()
        said.append(("info", RESTORED))
    calls: list[Callable[[], None]] = []
    if config is not None or context.get("missing") == "setup" or form is not None:
        names = context.get("names")  # (a form sent back unread: what was typed is kept)
        calls.append(
            lambda: context.update(org_form_context(client, org, config, names, form, focus, now))
        )
    if config is not None:

        def read_history() -> None:
            start = str(query.get("history") or "")
            found = org_history.history(client, org, config, start)
            context.update(history=found.events, history_error=found.error, history_page=found)

        calls.append(read_history)
    parallel(*calls)  # the robots and the history at once: each says its own failure
    newest = "history_page" in context and not context["history_page"].start
    if context.get("table") is not None and newest:  # the failed repositories' reasons
        context["table"].reasons = org_history.repository_reasons(context.get("history"))
    context.update(extra or {})
    if context.get("syncing") or context.get("confirm_sync"):  # the form shows the box
        _mark_box(context, target, RepoQuery.from_query(query), True)
    context["audit"] = recent_changes(target, True, now)
    return MirrorPage(TEMPLATE, context, messages=said)


def editor(client: QuayClient, target: OrgTarget, posted: Any, action: str = "") -> dict[str, Any]:
    """The filter editor for its rows as posted (after ``action``: a row added or removed,
    the keyboard focus on the new row or the one that took the removed one's place), each
    row's checks and the preview against the names discovered so far (as Quay last listed
    them; none yet for a mirror being set up)."""
    field_name = REPOSITORY_FILTERS.field
    rows = (rows_after(posted, action, REPOSITORY_FILTERS) if action else posted).getlist(
        field_name
    )
    focus = focus_after(action, rows) if action else None
    names = [] if posted.get("mode") == "create" else discovered_names(client, target.org)
    return filters_context(target.org, rows, names, focus=focus)
