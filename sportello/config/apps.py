"""The top floor as a Django app: listed last in INSTALLED_APPS, so it is ready after every
app it wires together."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SportelloConfig(AppConfig):
    """Registers the event handlers (``event_handlers.HANDLERS``) once per process: web,
    worker, management command or test run alike, since each of them runs ``django.setup()``.
    Core keeps the bus and knows none of its subscribers."""

    name = "sportello.config"
    label = "config"
    verbose_name = _("Sportello configuration")

    def ready(self) -> None:
        import sportello.config.checks  # noqa: F401  (registers Sportello's system checks)
        from sportello.config import event_handlers

        event_handlers.register_all()
