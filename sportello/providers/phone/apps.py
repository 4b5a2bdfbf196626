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
    verbose_name = "Phone channel"

    def ready(self) -> None:
        from sportello.providers.phone.config import SECRET_KEYS, validate_config, webhook_path

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
