from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sportello.core"
    label = "core"
    verbose_name = _("Sportello")

    def ready(self) -> None:
        from sportello.core import jobs  # noqa: F401  (registers the periodic jobs)
