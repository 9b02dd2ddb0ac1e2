from django.urls import path

from .views import overview

app_name = "mirrors"

# Repository pages live under /repo/<namespace>/<name>/: "repo" cannot be a Quay namespace
# route clash because every other top-level path here is fixed.
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("bulk/", overview.bulk, name="bulk"),
    path("repo/<str:namespace>/<str:name>/row/", overview.row, name="row"),
    # --- repository page, status, sync actions (views/repository.py, views/sync.py) ---
    # --- settings form, glob editor, create, state switch (views/edit.py) ---
    # --- audit trail page (views/audit.py) ---
]
