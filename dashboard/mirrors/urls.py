from django.http import Http404
from django.urls import path, re_path, register_converter

from . import converters
from .views import (
    ascode,
    audit,
    bulk,
    failures,
    index,
    mirror,
    org_admin,
    overview_orgs,
    overview_parts,
    state,
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
    path("overview.csv", index.export_csv, name="overview-csv"),
    # --- a bulk settings change (views/bulk.py) ---
    path("bulk/settings/", bulk.start, name="bulk-settings"),
    path("bulk/runs/", bulk.runs, name="bulk-runs"),
    path("bulk/runs/<int:pk>/", bulk.run_page, name="bulk-run"),
    path("bulk/runs/<int:pk>/preview/", bulk.preview, name="bulk-preview"),
    path("bulk/runs/<int:pk>/apply/", bulk.apply, name="bulk-apply"),
    path("overview/listing/", overview_parts.listing, name="overview-listing"),
    path("overview/details/", overview_parts.details, name="overview-details"),
    path("overview/results/", overview_parts.results, name="overview-results"),
    path("overview/refresh/", overview_parts.refresh, name="overview-refresh"),
    path("overview/org-mirrors/", overview_orgs.org_mirrors, name="overview-orgs"),
    path("repo/<ns:namespace>/<repo:name>/row/", index.row, name="repo-row"),
    # --- a mirror's page, live status, presses, settings and editor, for both kinds: the URL
    # names the mirror (views/mirror.py); what only one kind has apart. Each URL is named
    # <the kind's url_name>-<role> (the page: its url_name alone), as MirrorKind.url finds it ---
    path("repo/<ns:namespace>/<repo:name>/", mirror.page, name="repo"),
    path("repo/<ns:namespace>/<repo:name>/status/", mirror.live, name="repo-live"),
    path("repo/<ns:namespace>/<repo:name>/sync-now/", mirror.sync_now, name="repo-sync-now"),
    path("repo/<ns:namespace>/<repo:name>/cancel/", mirror.cancel, name="repo-cancel"),
    path("repo/<ns:namespace>/<repo:name>/settings/", mirror.settings, name="repo-settings"),
    path("repo/<ns:namespace>/<repo:name>/rules/", mirror.rules, name="repo-rules"),
    path(
        "repo/<ns:namespace>/<repo:name>/rules/check/", mirror.rules_check, name="repo-rules-check"
    ),
    path("repo/<ns:namespace>/<repo:name>/state/", state.switch_state, name="repo-state"),
    path("org/<ns:org>/mirror/", mirror.page, name="org-mirror"),
    # its live part is the page's own URL (``?poll=1``: views.mirror.page serves it)
    path("org/<ns:org>/mirror/", mirror.page, name="org-mirror-live"),
    path("org/<ns:org>/mirror/sync-now/", mirror.sync_now, name="org-mirror-sync-now"),
    path("org/<ns:org>/mirror/cancel/", mirror.cancel, name="org-mirror-cancel"),
    path("org/<ns:org>/mirror/settings/", mirror.settings, name="org-mirror-settings"),
    path("org/<ns:org>/mirror/filters/", mirror.rules_check, name="org-mirror-rules-check"),
    path("org/<ns:org>/mirror/filters/rows/", mirror.rules, name="org-mirror-rules"),
    path("org/<ns:org>/mirror/verify/", org_admin.verify, name="org-mirror-verify"),
    path("org/<ns:org>/mirror/delete/", org_admin.delete, name="org-mirror-delete"),
    # --- mirrors as code (views/ascode.py) ---
    path("as-code/", ascode.as_code, name="as-code"),
    path("as-code/export/", ascode.export_file, name="as-code-export"),
    path("as-code/plan/", ascode.plan_file, name="as-code-plan"),
    path("as-code/drift/", ascode.drift_file, name="as-code-drift"),
    # --- audit trail page (views/audit.py) ---
    path("audit/", audit.audit, name="audit"),
    # --- failures view (views/failures.py) ---
    path("failures/", failures.failures, name="failures"),
    path("failures/export.csv", failures.export, name="failures-csv"),
]
