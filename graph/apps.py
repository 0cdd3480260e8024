from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "graph"
    verbose_name = "Research graph"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers
