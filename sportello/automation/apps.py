from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """What the system does by itself for the business: the acknowledgement of every new
    conversation (rules and macros will live here too)."""

    name = "sportello.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from sportello.automation import rule_jobs  # noqa: F401  (registers the rules' jobs)
