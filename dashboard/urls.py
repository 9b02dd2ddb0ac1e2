from django.urls import include, path

urlpatterns = [
    path("accounts/", include("dashboard.accounts.urls")),
    path("", include("dashboard.mirrors.urls")),
    path("watch/", include("dashboard.watch.urls")),  # (the "ns" converter: mirrors.urls)
]

# Any exception becomes a 500 page, but the database not answering is a 503 that says so.
handler500 = "dashboard.unavailable.server_error"
