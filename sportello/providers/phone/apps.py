"""The phone channel: calls from a switchboard's webhook or from Asterisk (ARI), a missed
call made a callback task on the caller's customer, answered calls on their timeline. A
caller's handle is their number (a ``phone`` identity, E.164). Agents' replies stay in
Sportello: a call back is logged, not sent (``actions.log_call``)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class PhoneConfig(AppConfig):
    name = "sportello.providers.phone"
    label = "provider_phone"
    verbose_name = _("Phone channel")

    def ready(self) -> None:
        from sportello.privacy.holders import PersonalData
        from sportello.privacy.holders import register as holds_personal_data
        from sportello.providers.phone import privacy
        from sportello.providers.phone.config import SECRET_KEYS, validate_config, webhook_path

        holds_personal_data(PersonalData("calls", privacy.export_calls, privacy.erase_calls))
        holds_personal_data(
            PersonalData("callbacks", privacy.export_callbacks, privacy.erase_callbacks)
        )

        register(
            Provider(
                kind="phone",
                label=_("Phone"),
                identity_kind="phone",
                validate_config=validate_config,
                secret_keys=SECRET_KEYS,
                urls="sportello.providers.phone.urls",
                webhook_path=webhook_path,
                jobs=("sportello.providers.phone.jobs",),
                services=("sportello.providers.phone.ari_service.start",),
            )
        )
