from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sportello.core"
    label = "core"
    verbose_name = "Sportello"

    def ready(self) -> None:
        from sportello.config import event_handlers

        event_handlers.register_all()
