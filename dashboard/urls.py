from django.urls import include, path

urlpatterns = [
    path("accounts/", include("dashboard.accounts.urls")),
    path("", include("dashboard.mirrors.urls")),
    path("watch/", include("dashboard.watch.urls")),  # (the "ns" converter: mirrors.urls)
]
