from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """Business calendars, SLA policies and the timers they put on conversations."""

    name = "sportello.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from sportello.sla import jobs  # noqa: F401  (registers the periodic jobs)
