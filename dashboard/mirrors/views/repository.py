"""The repository page: status, settings (readable and as the edit form), history, audit.

``GET /repo/<ns>/<name>/``

The page's independent upstream calls (repository, mirror config, log, tags, robots) run in
parallel, so the page costs about one round trip to Quay, not five. Each failed call is a
message in its own part of the page; a 401 sends the person to sign in again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.accounts.reauth import quay_login_required, take_pending_submission
from dashboard.http import HtmxHttpRequest
from dashboard.quay.errors import QuayForbidden, QuayNotFound
from dashboard.quay.fanout import Outcome, parallel, quietly
from dashboard.quay.models import LogEntry, MirrorConfig, Repository

from .. import changes, globs
from ..forms import MirrorSettingsForm, data_from_pending
from ..models import URL_FIELDS, AuditEntry, redact_text, redact_url
from ..status import current_time, describe_health
from ..timefmt import relative
from .sync import panel_context

TEMPLATE = "mirrors/repo.html"
HISTORY_LENGTH = 25
#: How far back the history reaches (Quay's logs API covers the last 7 days by default).
LOG_DAYS = 7
#: At most this many pages of Quay's log (20 entries each) are read for the history.
LOG_PAGES = 5
#: One per tag mirrored: left out of the history (the sync's own result lists the tags).
TAG_EVENTS = frozenset({"repo_mirror_sync_tag_success"})
AUDIT_LENGTH = 10


@dataclass
class PageData:
    """What Quay said for one repository page (each part a value or the reason it is missing)."""

    namespace: str
    name: str
    repository: Outcome[int, Repository]
    mirror: Outcome[int, MirrorConfig]
    logs: Outcome[int, list[LogEntry]]
    tags: Outcome[int, list[Any]]
    robots: Outcome[int, list[Any]]
    health: Any = None
    notes: list[str] = field(default_factory=list)

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


def load(request: HtmxHttpRequest, namespace: str, name: str) -> PageData:
    """Every independent call of the page at once."""
    quay = request.quay
    username = request.user.get_username()
    repository, mirror, logs, tags, robots = parallel(
        lambda: quay.get_repository(namespace, name),
        lambda: quay.get_mirror(namespace, name),
        lambda: quay.list_logs(
            namespace,
            name,
            starttime=current_time() - timedelta(days=LOG_DAYS),
            want=HISTORY_LENGTH,
            counted=is_history_event,
            max_pages=LOG_PAGES,
        ),
        lambda: quay.list_tags(namespace, name),
        lambda: quay.list_robots(namespace, username),
    )
    data = PageData(namespace, name, repository, mirror, logs, tags, robots)
    if isinstance(mirror.error, QuayForbidden) or isinstance(repository.error, QuayForbidden):
        data.health = _health_entry(quay, namespace, name)
    return data


def _health_entry(quay: Any, namespace: str, name: str) -> Any:
    """The repository's row of the namespace's mirror health (readable by members)."""
    health = quietly(quay.get_mirror_health, namespace)
    for entry in health.details if health is not None else ():
        if entry.repository == name and entry.namespace in (namespace, ""):
            return entry
    return None


def _mirror_error(data: PageData) -> str:
    error = data.mirror.error
    if isinstance(data.repository.error, QuayForbidden):
        return (
            f"Quay does not let you see {data.namespace}/{data.name} itself: you have no rights "
            f"on the repository, so its settings, tags and history are hidden from you. Its "
            f"status above is from the mirror health report of {data.namespace}, which you can "
            f"read as a member; ask an admin of {data.namespace} for access or to change it."
        )
    if isinstance(error, QuayForbidden):
        return (
            "You have no admin rights on this repository, so Quay does not show its mirror "
            "settings or history to you. What you can see is below; ask an admin of "
            f"{data.namespace} to change the mirror."
        )
    return f"The mirror settings could not be read: {error.message}" if error else ""


def is_history_event(entry: LogEntry) -> bool:
    return entry.kind not in TAG_EVENTS


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 h ago", "in 12 min", "just now": next to a time on the page (UI.md)."""
    if moment is None:
        return ""
    words = relative(moment, now)
    return "just now" if words == "now" else words


