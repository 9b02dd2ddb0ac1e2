from django.urls import path

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

# Repository pages live under /repo/<namespace>/<name>/: "repo" cannot be a Quay namespace
# route clash because every other top-level path here is fixed.
urlpatterns = [
    path("", index.overview, name="overview"),
    path("bulk/", index.bulk, name="bulk"),
    path("overview/listing/", overview_parts.listing, name="overview-listing"),
    path("overview/details/", overview_parts.details, name="overview-details"),
    path("overview/results/", overview_parts.results, name="overview-results"),
    path("overview/refresh/", overview_parts.refresh, name="overview-refresh"),
    path("overview/org-mirrors/", overview_orgs.org_mirrors, name="overview-orgs"),
    path("repo/<str:namespace>/<str:name>/row/", index.row, name="row"),
    # --- repository page, status, sync actions (views/repository.py, views/sync.py) ---
    path("repo/<str:namespace>/<str:name>/", repository.repository, name="repo"),
    path("repo/<str:namespace>/<str:name>/status/", sync.status, name="status"),
    path("repo/<str:namespace>/<str:name>/sync-now/", sync.sync_now, name="sync-now"),
    path("repo/<str:namespace>/<str:name>/cancel/", sync.sync_cancel, name="sync-cancel"),
    # --- settings form, glob editor, create, state switch (views/edit.py) ---
    path("repo/<str:namespace>/<str:name>/settings/", edit.save_settings, name="settings"),
    path("repo/<str:namespace>/<str:name>/rules/", edit.rules, name="rules"),
    path("repo/<str:namespace>/<str:name>/rules/check/", edit.rules_check, name="rules-check"),
    path("repo/<str:namespace>/<str:name>/state/", edit.switch_state, name="switch-state"),
    # --- organization mirrors (views/org_mirror.py) ---
    path("org/<str:org>/mirror/", org_mirror.org_mirror, name="org-mirror"),
    path("org/<str:org>/mirror/sync-now/", org_mirror.org_sync_now, name="org-mirror-sync-now"),
    path("org/<str:org>/mirror/cancel/", org_mirror.org_cancel, name="org-mirror-cancel"),
    path("org/<str:org>/mirror/verify/", org_mirror.org_verify, name="org-mirror-verify"),
    path("org/<str:org>/mirror/delete/", org_mirror.org_delete, name="org-mirror-delete"),
    path("org/<str:org>/mirror/settings/", org_mirror.org_settings, name="org-mirror-settings"),
    path(
        "org/<str:org>/mirror/filters/", org_mirror.org_filters_preview, name="org-mirror-filters"
    ),
    # --- audit trail page (views/audit.py) ---
    path("audit/", audit.audit, name="audit"),
]
