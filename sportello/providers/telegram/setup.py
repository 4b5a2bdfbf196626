"""Telling Telegram where updates go, when a channel is saved (``Provider.on_saved``).

In webhook mode Sportello calls ``setWebhook`` with the channel's webhook URL and secret
token, so the admin has nothing to paste; in polling mode ``deleteWebhook``, since a bot
with a webhook cannot be polled. It runs as a job after the commit: the admin's save does
not wait for Telegram, and a failure (a wrong token, a base URL that is not public HTTPS)
is recorded with Telegram's words in RejectedInbound, where the admin sees it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.outbound.errors import DeliveryError
from sportello.providers.common.webhooks import ignore
from sportello.providers.telegram import api
from sportello.providers.telegram.config import SOURCE, read_config, webhook_path

# The updates Sportello takes; Telegram then does not post the rest at all.
ALLOWED_UPDATES = ["message", "edited_message"]


def point_webhook_now(channel_id: int) -> str:
    """Call ``setWebhook`` or ``deleteWebhook`` for the channel; what was done, or why not."""
    channel = Channel.objects.filter(pk=channel_id, kind="telegram").first()
    if channel is None:
        return "no such channel"
    where: dict[str, Any] = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
    try:
        config = read_config(channel.config)
    except SportelloError as exc:
        return f"the channel's configuration: {exc.message}"
    try:
        if config.mode == "polling":
            api.call(config, "deleteWebhook", json={"drop_pending_updates": False})
            return "deleteWebhook"
        url = settings.BASE_URL.rstrip("/") + str(webhook_path(channel.config))
        if not url.startswith("https://"):
            reason = (
                f"setWebhook not called: Telegram needs a public HTTPS URL, and {url} is not; "
                "set SPORTELLO_BASE_URL or use polling mode"
            )
            ignore(source=SOURCE, reason=reason, **where)
            return reason
        api.call(
            config,
            "setWebhook",
            json={
                "url": url,
                "secret_token": config.secret_token,
                "allowed_updates": ALLOWED_UPDATES,
            },
        )
        return "setWebhook"
    except DeliveryError as exc:
        ignore(source=SOURCE, reason=f"telling Telegram the webhook failed: {exc.message}", **where)
        return exc.message
