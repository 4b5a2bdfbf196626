from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboundConfig(AppConfig):
    name = "sportello.outbound"
    label = "outbound"
    verbose_name = _("Outbound deliveries")

    def ready(self) -> None:
        # Huey's consumer only knows the tasks of modules that were imported; `sportello run`
        # and `sportello worker` import no `tasks` modules, so the job modules are imported here.
        from sportello.outbound import jobs  # noqa: F401
