from django.http import Http404
from django.urls import path, re_path, register_converter

from . import converters
from .views import (
    audit,
    edit,
    index,
    org_mirror,
    overview_orgs,
    overview_parts,
    repository,
    sync,
)

app_name = "mirrors"

register_converter(converters.NamespaceConverter, "ns")
register_converter(converters.RepositoryNameConverter, "repo")


def _quays_own_route(request, *args, **kwargs):
    """``/repo/mirror/health/``: Quay's API routes ``repository/mirror/health`` to its health
    report, so no repository can be reached there (``dashboard.quay.names.SHADOWED``)."""
    raise Http404("Quay has no repository mirror/health")


# Repository pages live under /repo/<namespace>/<name>/: "repo" cannot be a Quay namespace
# route clash because every other top-level path here is fixed.
urlpatterns = [
    re_path(r"^repo/mirror/health/", _quays_own_route),
    path("", index.overview, name="overview"),
    path("bulk/", index.bulk, name="bulk"),
    path("overview/listing/", overview_parts.listing, name="overview-listing"),
    path("overview/details/", overview_parts.details, name="overview-details"),
    path("overview/results/", overview_parts.results, name="overview-results"),
    path("overview/refresh/", overview_parts.refresh, name="overview-refresh"),
    path("overview/org-mirrors/", overview_orgs.org_mirrors, name="overview-orgs"),
    path("repo/<ns:namespace>/<repo:name>/row/", index.row, name="row"),
    # --- repository page, status, sync actions (views/repository.py, views/sync.py) ---
    path("repo/<ns:namespace>/<repo:name>/", repository.repository, name="repo"),
    path("repo/<ns:namespace>/<repo:name>/status/", sync.status, name="status"),
    path("repo/<ns:namespace>/<repo:name>/sync-now/", sync.sync_now, name="sync-now"),
    path("repo/<ns:namespace>/<repo:name>/cancel/", sync.sync_cancel, name="sync-cancel"),
    # --- settings form, glob editor, create, state switch (views/edit.py) ---
    path("repo/<ns:namespace>/<repo:name>/settings/", edit.save_settings, name="settings"),
    path("repo/<ns:namespace>/<repo:name>/rules/", edit.rules, name="rules"),
    path("repo/<ns:namespace>/<repo:name>/rules/check/", edit.rules_check, name="rules-check"),
    path("repo/<ns:namespace>/<repo:name>/state/", edit.switch_state, name="switch-state"),
    # --- organization mirrors (views/org_mirror.py) ---
    path("org/<ns:org>/mirror/", org_mirror.org_mirror, name="org-mirror"),
    path("org/<ns:org>/mirror/sync-now/", org_mirror.org_sync_now, name="org-mirror-sync-now"),
    path("org/<ns:org>/mirror/cancel/", org_mirror.org_cancel, name="org-mirror-cancel"),
    path("org/<ns:org>/mirror/verify/", org_mirror.org_verify, name="org-mirror-verify"),
    path("org/<ns:org>/mirror/delete/", org_mirror.org_delete, name="org-mirror-delete"),
    path("org/<ns:org>/mirror/settings/", org_mirror.org_settings, name="org-mirror-settings"),
    path("org/<ns:org>/mirror/filters/", org_mirror.org_filters_check, name="org-mirror-filters"),
    path(
        "org/<ns:org>/mirror/filters/rows/",
        org_mirror.org_filter_rows,
        name="org-mirror-filter-rows",
    ),
    # --- audit trail page (views/audit.py) ---
    path("audit/", audit.audit, name="audit"),
]
