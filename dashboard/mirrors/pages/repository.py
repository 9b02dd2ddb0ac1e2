"""Everything the repository page shows: status, settings (readable and as the edit form),
history from Quay's log, and the changes made through this dashboard.

The page's independent upstream calls (repository, mirror config, log, tags, robots) run in
parallel, so the page costs about one round trip to Quay, not five. Each failed call is a
message in its own part of the page; a 401 propagates (the person signs in again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from dashboard.mirrors.forms.base import SettingsForm, data_from_pending
from dashboard.mirrors.forms.repository import MirrorSettingsForm
from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.operations import settle
from dashboard.mirrors.pages.audit import can_read_config
from dashboard.mirrors.pages.editor import (
    TAG_RULE,
    focus_after,
    focus_on,
    rows_after,
    rules_context,
    sign_editor_tags,
    tag_editor,
)
from dashboard.mirrors.pages.editor import editor as tag_rule_editor
from dashboard.mirrors.pages.live import (
    Look,
    Timing,
    after_action,
    first_look,
    panel_context,
    poll,
)
from dashboard.mirrors.pages.mirror import RESTORED, MirrorPage, recent_changes
from dashboard.mirrors.person import Person
from dashboard.mirrors.rules import history, reasons
from dashboard.mirrors.rules.poll import PollState
from dashboard.mirrors.rules.status import (
    REPO_SYNC_RUNNING,
    REPO_SYNC_STUCK,
    RETRY_SOON,
    describe_health,
)
from dashboard.mirrors.rules.timefmt import ago
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayForbidden, QuayNotFound
from dashboard.quay.fanout import Outcome, parallel, quietly
from dashboard.quay.models import (
    HealthEntry,
    LogEntry,
    MirrorConfig,
    RegistryCapabilities,
    Repository,
    SyncStatus,
)
from dashboard.quay.org_models import OrgMirrorRepo, OrgRepoStatus

HISTORY_LENGTH = 25
#: How far back the history reaches (Quay's logs API covers the last 7 days by default).
LOG_DAYS = 7
#: At most this many pages of Quay's log (20 entries each) are read for the history.
LOG_PAGES = 5
#: One per tag mirrored: left out of the history (the sync's own result lists the tags).
TAG_EVENTS = frozenset({"repo_mirror_sync_tag_success"})


@dataclass
class PageData:
    """What Quay said for one repository page (each part a value or the reason it is missing)."""

    target: RepoTarget
    #: The request's one "now" (the form's defaults are drawn from it).
    now: datetime
    repository: Outcome[int, Repository]
    mirror: Outcome[int, MirrorConfig]
    logs: Outcome[int, list[LogEntry]]
    tags: Outcome[int, list[Any]]
    robots: Outcome[int, list[Any]]
    #: What Quay says about architecture filters (kept per Quay: usually no call at all).
    capabilities: Outcome[int, RegistryCapabilities] | None = None
    health: HealthEntry | None = None
    notes: list[str] = field(default_factory=list)
    #: Who is looking (what their token is known to carry: see ``Person``).
    person: Person | None = None
    #: An ``ORG_MIRROR`` repository's row in its organization mirror (its admins only).
    org_repo: OrgMirrorRepo | None = None
    #: Its last failure's reason, from its ``org_mirror_sync_failed`` entry in the log the page
    #: reads anyway (its status message says only "…: See output").
    org_reason: reasons.Reason | None = None

    @property
    def namespace(self) -> str:
        return self.target.namespace

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def config(self) -> MirrorConfig | None:
        return self.mirror.value if self.mirror.ok else None

    @property
    def tag_names(self) -> list[str] | None:
        return [t.name for t in self.tags.value or []] if self.tags.ok else None

    @property
    def robot_names(self) -> list[str] | None:
        return [r.name for r in self.robots.value or []] if self.robots.ok else None

    @property
    def robots_error(self) -> str:
        error = self.robots.error
        if error is None:
            return ""
        if isinstance(error, QuayForbidden):
            scope = error.scope or "org:admin"
            return (
                f"The robot list needs admin rights on {self.namespace} and the {scope} scope, "
                f"which this sign-in lacks: type the robot's full name "
                f"({self.namespace}+name)."
            )
        return f"The robot list could not be read ({error.message}): type the robot's full name."

    @property
    def config_readable(self) -> bool:
        """Quay shows this person the config (or has none to show): a form can be offered."""
        return can_read_config(self.mirror)

    @property
    def last_sync(self) -> history.LastSync | None:
        return history.last_synced_tags(self.logs.value)


def is_history_event(entry: LogEntry) -> bool:
    return entry.kind not in TAG_EVENTS


def load(client: QuayClient, person: Person, target: RepoTarget, now: datetime) -> PageData:
    """Every independent call of the page at once (five with the person's token; Quay's
    registry capabilities, anonymous and kept for minutes; the namespace's mirror health for
    someone Quay refuses the config or the repository)."""
    namespace, name = target.namespace, target.name
    repository, mirror, logs, tags, robots, capabilities = parallel(
        lambda: target.read_repository(client),
        lambda: target.read_config(client),
        lambda: target.read_logs(
            client,
            starttime=now - timedelta(days=LOG_DAYS),
            want=HISTORY_LENGTH,
            counted=_counted,
            max_pages=LOG_PAGES,
            mirror_only=False,  # an organization mirror's entries too: see _org_failure
        ),
        lambda: client.list_tags(namespace, name),
        lambda: client.list_robots(namespace, person.username),
        client.get_registry_capabilities,
    )
    every = logs.value or []
    if logs.value is not None:  # the repository mirror's own entries, as the page shows them
        logs = replace(logs, value=[e for e in every if e.is_mirror_event])
    data = PageData(target, now, repository, mirror, logs, tags, robots, capabilities)
    data.person = person
    # What an instance that went away mid-call left pending is settled from what Quay holds.
    readable = mirror.error is None or isinstance(mirror.error, QuayNotFound)
    settle.settle(target, mirror.value, now, readable=readable)
    if isinstance(mirror.error, QuayForbidden) or isinstance(repository.error, QuayForbidden):
        data.health = _health_entry(client, target)
    if repository.value is not None and repository.value.is_org_mirror:
        data.org_repo = _org_repo(client, target)
        data.org_reason = _org_failure(data.org_repo, every)
    return data


def _counted(entry: LogEntry) -> bool:
    """An entry the history shows (what the log is read for, page after page)."""
    return entry.is_mirror_event and is_history_event(entry)


def _org_failure(repo: OrgMirrorRepo | None, entries: list[LogEntry]) -> reasons.Reason | None:
    """Why the organization mirror's last sync of this repository failed, when its status
    message leaves it to the log and the log read has its entry (newest first)."""
    if repo is None or repo.sync_status is not OrgRepoStatus.FAIL:
        return None
    if not reasons.in_log(repo.status_message):
        return None
    failed = next((e for e in entries if e.kind == "org_mirror_sync_failed"), None)
    return reasons.of_entry(failed.metadata) if failed is not None else None


def _org_repo(client: QuayClient, target: RepoTarget) -> OrgMirrorRepo | None:
    """The repository's row in its organization mirror (one call; none when unreadable)."""
    repos = quietly(client.all_org_mirror_repositories, target.namespace) or ()
    return next((repo for repo in repos if repo.name == target.name and not repo.unreadable), None)


