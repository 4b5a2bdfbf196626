from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """CSAT and NPS: the surveys sent to customers, their answers, and the figures made of
    them (docs/architecture/feedback.md)."""

    name = "sportello.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from sportello.feedback import jobs  # noqa: F401  (registers the surveys' jobs)
        from sportello.feedback.personal_data import register_personal_data

        register_personal_data()
