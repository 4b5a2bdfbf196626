"""The WhatsApp Business channel (Cloud API): a webhook that receives the customer's
messages and the statuses of the replies, a sender through the Graph API, media fetched
by a job, and the 24-hour customer-service window. A sender's handle is their WhatsApp id,
an international number without the "+", stored in E.164 like any phone number, so the
customer who also calls or writes an email with that number is one customer."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, Starting, register


def send(delivery: Any) -> str:
    # Imported on first use: a web process that never sends need not load httpx.
    from sportello.providers.whatsapp.send import send_whatsapp

    return send_whatsapp(delivery)


def reply_refusal(conversation: Any, channel: Any) -> str | None:
    from sportello.providers.whatsapp.window import reply_refusal as refusal

    return refusal(conversation, channel)


def write_first(conversation: Any, agent: Any, template: dict[str, Any]) -> Any:
    from sportello.providers.whatsapp.actions import write_first as first

    return first(conversation, agent, template)


def start_refusal(channel: Any, customer_id: int | None, address: str) -> str | None:
    from sportello.providers.whatsapp.actions import start_refusal as refusal

    return refusal(channel, customer_id, address)


class WhatsappConfig(AppConfig):
    name = "sportello.providers.whatsapp"
    label = "provider_whatsapp"
    verbose_name = _("WhatsApp channel")

    def ready(self) -> None:
        from sportello.providers.whatsapp.config import (
            CONFIG_FIELDS,
            SECRET_KEYS,
            validate_config,
            webhook_path,
        )
        from sportello.providers.whatsapp.identities import normalize_whatsapp_id

        register(
            Provider(
                kind="whatsapp",
                label=_("WhatsApp"),
                identity_kind="whatsapp",
                normalize_handle=normalize_whatsapp_id,
                validate_config=validate_config,
                config_fields=CONFIG_FIELDS,
                secret_keys=SECRET_KEYS,
                send=send,
                urls="sportello.providers.whatsapp.urls",
                webhook_path=webhook_path,
                reply_refusal=reply_refusal,
                # A WhatsApp id is a phone number: a customer's phone on file will do.
                starting=Starting(
                    ("whatsapp", "phone"),
                    template_only=True,
                    write_first=write_first,
                    refusal=start_refusal,
                ),
                jobs=("sportello.providers.whatsapp.jobs",),
            )
        )