def _health_entry(client: QuayClient, target: RepoTarget) -> HealthEntry | None:
    """The repository's row of the namespace's mirror health (readable by members)."""
    health = quietly(client.get_mirror_health, target.namespace)
    for entry in health.details if health is not None else ():
        if entry.repository == target.name and entry.namespace in (target.namespace, ""):
            return None if entry.unreadable else entry
    return None


def build_form(
    data: PageData,
    *,
    bound: Any = None,
    initial: dict[str, Any] | None = None,
    creating: bool | None = None,
) -> MirrorSettingsForm:
    """The settings form for this page: loaded with the config (or a new mirror's defaults),
    with the robots to choose from and what Quay says of architecture filters."""
    capabilities = data.capabilities
    return data.target.settings_form(
        bound,
        data.config,
        data.now,
        robots=data.robot_names,
        robots_error=data.robots_error,
        capabilities=capabilities.value if capabilities and capabilities.ok else None,
        initial=initial,
        creating=creating,
    )


def redrawn(saved: SettingsForm, full: SettingsForm) -> SettingsForm:
    """A form a save sent back (drawn with nothing read but the config), drawn again as the
    page draws it (``full``, bound to the same data: the robots to choose from, …), with the
    save's errors and Quay's refusals kept."""
    if not saved.errors and not saved.is_bound:
        return full
    full.is_valid()
    for name, errors in saved.errors.items():
        shown = full.errors.get(name, [])
        for error in errors:
            if error not in shown:
                full.add_error(name if name != "__all__" and name in full.fields else None, error)
    return full


