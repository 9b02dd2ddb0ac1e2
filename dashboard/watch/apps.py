from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "dashboard.watch"
    label = "watch"
    verbose_name = "The watcher and the fleet index"
