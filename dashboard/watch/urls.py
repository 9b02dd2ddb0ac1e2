from django.urls import path

from . import views

app_name = "watch"

urlpatterns = [
    path("", views.watching, name="watching"),
    path("enrol/", views.enrol_namespace, name="enrol"),
    path("<ns:namespace>/remove/", views.remove_namespace, name="remove"),
    path("<ns:namespace>/trends/", views.namespace_trends, name="trends"),
    path("<ns:namespace>/alerts/", views.alerts, name="alerts"),
    path("<ns:namespace>/alerts/add/", views.alert_add, name="alert-add"),
    *(
        path(
            f"<ns:namespace>/alerts/<int:pk>/{action}/",
            views.alert_rule,
            {"action": action},
            name=f"alert-{action}",
        )
        for action in ("change", "test", "remove")
    ),
]