def _mirror_error(data: PageData) -> str:
    error = data.mirror.error
    if isinstance(data.repository.error, QuayForbidden):
        return (
            f"Quay does not let you see {data.target} itself: you have no rights "
            f"on the repository, so its settings, tags and history are hidden from you. Its "
            f"status above is from the mirror health report of {data.namespace}, which you can "
            f"read as a member; ask an admin of {data.namespace} for access or to change it."
        )
    if isinstance(error, QuayForbidden):
        person = data.person
        why = person.refused_for_scope(data.namespace) if person is not None else None
        if why is True:
            return (
                "Your sign-in lacks the repo:admin scope, so Quay shows you neither this "
                "mirror's settings nor its history, and refuses Sync now and Cancel. What you "
                "can see is below; sign in again with a token that carries repo:admin to do "
                "more."
            )
        if why is None:
            return (
                "Quay does not show you this mirror's settings or history: you have no admin "
                "rights on this repository, or your access token lacks the repo:admin scope. "
                f"What you can see is below; ask an admin of {data.namespace} to change the "
                "mirror, or sign in with a token that carries repo:admin."
            )
        return (
            "You have no admin rights on this repository, so Quay does not show its mirror "
            "settings or history to you. What you can see is below; ask an admin of "
            f"{data.namespace} to change the mirror."
        )
    return f"The mirror settings could not be read: {error.message}" if error else ""


def _history(data: PageData, now: datetime) -> list[dict[str, Any]]:
    """The latest mirror events; each tag mirrored is left out (the sync's result lists them)."""
    log = data.logs.value or []
    entries = [e for e in log if is_history_event(e)]
    return [
        {**asdict(item), "ago": ago(item.when, now)}
        for item in (history.describe_log(e, log) for e in entries[:HISTORY_LENGTH])
    ]


def _history_note(config: MirrorConfig | None, history: list[dict[str, Any]]) -> str:
    """What the history cannot show: Quay's log reaches back only ``LOG_DAYS`` days."""
    if not history:
        return f"No mirror events in the last {LOG_DAYS} days (Quay's log reaches back no further)."
    if config is not None and config.sync_interval and config.sync_interval > LOG_DAYS * 86400:
        return (
            f"This mirror syncs less often than every {LOG_DAYS} days, and Quay's log reaches "
            f"back only {LOG_DAYS} days: older syncs are not shown."
        )
    return ""


def _tags_error(tags: Outcome[int, Any]) -> str:
    return (
        f"The repository's current tags could not be read: {tags.error.message}"
        if tags.error
        else ""
    )


def _page_error(data: PageData) -> tuple[str, int]:
    """Why the page cannot show this repository at all ("" when it can), and the status."""
    repo_error = data.repository.error
    read_only_health = isinstance(repo_error, QuayForbidden) and data.health is not None
    if repo_error is None or data.mirror.ok or read_only_health:
        return "", 200
    target = data.target
    if isinstance(repo_error, QuayNotFound):
        return f"Quay has no repository {target}, or you are not allowed to see it.", 404
    if isinstance(repo_error, QuayForbidden):
        return f"Quay does not let you see {target}: you have no rights on it.", 403
    return f"Quay could not be read for {target}: {repo_error.message}", 200


