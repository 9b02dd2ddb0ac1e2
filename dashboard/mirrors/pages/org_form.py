"""The organization mirror's settings form as the page draws it: defaults for a new one,
the organization's robots to choose from, and the glob editor of its repository filters
(``rule_editor.REPOSITORY_FILTERS``) with the preview of what they keep of the repositories
discovered so far (the source's names as Quay last listed them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.forms import BoundField

from dashboard.mirrors import clock
from dashboard.mirrors.forms.base import DURATIONS
from dashboard.mirrors.forms.organization import OrgMirrorForm, filter_matches
from dashboard.mirrors.kinds.organization import OrgTarget
from dashboard.mirrors.pages.editor import REPOSITORY_FILTERS, filter_editor, row_items
from dashboard.mirrors.rules import globs
from dashboard.quay.client import QuayClient
from dashboard.quay.fanout import quietly
from dashboard.quay.org_models import OrgMirrorConfig


def shown_fields(form: OrgMirrorForm, target: OrgTarget) -> list[tuple[str, BoundField]]:
    """The form's fields in the order the kind lists Quay's (its fixed fields, then the others):
    a duration as its number and its unit, the username followed by the password and the box
    that removes them; the network section's (``form.NETWORK``) are left to
    ``settings_form.html#network``."""
    names: list[str] = []
    for name in (*target.fixed_fields, *target.fields):
        if name in DURATIONS:
            names += [f"{DURATIONS[name]}_value", f"{DURATIONS[name]}_unit"]
        elif name == "external_registry_username":
            names += [name, "external_registry_password", "remove_credentials"]
        elif name not in form.NETWORK:
            names.append(name)
    return [(name, form[name]) for name in names if name in form.fields]


def discovered_names(client: QuayClient, org: str) -> list[str] | None:
    """The names of every repository the mirror discovered (``None``: could not be read)."""
    repos = quietly(client.all_org_mirror_repositories, org)
    return None if repos is None else [repo.name for repo in repos if repo.name]


def _usable(rows: Sequence[str]) -> list[str]:
    """The filters Quay would be sent (blank rows and duplicates dropped), without those the
    editor marks as errors."""
    checks = globs.check_rows(list(rows), globs.REPOSITORY_NAMES)
    return globs.clean_patterns(check.pattern for check in checks if check.ok)


def preview(names: list[str] | None, filters: list[str]) -> dict[str, Any]:
    """What ``filters`` keep of ``names`` (``None``: the names could not be read)."""
    if not names:
        return {"names": names, "filters": filters, "kept": [], "skipped": []}
    kept = filter_matches(filters, names)
    skipped = [n for n in names if n not in kept]
    return {"names": names, "filters": filters, "kept": kept, "skipped": skipped}


def filters_context(
    org: str,
    rows: Sequence[str],
    names: list[str] | None,
    form: OrgMirrorForm | None = None,
    focus: int | None = None,
) -> dict[str, Any]:
    """The glob editor's context for the filters ``rows`` (``settings_form.html#rules``)."""
    filters = _usable(rows)
    by_pattern = None if names is None else {f: filter_matches([f], names) for f in filters}
    return {
        "editor": filter_editor(org),
        "rule_rows": row_items(REPOSITORY_FILTERS, rows, by_pattern, focus),
        "rule_errors": form.errors.get("repository_filters")
        if form is not None and form.is_bound
        else None,
        "preview": preview(names, filters),
    }


def org_form_context(
    client: QuayClient,
    org: str,
    config: OrgMirrorConfig | None,
    names: list[str] | None,
    form: OrgMirrorForm | None = None,
    focus: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``form``, ``form_fields`` (but TLS and the proxies: ``settings_form.html#network``
    draws them), ``robots``, what
    saving now does to a sync under way (``sync_warning``, ``syncing``, ``stuck_sync``, for
    ``settings_form.html#sync_warning``) and the filter editor's context for the settings
    template (``focus``: the editor's row that takes the keyboard focus)."""
    robots = [robot.name for robot in quietly(client.list_org_robots, org) or ()]
    now = now or clock.now()
    target = OrgTarget(org)
    if form is None:
        form = target.settings_form(None, config, now, robots=robots)
    elif robots:
        form.fields["robot_username"].widget.attrs["list"] = "org-robots"
    if config is None:
        names = []  # a new mirror has discovered nothing yet
    elif names is None:
        names = discovered_names(client, org)
    return {
        "form": form,
        "form_fields": shown_fields(form, target),
        "robots": robots,
        **_sync_context(target, config, now),
        **filters_context(org, form.editor_rows(), names, form, focus),
    }


def _sync_context(
    target: OrgTarget, config: OrgMirrorConfig | None, now: datetime
) -> dict[str, Any]:
    warning = target.sync_warning(config, now) if config is not None else None
    return {
        "sync_warning": warning,
        "syncing": warning is not None and not warning.stuck,
        "stuck_sync": warning is not None and warning.stuck,
    }
