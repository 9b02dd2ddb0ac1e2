from django.urls import include, path

urlpatterns = [
    path("accounts/", include("dashboard.accounts.urls")),
    path("", include("dashboard.mirrors.urls")),
]