def context_of(
    data: PageData,
    now: datetime,
    *,
    form: SettingsForm | None = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], int]:
    """The page's context from what :func:`load` read (and an optional bound form), with its
    HTTP status. A page Quay could not be read for says why; with a bound form (a save that
    failed because Quay could not be read) the form comes back with what was typed."""
    target = data.target
    context: dict[str, Any] = {
        "namespace": target.namespace,
        "name": target.name,
        "repository": data.repository.value,
        "now": now,
        "settings_url": target.url("settings"),
    }
    page_error, status = _page_error(data)
    if page_error:
        context["page_error"] = page_error
        if form is None or not form.is_bound:
            return context, status
        status = 200

    config = data.config
    repo = data.repository.value
    context["quay_links"] = target.quay_links(
        config.robot_username if config else "", _in_organization(data)
    )
    missing = None
    forbidden = isinstance(data.mirror.error, QuayForbidden)
    if repo is not None and repo.is_org_mirror:
        missing = "org_mirror"  # synced by its organization's mirror: nothing of its own
    elif config is None and repo is not None and not repo.is_mirror and not forbidden:
        missing = "normal"  # Quay answers 404 (or 400) for the config of a non-mirror repo
    elif config is None and isinstance(data.mirror.error, QuayNotFound):
        missing = "no_config"
    can_admin = repo.can_admin if repo is not None else None
    context.update(
        panel_context(
            target,
            now,
            mirror=config,
            logs=data.logs.value,
            missing=missing,
            read_only=can_admin is False,
        )
    )
    shown = context["status"]  # the mirror's status, as the panel says it
    #: A sync whose worker died (its lease ran out): saving cannot disturb it.
    dead_sync = bool(shown and shown.is_active and not shown.changes_by_itself)
    if form is None and (config is not None or missing == "no_config"):
        form = build_form(data)
    elif form is not None and form.is_bound and not getattr(form, "suppressed", False):
        form = redrawn(form, build_form(data, bound=form.data, creating=form.creating))
    rows = form.editor_rows() if form is not None else list(config.root_rule if config else [])
    history = _history(data, now) if data.logs.ok else None
    context.update(
        {
            "config": config,
            "can_admin": can_admin,
            "missing": missing,
            "mirror_error": "" if missing else _mirror_error(data),
            "health": data.health,
            "org_repo": data.org_repo,
            "org_reason": data.org_reason,
            "health_status": describe_health(data.health, now) if data.health else None,
            "tags": data.tag_names,
            "tags_error": _tags_error(data.tags),
            "history": history,
            "history_note": _history_note(config, history) if history is not None else "",
            "history_error": (
                f"The mirror history could not be read: {data.logs.error.message}"
                if data.logs.error and not forbidden
                else ""
            ),
            # Only to people Quay shows the repository itself (not to those who know of it
            # from mirror health alone).
            "audit": recent_changes(target, data.config_readable, now)
            if data.repository.ok
            else [],
            # Said whether or not there are any, so nothing is told by it.
            "audit_hidden": _audit_hidden(data),
            "form": form,
            "syncing": bool(config and config.sync_status.is_active) and not dead_sync,
            "stuck_sync": dead_sync,
            "sync_warning": REPO_SYNC_STUCK if dead_sync else REPO_SYNC_RUNNING,
            "creating": form.creating if form is not None else config is None,
            **rules_context(
                form,
                rows,
                data.tag_names,
                _tags_error(data.tags),
                last_sync=data.last_sync,
                saved_rule=config.root_rule if config else None,
            ),
            "editor": tag_editor(target.namespace, target.name),
            # The glob editor's tag lists, signed, so typing costs no Quay call (rule_editor).
            "editor_tags": sign_editor_tags(
                target.namespace, target.name, data.tag_names, data.last_sync
            ),
        }
    )
    if extra:
        context.update(extra)
    shows_box = context["syncing"] or context["stuck_sync"] or context.get("confirm_sync")
    if form is not None and can_admin is not False and shows_box:
        # The form shows the box about the sync: the panel's polls and presses say so.
        state = replace(context["poll_state"], box=True)
        context.update(poll_state=state, sync_box=True, poll_url=state.url(target))
    return context, status


def _in_organization(data: PageData) -> bool:
    """Whether the repository's namespace is an organization: as Quay says with the
    repository; not said, an organization unless it is the person's own namespace."""
    repo = data.repository.value
    if repo is not None and repo.is_organization is not None:
        return repo.is_organization
    return data.person is None or data.namespace != data.person.username