def _history(data: PageData) -> list[dict[str, Any]]:
    """The latest mirror events; each tag mirrored is left out (the sync's result lists them)."""
    entries = [e for e in data.logs.value or [] if is_history_event(e)]
    now = current_time()
    return [
        {**asdict(item), "ago": ago(item.when, now)}
        for item in (changes.describe_log(e) for e in entries[:HISTORY_LENGTH])
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


#: Changes whose values anyone who sees the entry may read (not mirror settings).
PUBLIC_FIELDS = frozenset({"state"})


def audit_rows(entries: Any, values: bool | Callable[[AuditEntry], bool]) -> list[dict[str, Any]]:
    """Audit entries with their changes in words (shared with the audit page).

    ``values``: whether (or, called with the entry, for which entries) the person may read the
    mirror settings the changes were made to. Quay shows those only to the repository's
    admins, so for anyone else a change is only named ("changed settings (source, tags)"), and
    the entry's message, which may quote values, is left out.
    """
    rows = []
    now = current_time()
    for entry in entries:
        readable = values(entry) if callable(values) else values
        lines = []
        fields = []
        for field_name, change in (entry.changes or {}).items():
            applied = change.get("applied", True) if isinstance(change, dict) else True
            if not readable and field_name not in PUBLIC_FIELDS:
                fields.append(
                    {"label": changes.LABELS.get(field_name, field_name), "applied": applied}
                )
                continue
            if not isinstance(change, dict):
                text = f"{field_name}: {redact_url(change)}"
            elif field_name == changes.PASSWORD:
                text = f"password {change.get('to')}"
            else:
                old, new = change.get("from"), change.get("to")
                if field_name in URL_FIELDS:
                    old, new = redact_url(old), redact_url(new)
                text = changes.describe_change(field_name, old, new)
            lines.append({"text": text, "applied": applied})
        message = entry.message
        if not readable and entry.action in (AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE):
            message = ""
        rows.append(
            {
                "entry": entry,
                "ago": ago(entry.created, now),
                "lines": lines,
                "fields": fields,
                "message": redact_text(message),
                "values_hidden": not readable and bool(fields),
            }
        )
    return rows


def can_read_config(mirror: Outcome[Any, Any]) -> bool:
    """Whether Quay would show this person the mirror config (read, or 404: none to show)."""
    return mirror.ok or isinstance(mirror.error, QuayNotFound)


def build_form(
    data: PageData,
    *,
    bound: Any = None,
    initial: dict[str, Any] | None = None,
    creating: bool | None = None,
) -> MirrorSettingsForm:
    """The settings form for this page: loaded with the config (or a new mirror's defaults)."""
    config = data.config
    if creating is None:
        creating = config is None
    if initial is None:
        initial = MirrorSettingsForm.initial_from(config)
        if config is not None:
            initial["loaded"] = changes.sign(data.namespace, data.name, changes.snapshot(config))
        elif data.robot_names:
            # A robot meant for mirroring if there is one, else the first.
            named = [r for r in data.robot_names if "mirror" in r.split("+", 1)[-1]]
            initial["robot_username"] = (named or data.robot_names)[0]
    return MirrorSettingsForm(
        bound,
        namespace=data.namespace,
        robots=data.robot_names,
        robots_error=data.robots_error,
        creating=creating,
        stored_password=bool(config and config.external_registry_username),
        initial=initial,
    )


def rules_context(
    form: MirrorSettingsForm | None,
    rows: list[str],
    tag_names: list[str] | None,
    tags_error: str = "",
    focus_last: bool = False,
    last_sync: changes.LastSync | None = None,
) -> dict[str, Any]:
    """The glob editor's rows with their checks, and the preview of the rule.

    ``last_sync``: what the newest successful sync found in the source (from Quay's log), so
    the preview can also name matched tags the source may no longer have.
    """
    checks = globs.check_rows(rows)
    patterns = globs.clean_patterns(rows)
    upstream = last_sync.tags if last_sync else None
    result = globs.preview(patterns, tag_names, upstream) if tag_names is not None else None
    row_items = []
    for index, check in enumerate(checks):
        matched = result.by_pattern.get(check.pattern) if result else None
        row_items.append(
            {
                "index": index,
                "check": check,
                "matched": matched,
                "autofocus": focus_last and index == len(checks) - 1,
            }
        )
    return {
        "rule_rows": row_items,
        "preview": result,
        "patterns": patterns,
        "tags_error": tags_error,
        "last_sync": last_sync,
        "rule_errors": form.errors.get("root_rule") if form is not None and form.is_bound else None,
    }


def tags_error(data_tags: Outcome[int, Any]) -> str:
    return (
        f"The repository's current tags could not be read: {data_tags.error.message}"
        if data_tags.error
        else ""
    )


def render_page(
    request: HtmxHttpRequest,
    data: PageData,
    *,
    form: MirrorSettingsForm | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole repository page from what :func:`load` read (and an optional bound form)."""
    namespace, name = data.namespace, data.name
    repo_error = data.repository.error
    context: dict[str, Any] = {
        "namespace": namespace,
        "name": name,
        "repository": data.repository.value,
        "now": timezone.now(),
        "settings_url": reverse("mirrors:settings", args=[namespace, name]),
    }
    read_only_health = isinstance(repo_error, QuayForbidden) and data.health is not None
    if repo_error is not None and not data.mirror.ok and not read_only_health:
        if isinstance(repo_error, QuayNotFound):
            context["page_error"] = (
                f"Quay has no repository {namespace}/{name}, or you are not allowed to see it."
            )
            status = 404
        elif isinstance(repo_error, QuayForbidden):
            context["page_error"] = (
                f"Quay does not let you see {namespace}/{name}: you have no rights on it."
            )
            status = 403
        else:
            context["page_error"] = f"Quay could not be read for {namespace}/{name}: " + (
                repo_error.message
            )
        if form is None or not form.is_bound:
            return render(request, TEMPLATE, context, status=status)
        # A save that failed because Quay could not be read: the page says why, and the form
        # comes back with what was typed.
        status = 200

    config = data.config
    repo = data.repository.value
    missing = None
    forbidden = isinstance(data.mirror.error, QuayForbidden)
    if config is None and repo is not None and not repo.is_mirror and not forbidden:
        missing = "normal"  # Quay answers 404 (or 400) for the config of a non-mirror repo
    elif config is None and isinstance(data.mirror.error, QuayNotFound):
        missing = "no_config"
    context.update(
        panel_context(namespace, name, mirror=config, logs=data.logs.value, missing=missing)
    )
    if form is None and (config is not None or missing == "no_config"):
        form = build_form(data)
    rows = form.rule_rows() if form is not None else list(config.root_rule if config else [])
    history = _history(data) if data.logs.ok else None
    context.update(
        {
            "config": config,
            "can_admin": repo.can_admin if repo is not None else None,
            "missing": missing,
            "mirror_error": "" if missing else _mirror_error(data),
            "health": data.health,
            "health_status": (
                describe_health(data.health, current_time()) if data.health else None
            ),
            "tags": data.tag_names,
            "tags_error": tags_error(data.tags),
            "history": history,
            "history_note": _history_note(config, history) if history is not None else "",
            "history_error": (
                f"The mirror history could not be read: {data.logs.error.message}"
                if data.logs.error and not isinstance(data.mirror.error, QuayForbidden)
                else ""
            ),
            "audit": audit_rows(
                AuditEntry.objects.filter(namespace=namespace, repository=name)[:AUDIT_LENGTH],
                values=can_read_config(data.mirror),
            ),
            "form": form,
            "syncing": bool(config and config.sync_status.is_active),
            "creating": form.creating if form is not None else config is None,
            **rules_context(
                form,
                rows,
                data.tag_names,
                tags_error(data.tags),
                last_sync=changes.last_synced_tags(data.logs.value),
            ),
            # The glob editor's tag lists, signed, so typing costs no Quay call (views/edit.py).
            "editor_tags": changes.sign_editor_tags(
                namespace, name, data.tag_names, changes.last_synced_tags(data.logs.value)
            ),
        }
    )
    if extra:
        context.update(extra)
    return render(request, TEMPLATE, context, status=status)


@require_GET
@quay_login_required
def repository(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    data = load(request, namespace, name)
    form = None
    pending = take_pending_submission(request, reverse("mirrors:settings", args=[namespace, name]))
    if pending and (data.mirror.ok or isinstance(data.mirror.error, QuayNotFound)):
        form = build_form(data, bound=data_from_pending(pending))
        form.is_valid()
        messages.info(
            request,
            "What you were submitting before signing in again is back in the form "
            "(except the password). Check it and save again.",
        )
    return render_page(request, data, form=form)
