"""The SMS channel: a generic HTTP SMS gateway. Customers' texts arrive on a signed
webhook, agents' replies go out through the gateway's API, delivery reports update them.
A sender's handle is their number (a ``phone`` identity): who texts, calls and writes on
WhatsApp from one number is one customer."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, Starting, register


def send(delivery: Any) -> str:
    from sportello.providers.sms.send import send_sms

    return send_sms(delivery)


class SmsConfig(AppConfig):
    name = "sportello.providers.sms"
    label = "provider_sms"
    verbose_name = _("SMS channel")

    def ready(self) -> None:
        from sportello.providers.sms.config import SECRET_KEYS, validate_config, webhook_path

        register(
            Provider(
                kind="sms",
                label=_("SMS"),
                identity_kind="phone",
                validate_config=validate_config,
                secret_keys=SECRET_KEYS,
                send=send,
                # A gateway texts any number: no first-message rule of its own.
                starting=Starting(("phone",)),
                urls="sportello.providers.sms.urls",
                webhook_path=webhook_path,
            )
        )
