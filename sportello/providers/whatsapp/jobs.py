"""WhatsApp's background jobs."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


# A 5xx or a lost connection to Meta is tried again: a minute later, three times.
@db_task(retries=3, retry_delay=60)
def fetch_media(message_id: int, channel_id: int) -> None:
    """Download the media of a received message into its attachments."""
    # Imported here: the job module is imported at start-up, httpx only when media comes.
    from sportello.providers.whatsapp.media import download_media

    download_media(message_id, channel_id)


# Templates change when the business edits them in Meta's WhatsApp Manager or Meta
# reviews them: once a day keeps the picker right; the settings page's button does it now.
@db_periodic_task(crontab(hour="4", minute="17"))
def sync_all_templates() -> None:
    """Sync the templates of every active WhatsApp channel that names its account."""
    sync_every_channel()


def sync_every_channel() -> dict[int, str]:
    """Each channel's outcome (``"ok"`` or why not): one channel's failure (a revoked
    token) never stops the others'."""
    from sportello.channels.models import Channel
    from sportello.core.errors import SportelloError
    from sportello.providers.whatsapp.actions import sync_templates

    outcomes: dict[int, str] = {}
    channels = Channel.objects.filter(kind="whatsapp", is_active=True)
    for channel in channels.order_by("pk"):
        if not channel.config.get("waba_id"):
            continue
        try:
            sync_templates(channel)
            outcomes[channel.pk] = "ok"
        except SportelloError as exc:
            log.warning("whatsapp channel %s: templates not synced: %s", channel.pk, exc.message)
            outcomes[channel.pk] = exc.message
    return outcomes
