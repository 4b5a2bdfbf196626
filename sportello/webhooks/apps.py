from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks for integrations: a workspace's subscriptions to its domain events,
    each event posted, signed, to the subscriber's URL by a job, retried, logged."""

    name = "sportello.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from sportello.privacy.holders import PersonalData
        from sportello.privacy.holders import register as holds_personal_data
        from sportello.webhooks import (
            jobs,  # noqa: F401  (registers the sending jobs)
            privacy,
        )

        holds_personal_data(
            PersonalData("webhook_deliveries", privacy.export_deliveries, privacy.erase_deliveries)
        )
