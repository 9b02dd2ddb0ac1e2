from django.apps import AppConfig


class MirrorsConfig(AppConfig):
    name = "dashboard.mirrors"
    label = "mirrors"
