from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sportello.core"
    label = "core"
    verbose_name = "Sportello"

    def ready(self) -> None:
        from sportello.config import event_handlers
        from sportello.core import jobs  # noqa: F401  (registers the periodic jobs)

        event_handlers.register_all()
