from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Reports: the figures of a period (volume, reply times, SLA targets met, repeat
    contacts, agents) and the customer segments, read from the other apps' models."""

    name = "sportello.insights"
    label = "insights"
    verbose_name = _("Reports")
