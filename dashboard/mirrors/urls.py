from django.urls import path

from .views import audit, edit, index, overview_parts, repository, sync

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
    # --- audit trail page (views/audit.py) ---
    path("audit/", audit.audit, name="audit"),
]
