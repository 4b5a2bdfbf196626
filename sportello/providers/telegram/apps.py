"""The Telegram channel: a bot that customers write to in a private chat. Updates arrive
on a webhook or, for a server Telegram cannot reach, by polling ``getUpdates``; replies go
out through the Bot API; files are fetched by a job. A sender's handle is their Telegram
user id (stable, unlike a @username)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, Starting, register


def send(delivery: Any) -> str:
    # Imported on first use: a web process that never sends need not load httpx.
    from sportello.providers.telegram.send import send_telegram

    return send_telegram(delivery)


def start_refusal(channel: Any, customer_id: int | None, address: str) -> str | None:
    from sportello.providers.telegram.starting import start_refusal as refusal

    return refusal(channel, customer_id, address)


def channel_saved(channel: Any) -> None:
    """Point the bot's webhook at the channel (or delete it for polling), in a job."""
    from sportello.providers.telegram.jobs import point_webhook

    if channel.is_active:
        point_webhook(channel.pk)


class TelegramConfig(AppConfig):
    name = "sportello.providers.telegram"
    label = "provider_telegram"
    verbose_name = _("Telegram channel")

    def ready(self) -> None:
        from sportello.providers.telegram.config import (
            CONFIG_FIELDS,
            SECRET_KEYS,
            validate_config,
            webhook_path,
        )

        register(
            Provider(
                kind="telegram",
                label=_("Telegram"),
                identity_kind="telegram",
                validate_config=validate_config,
                config_fields=CONFIG_FIELDS,
                secret_keys=SECRET_KEYS,
                send=send,
                starting=Starting(("telegram",), any_address=False, refusal=start_refusal),
                urls="sportello.providers.telegram.urls",
                webhook_path=webhook_path,
                jobs=(
                    "sportello.providers.telegram.jobs",
                    "sportello.providers.telegram.polling_jobs",
                ),
                on_saved=channel_saved,
            )
        )