def _audit_hidden(data: PageData) -> str:
    """Why the changes made through the dashboard are not shown ("" when they are)."""
    error = data.repository.error
    if error is None:
        return ""
    if isinstance(error, (QuayForbidden, QuayNotFound)):
        return (
            "Not shown: Quay does not show you this repository itself, so what was changed "
            "here is not shown either."
        )
    return f"Not shown: the repository could not be read from Quay ({error.message})."


# -- the page, its live part, its editor (the functions every kind's page module has) -------

TEMPLATE = "mirrors/repo.html"
#: The status panel's body (what its polls and presses answer), and the panel alone as a page.
LIVE_PAGE = "mirrors/status.html"
LIVE = f"{LIVE_PAGE}#panel_body"


def page(
    client: QuayClient,
    person: Person,
    target: RepoTarget,
    now: datetime,
    *,
    query: Mapping[str, Any],
    form: SettingsForm | None = None,
    extra: Mapping[str, Any] | None = None,
    pending: Any = None,
    edit: tuple[Any, str] | None = None,
) -> MirrorPage:
    """The whole page (its five reads at once). ``form``: the settings form a save sent back
    (drawn again with what the page read); ``pending``: what was being submitted before a new
    sign-in (back in the form, checked as if posted, where Quay shows the config); ``edit``:
    the form as posted and an editor row added or removed without JavaScript (nothing sent)."""
    data = load(client, person, target, now)
    said: list[tuple[str, str]] = []
    extra = dict(extra or {})
    focus = None
    if edit is not None:
        posted, action = edit
        bound = rows_after(posted, action)
        form = build_form(data, bound=bound, creating=not bound.get("loaded"))
        form.suppress_errors()
        extra.update(focus_rules=True, creating=form.creating)
        focus = focus_after(action, bound.getlist(TAG_RULE.field))
    elif pending and data.config_readable:
        form = build_form(data, bound=data_from_pending(pending))
        form.is_valid()
        said.append(("info", RESTORED))
    context, status = context_of(data, now, form=form, extra=extra)
    focus_on(context, focus)
    return MirrorPage(TEMPLATE, context, status, messages=said)


def look(ask: Look) -> dict[str, Any]:
    """The status panel's context (``pages.live``): after a press, from the config the press
    read; a poll's (its state in the query); else a first look's."""
    target: RepoTarget = ask.target  # type: ignore[assignment]
    if ask.result is not None:
        carried = PollState.from_query(ask.query)
        return after_action(
            ask.client, target, ask.now, ask.result, ask.pressed is not None, carried
        )
    if ask.poll:
        return poll(ask.client, target, ask.now, PollState.from_query(ask.query), ask.person)
    return first_look(ask.client, target, ask.now)


def timing(mirror: MirrorConfig, now: datetime) -> Timing:
    """A repository mirror's runs (``pages.live.follow``): one is due at its start date,
    when the worker would take it (enabled, retries left, nothing running); a failure whose
    start date has come is retried at the worker's next pass (Quay keeps the start date)."""
    start = mirror.sync_start_date
    scheduled = (
        mirror.is_enabled
        and mirror.sync_retries_remaining > 0
        and start is not None
        and not mirror.sync_status.is_active
    )
    retrying = bool(
        scheduled and mirror.sync_status is SyncStatus.FAIL and start <= now + RETRY_SOON  # type: ignore[operator]
    )
    due = start if scheduled and not retrying else None
    return Timing(due, retrying, over=not mirror.sync_status.is_active)


def editor(client: QuayClient, target: RepoTarget, posted: Any, action: str = "") -> dict[str, Any]:
    """The tag rule's editor for its rows as posted (after ``action``: a row added or
    removed, the keyboard focus on the new row or the one that took the removed one's
    place): each row's checks and the preview against the tags the page carried (signed),
    or read again when it carried none."""
    rows = (rows_after(posted, action) if action else posted).getlist("root_rule")
    focus = focus_after(action, rows) if action else None
    return tag_rule_editor(client, target, posted, rows, focus)
