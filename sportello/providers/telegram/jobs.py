"""Telegram's background jobs."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


# A 5xx or a lost connection to Telegram is tried again: a minute later, three times.
@db_task(retries=3, retry_delay=60)
def fetch_media(message_id: int, channel_id: int) -> None:
    """Download the files of a received message into its attachments."""
    # Imported here: the job module is imported at start-up, httpx only when media comes.
    from sportello.providers.telegram.media import download_media

    download_media(message_id, channel_id)


@db_task()
def point_webhook(channel_id: int) -> None:
    """Tell Telegram the channel's webhook (or that it polls), after the channel is saved."""
    from sportello.providers.telegram.setup import point_webhook_now

    point_webhook_now(channel_id)
