from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/quay/", views.oauth_start, name="oauth-start"),
    path("callback/<str:state>/", views.oauth_callback, name="callback"),
    path("logout/", views.logout_view, name="logout"),
]
