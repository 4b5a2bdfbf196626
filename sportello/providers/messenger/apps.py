"""The Facebook Messenger channel: a Page's conversations through the Messenger Platform
(webhook, page-scoped ids, replies through the Graph API), shared with Instagram in
``providers/common/meta_messaging.py``."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


def send(delivery: Any) -> str:
    from sportello.providers.common.meta_messaging import send_page_message

    return send_page_message(delivery)


def reply_refusal(conversation: Any, channel: Any) -> str | None:
    from sportello.providers.common.meta_messaging import reply_refusal as refusal

    return refusal(conversation, channel)


class MessengerConfig(AppConfig):
    name = "sportello.providers.messenger"
    label = "provider_messenger"
    verbose_name = _("Messenger channel")

    def ready(self) -> None:
        from sportello.providers.common.meta_messaging import (
            CONFIG_FIELDS,
            SECRET_KEYS,
            validate_config,
            webhook_path,
        )

        register(
            Provider(
                kind="messenger",
                label=_("Messenger"),
                identity_kind="messenger",
                validate_config=validate_config,
                config_fields=CONFIG_FIELDS,
                secret_keys=SECRET_KEYS,
                send=send,
                urls="sportello.providers.messenger.urls",
                webhook_path=webhook_path("messenger"),
                reply_refusal=reply_refusal,
                jobs=("sportello.providers.common.meta_jobs",),
            )
        )
