"""The organization mirror's settings form as the page draws it: defaults for a new one,
the organization's robots to choose from, and the preview of what the filters keep against
the repositories discovered so far (the source's names as Quay last listed them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse

from dashboard.quay.client import QuayClient
from dashboard.quay.fanout import quietly
from dashboard.quay.org_models import OrgMirrorConfig

from .. import clock
from ..org_forms import OrgMirrorForm, filter_matches, filter_warnings, parse_filters

#: The fields in the order the form declares them (the hidden time zone apart).
ORDER = tuple(name for name in OrgMirrorForm.base_fields if name != "drawn_zone")


def discovered_names(client: QuayClient, org: str) -> list[str] | None:
    """The names of every repository the mirror discovered (``None``: could not be read)."""
    repos = quietly(client.all_org_mirror_repositories, org)
    return None if repos is None else [repo.name for repo in repos]


def preview(names: list[str] | None, filters: list[str]) -> dict[str, Any] | None:
    """What ``filters`` keep of ``names`` (none known: only the filters' warnings), and the
    filters' warnings; ``None`` when there is nothing to say."""
    warnings = filter_warnings(filters)
    if not names:
        return {"names": [], "kept": [], "skipped": [], "warnings": warnings} if warnings else None
    kept = filter_matches(filters, names)
    skipped = [n for n in names if n not in kept]
    return {"names": names, "kept": kept, "skipped": skipped, "warnings": warnings}


def _defaults(org: str, robots: list[str]) -> dict[str, Any]:
    mirror_robot = f"{org}+mirror"
    start = (clock.now() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    return {
        "external_registry_type": "quay",
        "robot_username": mirror_robot if mirror_robot in robots else (robots[0] if robots else ""),
        "visibility": "private",
        "is_enabled": True,
        "sync_start_date": start,
        "sync_interval_value": 24,
        "sync_interval_unit": "hours",
        "skopeo_timeout_value": 5,
        "skopeo_timeout_unit": "minutes",
        "verify_tls": True,
    }


def org_form_context(
    client: QuayClient,
    org: str,
    config: OrgMirrorConfig | None,
    names: list[str] | None,
    form: OrgMirrorForm | None = None,
) -> dict[str, Any]:
    """``form``, ``form_fields``, ``robots`` and ``preview`` for the settings template."""
    robots = [robot.name for robot in quietly(client.list_org_robots, org) or ()]
    if form is None:
        form = (
            OrgMirrorForm(config=config)
            if config is not None
            else OrgMirrorForm(initial=_defaults(org, robots))
        )
    form.initial["org"] = org
    if robots:
        form.fields["robot_username"].widget.attrs["list"] = "org-robots"
    form.fields["repository_filters"].widget.attrs.update(
        {
            "hx-post": reverse("mirrors:org-mirror-filters", args=[org]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#filter-preview",
            "hx-swap": "outerHTML",
        }
    )
    typed = (
        form.data.get("repository_filters", "")
        if form.is_bound
        else form.initial.get("repository_filters", "")
    )
    if names is None and config is not None:
        names = discovered_names(client, org)
    return {
        "form": form,
        "form_fields": [(name, form[name]) for name in ORDER if name in form.fields],
        "robots": robots,
        "preview": preview(names, parse_filters(typed or "")),
    }
