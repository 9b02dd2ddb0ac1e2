from django.urls import path

from . import views

app_name = "watch"

urlpatterns = [
    path("", views.watching, name="watching"),
    path("enrol/", views.enrol_namespace, name="enrol"),
    path("<ns:namespace>/remove/", views.remove_namespace, name="remove"),
]
