from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sportello.core"
    label = "core"
    verbose_name = "Sportello"

    def ready(self) -> None:
        from sportello.core import jobs  # noqa: F401  (registers the periodic jobs)
